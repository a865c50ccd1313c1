package partition

import (
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/segment"
)

func deletedFiles(t *testing.T, d segment.Dir) int {
	t.Helper()
	names, err := d.Names()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		if strings.HasSuffix(name, segment.DeletedSuffix) {
			n++
		}
	}
	return n
}

// Retention renames a deleted segment's files .deleted and removes them
// exactly when file.delete.delay.ms has passed on the replica's clock; a
// changed delay applies to the next deletion.
func TestDeletedFilesGoAfterFileDeleteDelay(t *testing.T) {
	cfg := retentionConfig()
	cfg.FileDeleteDelayMs = 30000
	s := newReplicaSet(t, cfg, 1)
	var events []SegmentEvent
	s.closeReplica(1)
	p, err := Open(Options{Topic: "t", Index: 0, BrokerID: 1, Dir: s.dirs[1], Config: cfg, Clock: s.clock,
		SegmentEvents: func(e SegmentEvent) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	s.r[1] = p
	t.Cleanup(func() { p.Close() })
	s.publish()
	s.produceEvery11s(3) // segments at 0, 1, 2
	s.advance(time.Hour)
	if n, err := p.ApplyRetention(); n != 2 || err != nil {
		t.Fatalf("retention deleted %d segments (%v), want 2", n, err)
	}
	// Two segments of three files, and the producer snapshot the roll
	// to segment 2 left at segment 1's base (segment 0 has none: nothing
	// rolled into it).
	if got := deletedFiles(t, s.dirs[1]); got != 7 {
		t.Fatalf("%d .deleted files right after retention, want 7 (two segments of three files, one snapshot)", got)
	}
	s.advance(29999 * time.Millisecond)
	if got := deletedFiles(t, s.dirs[1]); got != 7 {
		t.Fatalf("%d .deleted files 1 ms before file.delete.delay.ms", got)
	}
	s.advance(time.Millisecond)
	if got := deletedFiles(t, s.dirs[1]); got != 0 {
		t.Fatalf("%d .deleted files at file.delete.delay.ms", got)
	}
	kinds := map[segment.EventKind]int{}
	for _, e := range events {
		if e.Topic != "t" || e.BrokerID != 1 {
			t.Fatalf("event %+v names another replica", e)
		}
		kinds[e.Kind]++
	}
	if kinds[segment.Rolled] != 2 || kinds[segment.Deleted] != 2 || kinds[segment.Removed] != 2 {
		t.Fatalf("events by kind %v, want 2 rolls, 2 deletions, 2 removals", kinds)
	}

	cfg.FileDeleteDelayMs = 0
	if err := p.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	s.produce("w") // rolls segment 2
	s.advance(time.Hour)
	if n, _ := p.ApplyRetention(); n != 1 {
		t.Fatalf("second retention deleted %d segments, want 1", n)
	}
	s.advance(0)
	if got := deletedFiles(t, s.dirs[1]); got != 0 {
		t.Fatalf("file.delete.delay.ms=0: %d .deleted files after the clock's next step", got)
	}
	cfg.FileDeleteDelayMs = -1
	if err := p.SetConfig(cfg); err == nil {
		t.Fatal("a negative file.delete.delay.ms was applied")
	}
}

// A replica closed within the delay leaves its .deleted files; reopening
// removes them (a restart finishes pending deletions).
func TestReopenRemovesPendingDeletions(t *testing.T) {
	s := newReplicaSet(t, retentionConfig(), 1)
	s.produceEvery11s(3)
	s.advance(time.Hour)
	if n, _ := s.leader().ApplyRetention(); n != 2 {
		t.Fatalf("retention deleted %d segments, want 2", n)
	}
	s.closeReplica(1)
	s.advance(time.Hour) // the removal timers find the replica closed
	if got := deletedFiles(t, s.dirs[1]); got != 7 {
		t.Fatalf("%d .deleted files after closing, want 7 (with segment 1's snapshot)", got)
	}
	s.open(1)
	if got := deletedFiles(t, s.dirs[1]); got != 0 {
		t.Fatalf("%d .deleted files after reopening", got)
	}
}
