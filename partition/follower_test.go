package partition

import (
	"bytes"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// The follower's side of replication, against Kafka's
// AbstractFetcherThread (getOffsetTruncationState, handleOutOfRangeError)
// and UnifiedLog.truncateTo.

// A follower's log is the leader's, byte for byte: same offsets, same
// partition leader epochs, same batches.
func TestFollowerCopiesLeaderLogExactly(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a", "b")
	s.elect(1, 1, 2)
	s.produce("c")
	s.catchUp(2)
	leaderBytes, _ := s.r[1].log.Read(0, 1<<20, 100, true)
	followerBytes, _ := s.r[2].log.Read(0, 1<<20, 100, true)
	if !bytes.Equal(leaderBytes, followerBytes) {
		t.Fatalf("follower log differs from the leader's")
	}
	if got, want := fmtEntries(s.epochEntries(2)), fmtEntries(s.epochEntries(1)); got != want {
		t.Fatalf("follower epochs %s, leader's %s", got, want)
	}
	s.wantOffsets(2, 3, 3)
}

// Curriculum scenario 3 at the replica level: records the old leader
// appended (acks=1) but no follower copied are not in the new leader's
// log. When the old leader comes back as a follower, its first fetch
// learns where its log diverges (the end of the last epoch both have,
// KIP-320) and it truncates there, then copies the new leader's records.
func TestFollowerTruncatesDivergentSuffix(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2, 3)
	s.produce("a", "b", "c")
	s.catchUp(2)
	s.catchUp(3)
	s.produce("lost1")
	s.produce("lost2")
	s.elect(2, 2, 3)
	s.produce("x", "y")
	s.catchUp(3)

	res, err := s.fetch(1)
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Diverging; d == nil || d.Epoch != 0 || d.EndOffset != 3 {
		t.Fatalf("first fetch of the old leader: diverging %+v, want epoch 0 ending at 3", res.Diverging)
	}
	s.wantOffsets(1, 3, 3)
	s.catchUp(1)
	want := []string{"a@0", "b@0", "c@0", "x@1", "y@1"}
	for _, id := range []int32{1, 2, 3} {
		if got := s.values(id); !slices.Equal(got, want) {
			t.Errorf("broker %d log %v, want %v", id, got, want)
		}
	}
	if got := fmtEntries(s.epochEntries(1)); got != "[0@0 1@3]" {
		t.Errorf("old leader's epochs after truncation: %s", got)
	}
}

// produceEach appends each value as a batch of its own, so that the log
// can be truncated at any of them: logs are truncated by whole batches,
// as Kafka's LogSegment.truncateTo does.
func (s *replicaSet) produceEach(values ...string) {
	s.t.Helper()
	for _, v := range values {
		s.produce(v)
	}
}

// followerWithEpochs builds a follower whose log holds offsets 0-2 from
// epoch 0, 3-5 from epoch 2 and 6-7 from epoch 4, with a high watermark
// of 5, following a leader (broker 9) the test does not run.
func followerWithEpochs(t *testing.T) *replicaSet {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.produceEach("0", "1", "2")
	s.elect(1, 1) // epoch 1: nothing written
	s.elect(1, 1)
	s.produceEach("3", "4", "5")
	s.elect(1, 1)
	s.elect(1, 1)
	s.produceEach("6", "7")
	if got := fmtEntries(s.epochEntries(1)); got != "[0@0 2@3 4@6]" {
		t.Fatalf("setup epochs %s", got)
	}
	s.r[1].mu.Lock()
	s.r[1].highWatermark = 5
	s.r[1].mu.Unlock()
	s.st.Leader, s.st.LeaderEpoch = 9, 5
	s.publish()
	return s
}

