package segment

import (
	"slices"
	"testing"
	"unsafe"

	"github.com/gregorkafka/gregor/record"
)

// copyAll copies every batch of from into to with AppendShared, as a
// follower copies its leader, and returns the batches it handed over.
func copyAll(t *testing.T, from, to *Log) [][]byte {
	t.Helper()
	var lent [][]byte
	for to.LogEndOffset() < from.LogEndOffset() {
		b, err := from.Read(to.LogEndOffset(), 1<<20, from.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		batches, _, err := record.SplitBatches(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range batches {
			h, err := record.Check(batch)
			if err != nil {
				t.Fatal(err)
			}
			if err := to.AppendShared(batch, h, 0); err != nil {
				t.Fatal(err)
			}
			lent = append(lent, batch)
		}
	}
	return lent
}

// A follower's memory log keeps the leader's lent batches instead of
// copies, and stays a faithful replica while either side truncates and
// appends again: bytes once lent are never overwritten.
func TestAppendSharedKeepsLentBytes(t *testing.T) {
	cfg := DefaultConfig()
	leader, err := Open(MemoryDir(), cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	follower, err := Open(MemoryDir(), cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	appendValues(t, leader, 1, "a", "b", "c", "d")
	lent := copyAll(t, leader, follower)
	want := []string{"a", "b", "c", "d"}
	if got := readValues(t, follower, 0); !slices.Equal(got, want) {
		t.Fatalf("follower has %q, want %q", got, want)
	}
	// The follower's file holds the very bytes the leader lent.
	chunks := follower.active().log.(*memFile).data.chunks
	if len(chunks) != len(lent) || unsafe.SliceData(chunks[0].b) != unsafe.SliceData(lent[0]) {
		t.Fatalf("follower file has %d chunks, not the %d lent batches themselves", len(chunks), len(lent))
	}

	// The leader loses its tail and writes other records at those
	// offsets: the follower's copy of the old ones is untouched.
	if err := leader.TruncateTo(2); err != nil {
		t.Fatal(err)
	}
	appendValues(t, leader, 9, "X", "Y")
	if got := readValues(t, follower, 0); !slices.Equal(got, want) {
		t.Fatalf("after the leader rewrote its tail the follower has %q, want %q", got, want)
	}

	// The follower truncates to the divergence and copies the new tail;
	// its own appends afterwards (as a new leader) go after it.
	if err := follower.TruncateTo(2); err != nil {
		t.Fatal(err)
	}
	copyAll(t, leader, follower)
	appendValues(t, follower, 20, "e")
	if got, want := readValues(t, follower, 0), []string{"a", "b", "X", "Y", "e"}; !slices.Equal(got, want) {
		t.Fatalf("follower has %q, want %q", got, want)
	}
	if got, want := readValues(t, leader, 0), []string{"a", "b", "X", "Y"}; !slices.Equal(got, want) {
		t.Fatalf("the follower's append changed the leader: %q, want %q", got, want)
	}
}

// A log in files writes shared batches like any other.
func TestAppendSharedOnDisk(t *testing.T) {
	cfg := DefaultConfig()
	leader, err := Open(MemoryDir(), cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := OSDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	follower, err := Open(dir, cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	appendValues(t, leader, 1, "a", "b")
	copyAll(t, leader, follower)
	if err := follower.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(dir, cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if got, want := readValues(t, reopened, 0), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("reopened follower has %q, want %q", got, want)
	}
}

// ReadLent stops where a memory log could not lend its bytes: a follower
// fetching this way never makes the leader copy, except for a single
// batch that itself runs over two chunks.
func TestReadLentStopsAtChunkEnd(t *testing.T) {
	l, err := Open(MemoryDir(), DefaultConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	value := pattern(7, 100_000)
	for l.Size() < 3*memFirstChunkMax {
		b, err := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: 1, Value: value}})
		if err != nil {
			t.Fatal(err)
		}
		record.SetBaseOffset(b, l.LogEndOffset())
		h, _ := record.Check(b)
		if err := l.Append(b, h, 1); err != nil {
			t.Fatal(err)
		}
	}
	f := l.active().log.(*memFile)
	for off := int64(0); off < l.LogEndOffset(); {
		b, err := l.ReadLent(off, 8<<20, l.LogEndOffset())
		if err != nil {
			t.Fatal(err)
		}
		batches, _, err := record.SplitBatches(b)
		if err != nil || len(batches) == 0 {
			t.Fatalf("ReadLent at %d: %d batches, %v", off, len(batches), err)
		}
		pos, _, _, _ := l.active().find(off)
		full, _ := l.Read(off, 8<<20, l.LogEndOffset(), true)
		if len(batches) > 1 && f.lendableTo(pos) < pos+int64(len(b)) {
			t.Fatalf("ReadLent at %d returned %d bytes past the chunk end %d", off, len(b), f.lendableTo(pos))
		}
		if len(b) > len(full) || string(full[:len(b)]) != string(b) {
			t.Fatalf("ReadLent at %d is not a prefix of Read", off)
		}
		h, _ := record.ReadHeader(batches[len(batches)-1])
		off = h.NextOffset()
	}
}
