package dumplog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDump feeds arbitrary bytes to every kind of segment file, each with
// the others of its segment taken from the workbench: whatever the bytes,
// Dump reports, never panics.
func FuzzDump(f *testing.F) {
	bench := workbench(f)
	for _, name := range []string{"00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex",
		"00000000000000000000.txnindex", "00000000000000000101.snapshot", "00000000000000000100.log"} {
		b, err := os.ReadFile(filepath.Join(bench, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
		f.Add(b, uint8(2))
	}
	f.Fuzz(func(t *testing.T, b []byte, kind uint8) {
		dir := t.TempDir()
		for _, name := range []string{"00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex"} {
			src, err := os.ReadFile(filepath.Join(bench, name))
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, name, src)
		}
		suffixes := []string{".log", ".index", ".timeindex", ".txnindex", ".snapshot"}
		name := "00000000000000000000" + suffixes[int(kind)%len(suffixes)]
		write(t, dir, name, b)
		for _, opts := range []Options{{PrintDataLog: true}, {VerifyIndexOnly: true}, {IndexSanityCheck: true}, {MaxBytes: 100}} {
			var o, e bytes.Buffer
			_ = Dump(&o, &e, []string{dir}, opts)
		}
	})
}