// Where a follower truncates when the leader says its log diverged, case
// by case as AbstractFetcherThread.getOffsetTruncationState decides.
func TestTruncateOnDivergence(t *testing.T) {
	for _, tc := range []struct {
		name      string
		leader    EpochEndOffset
		wantEnd   int64
		wantEpoch string
	}{
		// The leader could not say where the epoch ended: fall back to
		// the follower's high watermark, as Kafka falls back to the
		// fetch's initial offset.
		{"leader end offset unknown", EpochEndOffset{-1, -1}, 5, "[0@0 2@3]"},
		{"leader epoch unknown", EpochEndOffset{-1, 4}, 4, "[0@0 2@3]"},
		{"same epoch, ended earlier on the leader", EpochEndOffset{2, 5}, 5, "[0@0 2@3]"},
		{"same epoch, ended earlier here", EpochEndOffset{2, 7}, 6, "[0@0 2@3]"},
		{"latest epoch, the leader has more", EpochEndOffset{4, 10}, 8, "[0@0 2@3 4@6]"},
		// An epoch the follower never saw: truncate to the end of its
		// largest epoch below it; the next fetch goes on from there.
		{"epoch unknown here", EpochEndOffset{3, 7}, 6, "[0@0 2@3]"},
		{"epoch unknown here, older", EpochEndOffset{1, 2}, 3, "[0@0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := followerWithEpochs(t)
			if err := s.r[1].TruncateOnDivergence(tc.leader); err != nil {
				t.Fatal(err)
			}
			_, hw, end := s.offsets(1)
			if end != tc.wantEnd || hw != min(5, tc.wantEnd) {
				t.Fatalf("leader said epoch %d ends at %d: log end %d high watermark %d, want %d and %d",
					tc.leader.Epoch, tc.leader.EndOffset, end, hw, tc.wantEnd, min(5, tc.wantEnd))
			}
			if got := fmtEntries(s.epochEntries(1)); got != tc.wantEpoch {
				t.Fatalf("epochs after truncation %s, want %s", got, tc.wantEpoch)
			}
			if got := len(s.values(1)); int64(got) != tc.wantEnd {
				t.Fatalf("%d records left, want %d", got, tc.wantEnd)
			}
		})
	}
	// A follower whose oldest epoch is newer than the one the leader
	// names holds none of that epoch's records.
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.elect(1, 1)
	s.elect(1, 1)
	s.produce("a", "b")
	s.st.Leader, s.st.LeaderEpoch = 9, 5
	s.publish()
	if err := s.r[1].TruncateOnDivergence(EpochEndOffset{1, 2}); err != nil {
		t.Fatal(err)
	}
	if _, _, end := s.offsets(1); end != 0 {
		t.Fatalf("log end %d after the leader's epoch 1 ended before the follower's first epoch 2", end)
	}
}

// A replica elected and replaced before it wrote anything keeps an epoch
// entry at its log end that no other replica has. As a follower its
// fetches name that epoch, the leader answers with the end of an older
// one, at the follower's own log end: nothing to remove from the log,
// but the stale entry must go (UnifiedLog.truncateTo always truncates the
// epoch cache), or every further fetch diverges in the same place.
func TestTruncationDropsEpochNeverWritten(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a", "b", "c", "d", "e")
	s.catchUp(2)
	s.elect(2, 1, 2) // 2 records epoch 1 at 5 and writes nothing
	s.catchUp(1)
	s.elect(1, 1, 2) // 1 records epoch 2 at 5; 2 never sees epoch 2 written
	rounds := s.catchUp(2)
	if got := fmtEntries(s.epochEntries(2)); got != "[0@0]" {
		t.Fatalf("broker 2's epochs after following again: %s, want [0@0]", got)
	}
	s.produce("f")
	s.catchUp(2)
	if got := fmtEntries(s.epochEntries(2)); got != "[0@0 2@5]" {
		t.Fatalf("broker 2's epochs after copying epoch 2: %s, want [0@0 2@5]", got)
	}
	t.Logf("follower caught up in %d fetch rounds", rounds)
}

// After an unclean election the new leader can be behind a follower: the
// follower's fetch offset is beyond the leader's log end, and it
// truncates to it (AbstractFetcherThread.handleOutOfRangeError).
func TestOffsetOutOfRangeFollowerAhead(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produceEach("a", "b", "c", "d", "e")
	s.catchUp(2)
	s.st.Leader, s.st.LeaderEpoch = 9, 1
	s.publish()
	if err := s.r[2].HandleOffsetOutOfRange(0, 3); err != nil {
		t.Fatal(err)
	}
	s.wantOffsets(2, 3, 3)
	if got := s.values(2); !slices.Equal(got, []string{"a@0", "b@0", "c@0"}) {
		t.Fatalf("log %v", got)
	}
	// In range: nothing to do.
	if err := s.r[2].HandleOffsetOutOfRange(0, 3); err != nil {
		t.Fatal(err)
	}
	s.wantOffsets(2, 3, 3)
}

