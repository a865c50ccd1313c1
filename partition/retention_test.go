package partition

import (
	"testing"
	"time"
)

// retentionConfig rolls a segment after 10 s and keeps segments for 60 s.
func retentionConfig() Config {
	cfg := DefaultConfig()
	cfg.Segment.SegmentMs = 10000
	cfg.Retention.Ms = 60000
	return cfg
}

// produceEvery11s writes n records 11 s apart, so that each gets a
// segment of its own.
func (s *replicaSet) produceEvery11s(n int) {
	s.t.Helper()
	for i := range n {
		if i > 0 {
			s.advance(11 * time.Second)
		}
		s.produce("v")
	}
}

// Retention deletes whole segments up to the first one it keeps and moves
// the log start offset there, but never past the high watermark: records
// the followers have not all got yet stay however old they are. A
// follower takes the leader's log start offset from its next fetch.
func TestRetentionStopsAtHighWatermark(t *testing.T) {
	s := newReplicaSet(t, retentionConfig(), 1, 2)
	s.produceEvery11s(3) // segments at 0, 1, 2; now +22 s
	s.catchUp(2)         // the high watermark is 3
	s.advance(11 * time.Second)
	s.produce("w") // closes segment 2; 3 is above the high watermark
	s.advance(11 * time.Second)
	s.produce("x") // closes segment 3, which 2 has not fetched
	s.advance(time.Hour)

	n, err := s.leader().ApplyRetention()
	if err != nil || n != 3 {
		t.Fatalf("retention deleted %d segments (%v), want the 3 closed ones", n, err)
	}
	s.wantOffsets(1, 3, 5)
	if start, _, _ := s.offsets(1); start != 3 {
		t.Fatalf("leader's log start %d, want 3", start)
	}
	if start, _, _ := s.offsets(2); start != 0 {
		t.Fatalf("follower's log start %d before fetching, want 0", start)
	}
	s.fetch(2)
	if start, _, _ := s.offsets(2); start != 3 {
		t.Fatalf("follower's log start %d after fetching, want the leader's 3", start)
	}
	if st, _ := s.r[2].Status(); st.Segments[0].BaseOffset != 3 {
		t.Fatalf("follower's first segment at %d, want 3", st.Segments[0].BaseOffset)
	}
}

// A segment is kept while any record in it is younger than retention.ms,
// and nothing goes once the policy no longer includes delete.
func TestRetentionKeepsYoungSegmentsAndCompactedTopics(t *testing.T) {
	cfg := retentionConfig()
	s := newReplicaSet(t, cfg, 1)
	s.produceEvery11s(3)        // records at 0, 11, 22 s; now 22 s
	s.advance(49 * time.Second) // 71 s: only the first is more than 60 s old
	if n, _ := s.leader().ApplyRetention(); n != 1 {
		t.Fatalf("retention deleted %d segments at 71 s, want 1", n)
	}
	cfg.DeletePolicy = false
	if err := s.leader().SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	s.advance(time.Hour)
	if n, _ := s.leader().ApplyRetention(); n != 0 {
		t.Fatalf("cleanup.policy=compact: retention deleted %d segments", n)
	}
	if start, _, _ := s.offsets(1); start != 1 {
		t.Fatalf("log start %d, want 1", start)
	}
}
