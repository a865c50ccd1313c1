package partition

import (
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// The leader's side of replication, against Kafka's Partition
// (maybeIncrementLeaderHW, getOutOfSyncReplicas, checkEnoughReplicasReachOffset,
// appendRecordsToLeader) and ReplicaState (isCaughtUp, updateFetchState).

// The high watermark is the smallest log end offset among the in-sync
// replicas; a follower's log end offset is what its latest fetch asked
// for, and a follower learns the new high watermark in its next fetch's
// answer.
func TestHighWatermarkIsMinimumOverISR(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2, 3)
	s.produce("a", "b", "c", "d", "e")
	s.wantOffsets(1, 0, 5) // followers' positions are unknown until they fetch

	s.fetch(2) // at 0: copies 0-4
	s.fetch(2) // at 5
	s.wantOffsets(1, 0, 5)
	s.fetch(3) // at 0
	s.wantOffsets(1, 0, 5)
	res, _ := s.fetch(3) // at 5: every ISR member has 0-4
	s.wantOffsets(1, 5, 5)
	if res.HighWatermark != 5 {
		t.Fatalf("the fetch that moved the high watermark answered %d, want 5", res.HighWatermark)
	}
	s.wantOffsets(3, 5, 5)
	s.wantOffsets(2, 0, 5) // learns it next time
	s.fetch(2)
	s.wantOffsets(2, 5, 5)
	if got := s.leader().FollowerLogEndOffsets(); got[2] != 5 || got[3] != 5 {
		t.Fatalf("leader's view of the followers: %v", got)
	}
}

// The high watermark never moves down, even when a replica far behind is
// put into the ISR; it moves up again once that replica catches up.
func TestHighWatermarkNeverMovesDown(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2, 3)
	s.elect(1, 1, 2) // 3 is out of sync from the start of this term
	s.produce("a", "b", "c", "d")
	s.catchUp(2)
	s.wantOffsets(1, 4, 4)
	if res, _ := s.fetch(3); res.JoinISR {
		t.Fatalf("a follower at 0 asked to join with the high watermark at 4")
	}
	s.wantOffsets(1, 4, 4)
	s.setISR(1, 2, 3)
	s.wantOffsets(1, 4, 4)
	s.produce("e")
	s.catchUp(2)
	s.wantOffsets(1, 4, 5) // waits for 3, which is at 0 as far as the leader knows
	s.catchUp(3)
	s.wantOffsets(1, 5, 5)
}

// A follower outside the ISR that has caught up (reached the leader's log
// end within replica.lag.time.max.ms) holds the high watermark back as if
// it were in the ISR: otherwise a leader alone in the ISR would keep
// moving the high watermark ahead of it and it could never rejoin
// (Kafka's maybeIncrementLeaderHW, shouldWaitForReplicaToJoinIsr).
func TestCaughtUpFollowerHoldsHighWatermark(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.elect(1, 1)
	res, _ := s.fetch(2) // at the leader's log end offset 0: caught up now
	if !res.JoinISR {
		t.Fatalf("a follower at the leader's log end was not asked to join the ISR")
	}
	s.produce("a")
	s.wantOffsets(1, 0, 1)
	s.catchUp(2)
	s.wantOffsets(1, 1, 1)

	// A follower that stops fetching while behind stops holding it back
	// once replica.lag.time.max.ms has passed since it was caught up.
	s.produce("b")
	s.advance(30 * time.Second)
	s.produce("c")
	s.wantOffsets(1, 1, 3)
	s.advance(time.Millisecond)
	s.produce("d")
	s.wantOffsets(1, 4, 4)
}

// Fenced brokers (stopped, crashed past the session timeout, or shutting
// down) may not join the ISR, so they never hold the high watermark back
// either (Kafka's isReplicaIsrEligible).
func TestFencedFollowerDoesNotHoldHighWatermark(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.elect(1, 1)
	s.fenced[2] = true
	if res, _ := s.fetch(2); res.JoinISR {
		t.Fatalf("a fenced follower was asked to join the ISR")
	}
	s.produce("a")
	s.wantOffsets(1, 1, 1)
	s.fenced[2] = false
	s.produce("b") // the follower is at 1, caught up at its last fetch
	s.wantOffsets(1, 1, 2)
}

