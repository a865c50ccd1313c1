package partition

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gregorkafka/gregor/segment"
)

// Tests of the leader epoch cache against Kafka's LeaderEpochFileCache
// (storage/.../epoch/LeaderEpochFileCache.java) and its tests.

func cacheWith(t *testing.T, entries ...epochEntry) *epochCache {
	t.Helper()
	c := &epochCache{dir: segment.MemoryDir()}
	for _, e := range entries {
		if err := c.assign(e.Epoch, e.StartOffset); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func fmtEntries(es []epochEntry) string {
	s := "["
	for i, e := range es {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%d@%d", e.Epoch, e.StartOffset)
	}
	return s + "]"
}

func TestEpochCacheAssign(t *testing.T) {
	base := []epochEntry{{0, 0}, {2, 10}}
	for _, tc := range []struct {
		name   string
		assign epochEntry
		want   string
	}{
		{"same epoch, later offset: the epoch already started", epochEntry{2, 14}, "[0@0 2@10]"},
		{"newer epoch after the latest", epochEntry{3, 14}, "[0@0 2@10 3@14]"},
		// A leader elected and replaced before it wrote anything: its
		// entry starts where the next leader's does, and gives way.
		{"newer epoch at the latest's start offset", epochEntry{3, 10}, "[0@0 3@10]"},
		{"newer epoch at an earlier offset", epochEntry{3, 5}, "[0@0 3@5]"},
		{"same epoch at an earlier offset", epochEntry{2, 8}, "[0@0 2@8]"},
		// Kafka keeps the cache monotonic by dropping entries of newer
		// epochs (maybeTruncateNonMonotonicEntries).
		{"older epoch", epochEntry{1, 12}, "[0@0 1@12]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cacheWith(t, base...)
			if err := c.assign(tc.assign.Epoch, tc.assign.StartOffset); err != nil {
				t.Fatal(err)
			}
			if got := fmtEntries(c.entries); got != tc.want {
				t.Fatalf("assign(%d, %d) to [0@0 2@10]: %s, want %s", tc.assign.Epoch, tc.assign.StartOffset, got, tc.want)
			}
		})
	}
	c := cacheWith(t)
	for _, bad := range []epochEntry{{-1, 0}, {0, -1}} {
		if err := c.assign(bad.Epoch, bad.StartOffset); err == nil || len(c.entries) != 0 {
			t.Fatalf("assign(%d, %d) accepted: %s", bad.Epoch, bad.StartOffset, fmtEntries(c.entries))
		}
	}
}

func TestEpochCacheEndOffsetFor(t *testing.T) {
	c := cacheWith(t, epochEntry{1, 0}, epochEntry{3, 10}, epochEntry{4, 15})
	const logEnd = 20
	for _, tc := range []struct {
		requested, epoch int32
		end              int64
	}{
		{-1, -1, -1}, // undefined epoch: undefined answer
		// Below every epoch held (the older ones were deleted): the
		// requested epoch, ending where the first known epoch starts.
		{0, 0, 0},
		{1, 1, 10},
		{2, 1, 10}, // never a leader epoch here: the epoch before it
		{3, 3, 15},
		{4, 4, logEnd}, // the latest epoch ends at the log end offset
		{5, -1, -1},    // newer than any epoch: unknown
	} {
		epoch, end := c.endOffsetFor(tc.requested, logEnd)
		if epoch != tc.epoch || end != tc.end {
			t.Errorf("endOffsetFor(%d) = (%d, %d), want (%d, %d)", tc.requested, epoch, end, tc.epoch, tc.end)
		}
	}
	empty := cacheWith(t)
	if epoch, end := empty.endOffsetFor(0, logEnd); epoch != -1 || end != -1 {
		t.Errorf("empty cache: endOffsetFor(0) = (%d, %d), want (-1, -1)", epoch, end)
	}
}

func TestEpochCacheEpochFor(t *testing.T) {
	c := cacheWith(t, epochEntry{1, 5}, epochEntry{3, 10})
	for offset, want := range map[int64]int32{0: -1, 4: -1, 5: 1, 9: 1, 10: 3, 100: 3} {
		if got := c.epochFor(offset); got != want {
			t.Errorf("epochFor(%d) = %d, want %d", offset, got, want)
		}
	}
	if got := cacheWith(t).epochFor(0); got != -1 {
		t.Errorf("empty cache: epochFor(0) = %d, want -1", got)
	}
}

func TestEpochCacheTruncateFromEnd(t *testing.T) {
	for offset, want := range map[int64]string{
		20: "[1@0 3@10 4@15]",
		15: "[1@0 3@10]", // entries starting at the new log end go
		12: "[1@0 3@10]",
		10: "[1@0]",
		0:  "[]",
	} {
		c := cacheWith(t, epochEntry{1, 0}, epochEntry{3, 10}, epochEntry{4, 15})
		if err := c.truncateFromEnd(offset); err != nil {
			t.Fatal(err)
		}
		if got := fmtEntries(c.entries); got != want {
			t.Errorf("truncateFromEnd(%d): %s, want %s", offset, got, want)
		}
	}
}

func TestEpochCacheTruncateFromStart(t *testing.T) {
	for offset, want := range map[int64]string{
		0:  "[1@0 3@10 4@15]",
		5:  "[1@5 3@10 4@15]", // the epoch holding the new log start starts there
		10: "[3@10 4@15]",
		12: "[3@12 4@15]",
		20: "[4@20]",
	} {
		c := cacheWith(t, epochEntry{1, 0}, epochEntry{3, 10}, epochEntry{4, 15})
		if err := c.truncateFromStart(offset); err != nil {
			t.Fatal(err)
		}
		if got := fmtEntries(c.entries); got != want {
			t.Errorf("truncateFromStart(%d): %s, want %s", offset, got, want)
		}
	}
}

// The cache is kept in leader-epoch-checkpoint in Kafka's checkpoint
// format (LeaderEpochCheckpointFile): version 0, the entry count, then
// "epoch startOffset" per line.
func TestEpochCheckpointFile(t *testing.T) {
	c := cacheWith(t, epochEntry{0, 0}, epochEntry{2, 57}, epochEntry{5, 120})
	raw, err := segment.ReadFile(c.dir, segment.LeaderEpochCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	if want := "0\n3\n0 0\n2 57\n5 120\n"; string(raw) != want {
		t.Fatalf("leader-epoch-checkpoint is %q, want %q", raw, want)
	}
	if err := c.truncateFromEnd(100); err != nil {
		t.Fatal(err)
	}
	raw, _ = segment.ReadFile(c.dir, segment.LeaderEpochCheckpoint)
	if want := "0\n2\n0 0\n2 57\n"; string(raw) != want {
		t.Fatalf("after truncateFromEnd(100) leader-epoch-checkpoint is %q, want %q", raw, want)
	}

	// A file written by Kafka loads as it is.
	dir := segment.MemoryDir()
	if err := segment.WriteFileAtomic(dir, segment.LeaderEpochCheckpoint, []byte("0\n3\n0 0\n4 1000\n7 1500\n")); err != nil {
		t.Fatal(err)
	}
	loaded, err := loadEpochCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmtEntries(loaded.entries); got != "[0@0 4@1000 7@1500]" {
		t.Fatalf("loaded %s", got)
	}
}

// A replica opened from its log makes the cache agree with the batches:
// a lost checkpoint is rebuilt from the partition leader epochs stamped in
// the batches; entries beyond the log end (a crash after truncation, before
// the checkpoint was rewritten) are dropped.
func TestEpochCacheRebuiltOnOpen(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.produce("a")
	s.produce("b")
	s.elect(1, 1)
	s.produce("c")
	s.elect(1, 1) // epoch 2: nothing written
	s.elect(1, 1) // epoch 3
	s.produce("d")
	want := "[0@0 1@2 3@3]"
	if got := fmtEntries(s.epochEntries(1)); got != want {
		t.Fatalf("cache while leading: %s, want %s", got, want)
	}

	for _, tc := range []struct {
		name, checkpoint, want string
	}{
		{"checkpoint lost", "", want},
		{"checkpoint behind the log", "0\n1\n0 0\n", want},
		{"checkpoint beyond the log end", "0\n4\n0 0\n1 2\n3 3\n7 10\n", want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.closeReplica(1)
			dir := s.dirs[1]
			if tc.checkpoint == "" {
				dir.Remove(segment.LeaderEpochCheckpoint)
			} else if err := segment.WriteFileAtomic(dir, segment.LeaderEpochCheckpoint, []byte(tc.checkpoint)); err != nil {
				t.Fatal(err)
			}
			s.open(1)
			if got := fmtEntries(s.epochEntries(1)); got != tc.want {
				t.Fatalf("reopened cache %s, want %s", got, tc.want)
			}
			rows, err := segment.ReadCheckpoint(dir, segment.LeaderEpochCheckpoint, 2)
			if err != nil || len(rows) != 3 {
				t.Fatalf("checkpoint after reopening: %v %v", rows, err)
			}
		})
	}
	if got := s.values(1); !slices.Equal(got, []string{"a@0", "b@0", "c@1", "d@3"}) {
		t.Fatalf("log %v", got)
	}
}
