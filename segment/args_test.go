package segment

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// Every exported function answers bad arguments with an error, and the
// two Dir implementations refuse the same file names.
func TestBadArgumentsAreErrors(t *testing.T) {
	if _, err := Open(nil, DefaultConfig(), OpenOptions{}); err == nil {
		t.Error("Open with a nil Dir")
	}
	if _, err := Open(MemoryDir(), DefaultConfig(), OpenOptions{LogStartOffset: -1}); err == nil {
		t.Error("Open with log start offset -1")
	}
	bad := DefaultConfig()
	bad.SegmentBytes = 10
	if _, err := Open(MemoryDir(), bad, OpenOptions{}); err == nil {
		t.Error("Open with segment.bytes 10")
	}

	l, err := Open(MemoryDir(), smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	appendValues(t, l, 1000, "a", "b")
	b, _ := record.Build(record.BatchOptions{BaseOffset: 2}, []record.Record{{Timestamp: 1, Value: []byte("c")}})
	h, _ := record.Check(b)
	negative := h
	negative.LastOffsetDelta = -1
	for name, err := range map[string]error{
		"Append of a truncated batch":            l.Append(b[:len(b)-1], h, 0),
		"Append of a header-less batch":          l.Append(b[:10], h, 0),
		"Append with a negative offset delta":    l.Append(b, negative, 0),
		"Append below the log end offset":        l.Append(b, record.Header{BaseOffset: 1, Length: h.Length}, 0),
		"Batches with a nil function":            l.Batches(0, nil),
		"TruncateTo a negative offset":           l.TruncateTo(-1),
		"TruncateFullyAndStartAt a negative one": l.TruncateFullyAndStartAt(-5, 0),
		"AdvanceLogStartOffset past the end":     l.AdvanceLogStartOffset(100),
		"SetConfig with segment.index.bytes 0":   l.SetConfig(Config{SegmentBytes: 100, SegmentMs: 1}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got := readValues(t, l, 0); len(got) != 2 {
		t.Fatalf("refused calls changed the log: %v", got)
	}
	if _, err := l.Read(-1, 100, 2, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Errorf("Read at -1: %v", err)
	}

	f, _ := MemoryDir().Open("x")
	if _, err := ReadFull(f, -1, 1); err == nil {
		t.Error("ReadFull at -1")
	}
	if _, err := ReadFull(f, 0, -1); err == nil {
		t.Error("ReadFull of -1 bytes")
	}
	if _, err := ReadFull(nil, 0, 1); err == nil {
		t.Error("ReadFull of a nil file")
	}
	if err := WriteFileAtomic(nil, "x", nil); err == nil {
		t.Error("WriteFileAtomic into a nil Dir")
	}
	if _, err := ReadFile(MemoryDir(), "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
	if err := WriteCheckpoint(MemoryDir(), "cp", [][]string{{"my topic", "0", "5"}}); err == nil {
		t.Error("WriteCheckpoint of a field with a blank")
	}
	if err := WriteCheckpoint(MemoryDir(), "cp", [][]string{{}}); err == nil {
		t.Error("WriteCheckpoint of an empty entry")
	}
	if _, err := ReadCheckpoint(MemoryDir(), "cp", 0); err == nil {
		t.Error("ReadCheckpoint of 0 fields per entry")
	}

	osd, err := OSDir(filepath.Join(t.TempDir(), "d"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []Dir{MemoryDir(), osd} {
		for _, name := range []string{"", ".", "..", "a/b", `a\b`, "nul\x00"} {
			if _, err := d.Open(name); err == nil {
				t.Errorf("%T.Open(%q)", d, name)
			}
			if _, err := d.Sub(name); err == nil {
				t.Errorf("%T.Sub(%q)", d, name)
			}
			if err := d.Rename("x", name); err == nil {
				t.Errorf("%T.Rename to %q", d, name)
			}
		}
	}
}