// A follower joins the ISR once it has reached the high watermark and
// the start of the leader's current epoch (Partition.isFollowerInSync).
func TestFollowerAskedToJoinISRWhenCaughtUp(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a", "b")
	s.catchUp(2)
	s.elect(1, 1) // a new term, with the leader alone in the ISR; it starts at 2
	s.produce("c")
	s.wantOffsets(1, 3, 3)
	s.advance(time.Minute)
	var joined []int64
	for range 3 {
		res, _ := s.fetch(2)
		if res.JoinISR {
			_, _, end := s.offsets(2)
			joined = append(joined, end)
		}
	}
	if len(joined) == 0 || joined[0] != 3 {
		t.Fatalf("asked to join the ISR at log end offsets %v, want first at 3", joined)
	}
	s.setISR(1, 2)
	if res, _ := s.fetch(2); res.JoinISR {
		t.Fatalf("asked to join the ISR it is in")
	}
}

// An in-sync follower falls out of sync when it has not been caught up
// for more than replica.lag.time.max.ms (30 s by default). "Caught up"
// follows Kafka's ReplicaState: fetching at the leader's log end offset,
// or at least at the leader's log end offset of the follower's previous
// fetch, which counts as caught up at the time of that previous fetch.
func TestOutOfSyncReplicasAfterReplicaLagTimeMax(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2, 3)
	s.produce("a", "b", "c", "d", "e")
	s.catchUp(2)
	if out := s.leader().OutOfSyncReplicas(); len(out) != 0 {
		t.Fatalf("out of sync at once: %v", out)
	}
	s.advance(30 * time.Second)
	if out := s.leader().OutOfSyncReplicas(); len(out) != 0 {
		t.Fatalf("out of sync after exactly replica.lag.time.max.ms: %v", out)
	}
	s.advance(time.Millisecond)
	// 2 sits at the leader's log end offset: caught up however long ago
	// it fetched.
	if out := s.leader().OutOfSyncReplicas(); !slices.Equal(out, []int32{3}) {
		t.Fatalf("out of sync after 30.001 s: %v, want [3]", out)
	}
	s.fetch(3) // at 0, behind: not caught up
	if out := s.leader().OutOfSyncReplicas(); !slices.Equal(out, []int32{3}) {
		t.Fatalf("out of sync after 3 fetched from behind: %v, want [3]", out)
	}
	// A follower idle at the log end counts as caught up until the log
	// grows (gregor's stand-in for the fetch a Kafka follower keeps parked
	// at the leader), so 2 is still in sync right after this append.
	s.produce("f")
	if out := s.leader().OutOfSyncReplicas(); !slices.Equal(out, []int32{3}) {
		t.Fatalf("out of sync right after the log grew: %v, want [3]", out)
	}
	s.fetch(3) // at 5: the leader's log end as of its previous fetch, just now
	if out := s.leader().OutOfSyncReplicas(); len(out) != 0 {
		t.Fatalf("out of sync after 3 reached the previous log end: %v", out)
	}
	s.advance(30*time.Second + time.Millisecond)
	if out := s.leader().OutOfSyncReplicas(); !slices.Equal(out, []int32{2, 3}) {
		t.Fatalf("out of sync 30.001 s after the log grew: %v, want [2 3]", out)
	}
	s.fetch(2) // at 5: only the log end of its previous fetch, long ago
	if out := s.leader().OutOfSyncReplicas(); !slices.Equal(out, []int32{2, 3}) {
		t.Fatalf("out of sync after 2 reached an old log end: %v, want [2 3]", out)
	}
	s.fetch(2) // at 6, the log end
	s.fetch(3)
	if out := s.leader().OutOfSyncReplicas(); len(out) != 0 {
		t.Fatalf("out of sync after both reached the log end: %v", out)
	}
	if out := s.r[2].OutOfSyncReplicas(); out != nil {
		t.Fatalf("a follower reported %v out of sync", out)
	}
}

