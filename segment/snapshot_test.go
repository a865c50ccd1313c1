package segment

import (
	"errors"
	"slices"
	"testing"
)

// A snapshot decodes to what was encoded; any damage is
// ErrCorruptSnapshot, as Kafka's readSnapshot throws
// CorruptSnapshotException.
func TestProducerSnapshotCodec(t *testing.T) {
	entries := []ProducerSnapshotEntry{
		{ProducerID: 1, Epoch: 2, LastSequence: 41, LastOffset: 101, OffsetDelta: 2, Timestamp: 1700000033002, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
		{ProducerID: 7, Epoch: 0, LastSequence: -1, LastOffset: -1, Timestamp: 5, CoordinatorEpoch: 3, CurrentTxnFirstOffset: 99},
	}
	b := EncodeProducerSnapshot(entries)
	if len(b) != 10+2*46 {
		t.Fatalf("%d bytes, want %d", len(b), 10+2*46)
	}
	got, err := DecodeProducerSnapshot(b)
	if err != nil || !slices.Equal(got, entries) {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	if got, err := DecodeProducerSnapshot(EncodeProducerSnapshot(nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty snapshot decoded %+v, %v", got, err)
	}
	damaged := map[string][]byte{
		"empty":          nil,
		"version 2":      append([]byte{0, 2}, b[2:]...),
		"header cut":     b[:8],
		"entry cut":      b[:len(b)-1],
		"trailing bytes": append(slices.Clone(b), 0),
		"bad CRC":        append(slices.Clone(b[:len(b)-1]), b[len(b)-1]^1),
		"negative count": append(append(slices.Clone(b[:6]), 0xff, 0xff, 0xff, 0xff), b[10:]...),
	}
	for name, d := range damaged {
		if _, err := DecodeProducerSnapshot(d); !errors.Is(err, ErrCorruptSnapshot) {
			t.Errorf("%s: %v, want ErrCorruptSnapshot", name, err)
		}
	}
}

func writeSnapshots(t *testing.T, l *Log, offsets ...int64) {
	t.Helper()
	for _, off := range offsets {
		if err := l.WriteProducerSnapshot(off, nil, false); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshotList(t *testing.T, l *Log) []int64 {
	t.Helper()
	offs, err := l.ProducerSnapshots()
	if err != nil {
		t.Fatal(err)
	}
	return offs
}

// Snapshots not at a segment's base are stray, except the latest if it
// lies beyond the active segment's base (a clean close's, at the log
// end); a deleted segment takes its snapshot; a cleaner's swap at the
// same base keeps it, and a segment merged away by the cleaner loses it.
func TestProducerSnapshotsFollowSegments(t *testing.T) {
	for name, newDir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			l := openKeyedLog(t, newDir()) // segments at 0, 2, 4, 6
			defer l.Close()
			writeSnapshots(t, l, 1, 2, 3, 4, 6, 7, 8)
			if err := l.RemoveStraySnapshots(); err != nil {
				t.Fatal(err)
			}
			if got := snapshotList(t, l); !slices.Equal(got, []int64{2, 4, 6, 8}) {
				t.Fatalf("after removing strays %v, want [2 4 6 8]", got)
			}
			writeSnapshots(t, l, 5)
			if err := l.DeleteProducerSnapshot(8); err != nil {
				t.Fatal(err)
			}
			if err := l.RemoveStraySnapshots(); err != nil {
				t.Fatal(err)
			}
			if got := snapshotList(t, l); !slices.Equal(got, []int64{2, 4, 6}) {
				t.Fatalf("a stray below the active segment's base kept: %v", got)
			}

			o := CleanOptions{NowMs: 5000, DeleteRetentionMs: 1000, Bound: l.LogEndOffset()}
			if _, err := l.Clean(o); err != nil { // each segment replaced at its base
				t.Fatal(err)
			}
			if got := snapshotList(t, l); !slices.Equal(got, []int64{2, 4, 6}) {
				t.Fatalf("after a cleaning in place %v, want [2 4 6]", got)
			}
			o.NowMs = 5999
			if _, err := l.Clean(o); err != nil { // segments 0 and 2 grouped at 0
				t.Fatal(err)
			}
			if got := snapshotList(t, l); !slices.Equal(got, []int64{4, 6}) {
				t.Fatalf("after grouping segments 0 and 2: %v, want [4 6]", got)
			}
			if err := l.AdvanceLogStartOffset(6); err != nil {
				t.Fatal(err)
			}
			if got := snapshotList(t, l); !slices.Equal(got, []int64{6}) {
				t.Fatalf("after deleting segment 4: %v, want [6]", got)
			}
			for _, n := range []string{FileName(4, SnapshotSuffix) + DeletedSuffix, FileName(2, SnapshotSuffix) + DeletedSuffix} {
				if l.dir.Exists(n) {
					t.Fatalf("%s not removed with its segment", n)
				}
			}
			for _, bad := range []func() error{
				func() error { return l.WriteProducerSnapshot(-1, nil, true) },
				func() error { _, err := l.ReadProducerSnapshot(-1); return err },
				func() error { return l.DeleteProducerSnapshot(-1) },
			} {
				if err := bad(); err == nil {
					t.Fatal("a negative snapshot offset was accepted")
				}
			}
		})
	}
}