// A follower behind the leader's log start offset (it was away while the
// leader deleted records) cannot copy what is gone: it empties its log and
// starts again at the leader's log start offset.
func TestOffsetOutOfRangeFollowerBehindLogStart(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.elect(1, 1)
	s.produce("a", "b")
	s.produce("c", "d")
	s.produce("e", "f")
	if _, err := s.leader().DeleteRecordsBefore(4); err != nil {
		t.Fatal(err)
	}
	_, err := s.fetch(2)
	wantErr(t, "fetch at 0 with the leader's log starting at 4", err, kerr.OffsetOutOfRange)
	start, hw, end := s.offsets(2)
	if start != 4 || hw != 4 || end != 4 {
		t.Fatalf("after repositioning: log start %d high watermark %d log end %d, want 4 4 4", start, hw, end)
	}
	s.catchUp(2)
	if got := s.values(2); !slices.Equal(got, []string{"e@1", "f@1"}) {
		t.Fatalf("follower log %v", got)
	}
	if got := fmtEntries(s.epochEntries(2)); got != "[1@4]" {
		t.Fatalf("follower epochs %s, want [1@4]", got)
	}
	if start, _, _ := s.offsets(2); start != 4 {
		t.Fatalf("follower log start %d, want 4", start)
	}
}

// A follower's own epoch check: batches fetched in an epoch the follower
// has since left are refused, so an old leader's late answer cannot be
// appended after a new leader took over.
func TestAppendAsFollowerInStaleEpochRefused(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a")
	pos := s.r[2].FetchPosition()
	res, err := s.leader().FetchForFollower(FollowerFetch{ReplicaID: 2, FetchOffset: pos.FetchOffset, LastFetchedEpoch: -1, CurrentLeaderEpoch: 0, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	s.elect(1, 1, 2)
	err = s.r[2].AppendAsFollower(res.Records, 0, res.HighWatermark, res.LogStartOffset)
	wantErr(t, "append of a fetch from epoch 0 in epoch 1", err, kerr.NotLeaderForPartition)
	s.wantOffsets(2, 0, 0)
	if err := s.r[1].AppendAsFollower(res.Records, 1, 1, 0); err == nil {
		t.Fatal("the leader appended as a follower")
	}
}

// Truncation rebuilds the producer state from what is left of the log, so
// a retried batch that was truncated away (and written again by the new
// leader at another offset) is recognised at its new offsets.
func TestTruncationRebuildsProducerState(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.mustAppendIdem(0, 0, 1)
	s.catchUp(2)
	s.mustAppendIdem(0, 1, 1) // acks=1: on broker 1 only, at offset 1
	s.elect(2, 2)
	s.produce("x")
	retried := s.mustAppendIdem(0, 1, 1) // the producer's retry lands at 2
	if retried.BaseOffset != 2 {
		t.Fatalf("retry on the new leader at %d, want 2", retried.BaseOffset)
	}
	s.catchUp(1)
	s.setISR(1, 2)
	s.elect(1, 1, 2)
	if res := s.mustAppendIdem(0, 1, 1); res.BaseOffset != 2 {
		t.Fatalf("second retry on the old leader answered with offset %d, want 2 (where the batch is now)", res.BaseOffset)
	}
	if res := s.mustAppendIdem(0, 2, 1); res.BaseOffset != 3 {
		t.Fatalf("next batch at %d, want 3", res.BaseOffset)
	}
}

// A deleted replica (its topic deleted, or moved off this broker by a
// reassignment) may still be asked for its fetch position by a fetcher
// that has not stopped yet; it says it is closed rather than reading a
// log that has no segments left.
func TestFetchPositionOfDeletedReplica(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("a")
	if err := s.r[2].Delete(); err != nil {
		t.Fatal(err)
	}
	if pos := s.r[2].FetchPosition(); !pos.Closed {
		t.Fatalf("position of a deleted replica %+v, want Closed", pos)
	}
}