// A follower that keeps fetching but never quite reaches the log end (the
// leader appends faster) stays in sync as long as each fetch reaches the
// leader's log end offset as of the previous one.
func TestSlowFollowerCaughtUpAtPreviousFetch(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a", "b")
	s.catchUp(2)
	start := s.clock.Now()
	s.produce("c")
	s.fetch(2) // at 2 of 3: copies c
	for i := range 3 {
		s.advance(20 * time.Second)
		s.produce("x")
		s.fetch(2) // always one batch behind
		if out := s.leader().OutOfSyncReplicas(); len(out) != 0 {
			t.Fatalf("round %d, %v after the start: out of sync %v", i, s.clock.Now().Sub(start), out)
		}
	}
	// The last fetch, 20 s after the one before, reached the log end as
	// of that one: the follower was last caught up 20 s ago.
	s.advance(10 * time.Second)
	if out := s.leader().OutOfSyncReplicas(); len(out) != 0 {
		t.Fatalf("out of sync exactly 30 s after it was last caught up: %v", out)
	}
	s.advance(time.Millisecond)
	if out := s.leader().OutOfSyncReplicas(); !slices.Equal(out, []int32{2}) {
		t.Fatalf("out of sync 30.001 s after it was last caught up: %v, want [2]", out)
	}
}

// acks=all: the produce waits until the high watermark passes its batch.
func TestReplicationStatusWaitsForISR(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinInsyncReplicas = 2
	s := newReplicaSet(t, cfg, 1, 2)
	res, err := s.leader().AppendAsLeader(s.batch("a"), -1)
	if err != nil {
		t.Fatal(err)
	}
	done, err := s.leader().ReplicationStatus(res.LastOffset + 1)
	if done || err != nil {
		t.Fatalf("status before the follower fetched: done %v err %v", done, err)
	}
	s.catchUp(2)
	done, err = s.leader().ReplicationStatus(res.LastOffset + 1)
	if !done || err != nil {
		t.Fatalf("status after the follower fetched: done %v err %v", done, err)
	}
}

// The ISR shrank below min.insync.replicas after the batch reached the
// high watermark but before the produce was answered: the batch is
// written, yet the producer is told NOT_ENOUGH_REPLICAS_AFTER_APPEND.
func TestReplicationStatusNotEnoughReplicasAfterAppend(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinInsyncReplicas = 2
	s := newReplicaSet(t, cfg, 1, 2, 3)
	res, err := s.leader().AppendAsLeader(s.batch("a"), -1)
	if err != nil {
		t.Fatal(err)
	}
	s.catchUp(2)
	s.catchUp(3)
	s.setISR(1)
	done, err := s.leader().ReplicationStatus(res.LastOffset + 1)
	if !done {
		t.Fatalf("not done with the high watermark past the batch")
	}
	wantErr(t, "ISR below min.insync.replicas", err, kerr.NotEnoughReplicasAfterAppend)
}

// Since Kafka 3.7 (KAFKA-15583) the high watermark does not advance while
// the ISR is smaller than min.insync.replicas: records written then
// (acks=1, or acks=all appended before the ISR shrank) are not visible to
// consumers, and acks=all producers keep waiting, until enough replicas
// are back in sync.
func TestHighWatermarkFrozenUnderMinISR(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinInsyncReplicas = 2
	s := newReplicaSet(t, cfg, 1, 2, 3)
	s.produce("a")
	s.catchUp(2)
	s.catchUp(3)
	s.wantOffsets(1, 1, 1)
	res, err := s.leader().AppendAsLeader(s.batch("b"), -1)
	if err != nil {
		t.Fatal(err)
	}
	// The followers stop fetching; they leave the ISR once they have not
	// been caught up for replica.lag.time.max.ms.
	s.advance(31 * time.Second)
	s.setISR(1)
	s.wantOffsets(1, 1, 2)
	s.produce("c") // acks=1 is still accepted
	s.wantOffsets(1, 1, 3)
	if done, err := s.leader().ReplicationStatus(res.LastOffset + 1); done || err != nil {
		t.Fatalf("acks=all status under min ISR: done %v err %v, want waiting", done, err)
	}
	s.catchUp(2)
	s.setISR(1, 2)
	s.wantOffsets(1, 3, 3)
	if done, err := s.leader().ReplicationStatus(res.LastOffset + 1); !done || err != nil {
		t.Fatalf("acks=all status with the ISR back: done %v err %v", done, err)
	}
}

