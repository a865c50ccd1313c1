package segment

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// appendValues appends one single-record batch per value, stamping offsets
// as a leader would.
func appendValues(t *testing.T, l *Log, ts int64, values ...string) {
	t.Helper()
	for _, v := range values {
		b, err := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: ts, Value: []byte(v)}})
		if err != nil {
			t.Fatal(err)
		}
		record.SetBaseOffset(b, l.LogEndOffset())
		h, _ := record.Check(b)
		if err := l.Append(b, h, ts); err != nil {
			t.Fatal(err)
		}
		ts++
	}
}

func readValues(t *testing.T, l *Log, from int64) []string {
	t.Helper()
	var out []string
	for off := from; off < l.LogEndOffset(); {
		b, err := l.Read(off, 1<<20, l.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		batches, _, _ := record.SplitBatches(b)
		for _, batch := range batches {
			recs, err := record.Records(batch)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if r.Offset >= off {
					out = append(out, string(r.Value))
					off = r.Offset + 1
				}
			}
		}
	}
	return out
}

func smallConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 300 // about four small batches per segment
	c.IndexIntervalBytes = 100
	return c
}

func TestAppendRollAndRead(t *testing.T) {
	l, err := Open(MemoryDir(), smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < 20; i++ {
		want = append(want, fmt.Sprintf("value-%02d", i))
	}
	appendValues(t, l, 1000, want...)
	if l.LogEndOffset() != 20 {
		t.Fatalf("log end offset %d, want 20", l.LogEndOffset())
	}
	segs, _ := l.Segments()
	if len(segs) < 4 {
		t.Fatalf("expected segment.bytes=300 to roll into several segments, got %d", len(segs))
	}
	var total int64
	for i, s := range segs {
		if s.Size > 300 {
			t.Errorf("segment %d is %d bytes, above segment.bytes", i, s.Size)
		}
		if i > 0 && s.BaseOffset != segs[i-1].NextOffset {
			t.Errorf("segment %d starts at %d, previous ended at %d", i, s.BaseOffset, segs[i-1].NextOffset)
		}
		total += s.Records
	}
	if total != 20 {
		t.Fatalf("segments hold %d records, want 20", total)
	}
	for from := int64(0); from < 20; from++ {
		got := readValues(t, l, from)
		if fmt.Sprint(got) != fmt.Sprint(want[from:]) {
			t.Fatalf("read from %d: %v", from, got)
		}
	}
	if _, err := l.Read(21, 100, 21, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read past the end: %v", err)
	}
	if b, err := l.Read(20, 100, 20, true); err != nil || len(b) != 0 {
		t.Fatalf("read at the end: %d bytes, %v", len(b), err)
	}
	// maxOffset (the high watermark) hides what is above it.
	if got := readBatchesUpTo(t, l, 0, 3); got != 3 {
		t.Fatalf("read up to offset 3 returned %d records", got)
	}
}

func readBatchesUpTo(t *testing.T, l *Log, from, maxOffset int64) int {
	b, err := l.Read(from, 1<<20, maxOffset, true)
	if err != nil {
		t.Fatal(err)
	}
	batches, _, _ := record.SplitBatches(b)
	return len(batches)
}

func TestOffsetForTimestamp(t *testing.T) {
	l, _ := Open(MemoryDir(), smallConfig(), OpenOptions{})
	appendValues(t, l, 1000, "a", "b", "c", "d", "e", "f", "g", "h") // timestamps 1000..1007
	for _, tc := range []struct {
		ts         int64
		wantOffset int64
		found      bool
	}{{0, 0, true}, {1000, 0, true}, {1003, 3, true}, {1007, 7, true}, {1008, 0, false}} {
		off, _, found, err := l.OffsetForTimestamp(tc.ts)
		if err != nil || found != tc.found || (found && off != tc.wantOffset) {
			t.Errorf("timestamp %d: offset %d found %v err %v; want %d %v", tc.ts, off, found, err, tc.wantOffset, tc.found)
		}
	}
	ts, off, found, err := l.MaxTimestamp()
	if err != nil || !found || ts != 1007 || off != 7 {
		t.Fatalf("max timestamp %d at %d (%v, %v)", ts, off, found, err)
	}
}

func TestTruncateTo(t *testing.T) {
	l, _ := Open(MemoryDir(), smallConfig(), OpenOptions{})
	appendValues(t, l, 1000, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
	if err := l.TruncateTo(4); err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != 4 {
		t.Fatalf("log end offset after truncation %d", l.LogEndOffset())
	}
	appendValues(t, l, 2000, "x", "y")
	if got := fmt.Sprint(readValues(t, l, 0)); got != "[0 1 2 3 x y]" {
		t.Fatalf("after truncate and append: %s", got)
	}
}

func TestAdvanceLogStartOffset(t *testing.T) {
	l, _ := Open(MemoryDir(), smallConfig(), OpenOptions{})
	appendValues(t, l, 1000, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
	before, _ := l.Segments()
	if err := l.AdvanceLogStartOffset(before[1].BaseOffset + 1); err != nil {
		t.Fatal(err)
	}
	after, _ := l.Segments()
	if len(after) != len(before)-1 || l.LogStartOffset() != before[1].BaseOffset+1 {
		t.Fatalf("segments %d→%d, log start %d", len(before), len(after), l.LogStartOffset())
	}
	if _, err := l.Read(0, 100, 10, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below log start: %v", err)
	}
}

// The file backend writes Kafka's layout and recovers after a crash that
// tore the last batch.
func TestFilesAndTornTailRecovery(t *testing.T) {
	root := t.TempDir()
	dir, err := OSDir(filepath.Join(root, "orders-0"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	appendValues(t, l, 1000, "a", "b", "c", "d", "e", "f")
	segs, _ := l.Segments()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		for _, suffix := range []string{".log", ".index", ".timeindex"} {
			name := filepath.Join(root, "orders-0", fmt.Sprintf("%020d%s", s.BaseOffset, suffix))
			if _, err := os.Stat(name); err != nil {
				t.Fatalf("missing %s: %v", name, err)
			}
		}
	}
	// Cut the last .log file in the middle of its last batch.
	last := filepath.Join(root, "orders-0", FileName(segs[len(segs)-1].BaseOffset, LogSuffix))
	st, _ := os.Stat(last)
	if err := os.Truncate(last, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	l, err = Open(dir, smallConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != 5 {
		t.Fatalf("after recovery log end offset %d, want 5 (the torn batch dropped)", l.LogEndOffset())
	}
	if got := fmt.Sprint(readValues(t, l, 0)); got != "[a b c d e]" {
		t.Fatalf("after recovery: %s", got)
	}
	appendValues(t, l, 2000, "f2")
	if got := fmt.Sprint(readValues(t, l, 0)); got != "[a b c d e f2]" {
		t.Fatalf("append after recovery: %s", got)
	}
	l.Close()
}

// The textbook's files, written by Kafka, open as a log.
func TestOpenKafkaWrittenSegment(t *testing.T) {
	raw, err := os.ReadFile("../record/testdata/kafka-3.x-partition0.log")
	if err != nil {
		t.Fatal(err)
	}
	dir := MemoryDir()
	f, _ := dir.Open(FileName(0, LogSuffix))
	f.Append(raw)
	l, err := Open(dir, DefaultConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != 6 {
		t.Fatalf("log end offset %d, want 6", l.LogEndOffset())
	}
	got, _ := l.Read(0, 1<<20, 6, true)
	if !bytes.Equal(got, raw) {
		t.Fatal("reading the whole log did not return Kafka's bytes")
	}
}
