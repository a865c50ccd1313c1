package segment

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// Crash recovery of a log on disk, and regression tests for what
// FuzzSegmentRecovery found.

// openOnDisk writes 12 single-record batches into a log with small
// segments under a temporary directory and closes it.
func openOnDisk(t *testing.T) (Dir, string, []Info) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "orders-0")
	dir, err := OSDir(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for i := range 12 {
		values = append(values, fmt.Sprintf("value-%02d", i))
	}
	appendValues(t, l, 1000, values...)
	segs, _ := l.Segments()
	if len(segs) < 3 {
		t.Fatalf("want several segments, got %d", len(segs))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, path, segs
}

func wantValues(t *testing.T, l *Log, n int) {
	t.Helper()
	got := readValues(t, l, 0)
	if len(got) != n {
		t.Fatalf("log holds %d values %v, want %d", len(got), got, n)
	}
	for i, v := range got {
		if v != fmt.Sprintf("value-%02d", i) {
			t.Fatalf("value %d is %q", i, v)
		}
	}
}

// A deleted .index file of a closed segment is rebuilt from its .log, as
// Kafka's LogLoader rebuilds a missing index; lookups inside the segment
// then go through the index again.
func TestMissingIndexOfClosedSegmentIsRebuilt(t *testing.T) {
	dir, path, segs := openOnDisk(t)
	first := segs[0]
	if first.IndexEntries == 0 {
		t.Fatal("the first segment has no index entries to lose")
	}
	for _, suffix := range []string{IndexSuffix, TimeIndexSuffix} {
		if err := os.Remove(filepath.Join(path, FileName(first.BaseOffset, suffix))); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Open(dir, smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	after, _ := l.Segments()
	if after[0].IndexEntries != first.IndexEntries || after[0].TimeEntries != first.TimeEntries {
		t.Fatalf("rebuilt indexes have %d/%d entries, the originals had %d/%d",
			after[0].IndexEntries, after[0].TimeEntries, first.IndexEntries, first.TimeEntries)
	}
	wantValues(t, l, 12)
	if off, _, found, err := l.OffsetForTimestamp(1002); err != nil || !found || off != 2 {
		t.Fatalf("offset for timestamp 1002: %d %v %v", off, found, err)
	}
}

// An index entry pointing into the middle of a batch made reads of a
// closed segment fail ("unsupported record format: magic 0"); such an
// index is now found out when the log is opened and rebuilt.
func TestCorruptIndexOfClosedSegmentIsRebuilt(t *testing.T) {
	dir, path, segs := openOnDisk(t)
	name := filepath.Join(path, FileName(segs[0].BaseOffset, IndexSuffix))
	entry := binary.BigEndian.AppendUint32(nil, 1)
	entry = binary.BigEndian.AppendUint32(entry, 9) // byte 9: inside the first batch
	if err := os.WriteFile(name, entry, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for off := int64(0); off < 12; off++ {
		if got := readValues(t, l, off); len(got) != int(12-off) {
			t.Fatalf("reading from %d: %v", off, got)
		}
	}
}

// A batch whose CRC matches but whose last offset delta is negative was
// kept by recovery, and set the log end offset from its (smaller) last
// offset; recovery now stops there.
func TestRecoveryStopsAtBatchWithNegativeLastOffsetDelta(t *testing.T) {
	dir := MemoryDir()
	l, _ := Open(dir, smallConfig(), OpenOptions{})
	appendValues(t, l, 1000, "a", "b")
	end := l.LogEndOffset()
	bad, _ := record.Build(record.BatchOptions{BaseOffset: end + 10}, []record.Record{{Timestamp: 2000, Value: []byte("x")}})
	binary.BigEndian.PutUint32(bad[23:], uint32(0xfffffffb)) // last offset delta -5
	binary.BigEndian.PutUint32(bad[17:], crc32.Checksum(bad[21:], crc32.MakeTable(crc32.Castagnoli)))
	segs, _ := l.Segments()
	f, _ := dir.Open(FileName(segs[len(segs)-1].BaseOffset, LogSuffix))
	f.Append(bad)
	l.Close()
	l, err := Open(dir, smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != end {
		t.Fatalf("log end offset %d after recovery, want %d", l.LogEndOffset(), end)
	}
}

// Crash damage in the last segment: a cut in the middle of the last
// batch, or a flipped byte in it, loses that batch and nothing before it,
// and appends continue at the right offset.
func TestRecoveryOfDamagedLastSegment(t *testing.T) {
	for _, damage := range []string{"torn", "crc"} {
		t.Run(damage, func(t *testing.T) {
			dir, path, segs := openOnDisk(t)
			last := filepath.Join(path, FileName(segs[len(segs)-1].BaseOffset, LogSuffix))
			raw, err := os.ReadFile(last)
			if err != nil {
				t.Fatal(err)
			}
			switch damage {
			case "torn":
				raw = raw[:len(raw)-7]
			case "crc":
				raw[len(raw)-3] ^= 0x01
			}
			if err := os.WriteFile(last, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Open(dir, smallConfig(), OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.LogEndOffset() != 11 {
				t.Fatalf("log end offset %d, want 11", l.LogEndOffset())
			}
			wantValues(t, l, 11)
			appendValues(t, l, 3000, "value-11")
			wantValues(t, l, 12)
		})
	}
}
