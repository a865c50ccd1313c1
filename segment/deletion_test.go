package segment

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// dirs gives a test both backends: deletion is one code path for files
// and memory.
func dirs(t *testing.T) map[string]func() Dir {
	return map[string]func() Dir{
		"memory": MemoryDir,
		"files": func() Dir {
			d, err := OSDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
	}
}

func namesWith(t *testing.T, d Dir, suffix string) []string {
	t.Helper()
	names, err := d.Names()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			out = append(out, n)
		}
	}
	return out
}

// A segment that leaves the log (log start offset, truncation) has all
// its files renamed .deleted at once and removed only when the owner's
// delayed removal runs; every roll, deletion and removal is an event.
func TestDeletedSegmentsWaitForDelayedRemoval(t *testing.T) {
	for name, newDir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			d := newDir()
			var events []Event
			var pending []func()
			l, err := Open(d, smallConfig(), OpenOptions{
				OnEvent:         func(e Event) { events = append(events, e) },
				ScheduleRemoval: func(remove func()) { pending = append(pending, remove) },
			})
			if err != nil {
				t.Fatal(err)
			}
			appendValues(t, l, 1, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
			segs, _ := l.Segments()
			if len(segs) < 3 {
				t.Fatalf("want at least 3 segments, have %d", len(segs))
			}
			rolls := 0
			for _, e := range events {
				if e.Kind == Rolled {
					rolls++
				}
			}
			if rolls != len(segs)-1 {
				t.Fatalf("%d Rolled events for %d segments", rolls, len(segs))
			}
			first := segs[0]
			if err := l.AdvanceLogStartOffset(segs[1].BaseOffset); err != nil {
				t.Fatal(err)
			}
			wantDeleted := []string{FileName(first.BaseOffset, IndexSuffix) + DeletedSuffix, FileName(first.BaseOffset, LogSuffix) + DeletedSuffix, FileName(first.BaseOffset, TimeIndexSuffix) + DeletedSuffix}
			if got := namesWith(t, d, DeletedSuffix); !slices.Equal(got, wantDeleted) {
				t.Fatalf(".deleted files %q, want %q", got, wantDeleted)
			}
			if d.Exists(FileName(first.BaseOffset, LogSuffix)) {
				t.Fatal("the deleted segment's .log is still live")
			}
			if _, err := l.Read(first.BaseOffset, 1<<20, l.LogEndOffset(), true); !errors.Is(err, ErrOffsetOutOfRange) {
				t.Fatalf("read of a deleted segment: %v", err)
			}
			last := events[len(events)-1]
			if last.Kind != Deleted || last.BaseOffset != first.BaseOffset || last.NextOffset != first.NextOffset || last.Size != first.Size || last.Cause != "log start offset" {
				t.Fatalf("deletion event %+v for segment %+v", last, first)
			}
			if len(pending) != 1 {
				t.Fatalf("%d removals scheduled, want 1", len(pending))
			}
			pending[0]()
			if got := namesWith(t, d, DeletedSuffix); len(got) != 0 {
				t.Fatalf("after removal: %q", got)
			}
			if e := events[len(events)-1]; e.Kind != Removed || e.BaseOffset != first.BaseOffset {
				t.Fatalf("removal event %+v", e)
			}

			// Truncation deletes the same way.
			if err := l.TruncateTo(segs[1].BaseOffset + 1); err != nil {
				t.Fatal(err)
			}
			if e := events[len(events)-1]; e.Kind != Deleted || e.Cause != "truncation" {
				t.Fatalf("truncation event %+v", e)
			}
			if got := namesWith(t, d, LogSuffix+DeletedSuffix); len(got) != len(segs)-2 {
				t.Fatalf("after truncation %d .log.deleted files, want %d", len(got), len(segs)-2)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A broker that stops before file.delete.delay.ms has passed leaves
// .deleted files; opening the log removes them and never loads them.
func TestOpenFinishesPendingDeletions(t *testing.T) {
	for name, newDir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			d := newDir()
			l, err := Open(d, smallConfig(), OpenOptions{ScheduleRemoval: func(func()) {}})
			if err != nil {
				t.Fatal(err)
			}
			appendValues(t, l, 1, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
			segs, _ := l.Segments()
			if err := l.AdvanceLogStartOffset(segs[2].BaseOffset); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if got := namesWith(t, d, DeletedSuffix); len(got) != 6 {
				t.Fatalf("before reopening: %q", got)
			}
			l, err = Open(d, smallConfig(), OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if got := namesWith(t, d, DeletedSuffix); len(got) != 0 {
				t.Fatalf("after reopening: %q", got)
			}
			if l.LogStartOffset() != segs[2].BaseOffset {
				t.Fatalf("log start offset %d, want %d", l.LogStartOffset(), segs[2].BaseOffset)
			}
			if got := readValues(t, l, l.LogStartOffset()); len(got) != int(10-segs[2].BaseOffset) {
				t.Fatalf("reopened log holds %q", got)
			}
		})
	}
}