func TestReplicationStatusAfterLosingLeadership(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	old := s.leader()
	res := s.produce("a")
	s.elect(2, 2)
	done, err := old.ReplicationStatus(res.LastOffset + 1)
	if !done {
		t.Fatalf("a deposed leader keeps the produce waiting")
	}
	wantErr(t, "deposed leader", err, kerr.NotLeaderForPartition)
}

// acks=all is refused before anything is written when the ISR is smaller
// than min.insync.replicas; acks=1 is not. min.insync.replicas larger than
// the replication factor counts as the replication factor, as Kafka's
// effectiveMinIsr does.
func TestAppendNotEnoughReplicas(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinInsyncReplicas = 2
	s := newReplicaSet(t, cfg, 1, 2, 3)
	s.setISR(1)
	_, err := s.leader().AppendAsLeader(s.batch("refused"), -1)
	wantErr(t, "acks=all with ISR [1] and min.insync.replicas=2", err, kerr.NotEnoughReplicas)
	s.wantOffsets(1, 0, 0)
	if _, err := s.leader().AppendAsLeader(s.batch("accepted"), 1); err != nil {
		t.Fatalf("acks=1 refused: %v", err)
	}
	s.wantOffsets(1, 0, 1)

	cfg.MinInsyncReplicas = 3
	s2 := newReplicaSet(t, cfg, 1, 2)
	res, err := s2.leader().AppendAsLeader(s2.batch("a"), -1)
	if err != nil {
		t.Fatalf("acks=all with min.insync.replicas=3 on 2 replicas, both in sync: %v", err)
	}
	s2.catchUp(2)
	if done, err := s2.leader().ReplicationStatus(res.LastOffset + 1); !done || err != nil {
		t.Fatalf("status: done %v err %v", done, err)
	}
}

// A follower's fetch is checked like a client's: the follower must know
// the leader's epoch, and must be a replica.
func TestFollowerFetchChecks(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a")
	for _, tc := range []struct {
		name string
		f    FollowerFetch
		want *kerr.Error
	}{
		{"no epoch given", FollowerFetch{ReplicaID: 2, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1, MaxBytes: 1 << 20}, nil},
		{"newer epoch", FollowerFetch{ReplicaID: 2, CurrentLeaderEpoch: 1, LastFetchedEpoch: -1, MaxBytes: 1 << 20}, kerr.UnknownLeaderEpoch},
		{"not a replica", FollowerFetch{ReplicaID: 7, CurrentLeaderEpoch: 0, LastFetchedEpoch: -1, MaxBytes: 1 << 20}, kerr.NotLeaderForPartition},
		{"beyond the log end", FollowerFetch{ReplicaID: 2, CurrentLeaderEpoch: 0, FetchOffset: 5, LastFetchedEpoch: -1, MaxBytes: 1 << 20}, kerr.OffsetOutOfRange},
	} {
		_, err := s.leader().FetchForFollower(tc.f)
		wantErr(t, tc.name, err, tc.want)
	}
	s.elect(1, 1, 2)
	_, err := s.leader().FetchForFollower(FollowerFetch{ReplicaID: 2, CurrentLeaderEpoch: 0, LastFetchedEpoch: -1, MaxBytes: 1 << 20})
	wantErr(t, "epoch 0 after epoch 1 began", err, kerr.FencedLeaderEpoch)
	_, err = s.r[2].FetchForFollower(FollowerFetch{ReplicaID: 1, CurrentLeaderEpoch: 1, LastFetchedEpoch: -1, MaxBytes: 1 << 20})
	wantErr(t, "fetching from a follower", err, kerr.NotLeaderForPartition)
}
