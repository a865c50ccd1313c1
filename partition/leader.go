package partition

import (
	"slices"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The leader's side of replication, after Kafka's Partition and Replica:
// followers fetch from their log end offset; each fetch tells the leader
// how far that follower has got. From that the leader derives
//
//   - the high watermark: the smallest log end offset among the in-sync
//     replicas (and among followers that are about to join them), the
//     end of what consumers may read and of what acks=all waits for;
//   - who is in sync: a follower is caught up if it is at the leader's
//     log end offset, or was within the last replica.lag.time.max.ms. A
//     follower that falls behind longer leaves the ISR; one that reaches
//     the high watermark joins it again. The leader asks the controller
//     for these changes (AlterPartition); they take effect when the
//     controller publishes them.

// followerProgress is the leader's record of one follower (Kafka's
// ReplicaState).
type followerProgress struct {
	logEndOffset   int64 // -1 until the follower's first fetch in this term
	logStartOffset int64
	lastFetchMs    int64
	// lastFetchLeaderLogEnd is the leader's log end offset at the
	// follower's previous fetch: reaching it counts as having been caught
	// up at that fetch's time.
	lastFetchLeaderLogEnd int64
	lastCaughtUpMs        int64
}

// isCaughtUp follows Kafka's ReplicaState.isCaughtUp.
func (f *followerProgress) isCaughtUp(leaderLogEnd, nowMs, maxLagMs int64) bool {
	return f.logEndOffset == leaderLogEnd || nowMs-f.lastCaughtUpMs <= maxLagMs
}

// FollowerFetch is a follower's fetch request for this partition.
type FollowerFetch struct {
	ReplicaID          int32
	FetchOffset        int64 // the follower's log end offset
	LastFetchedEpoch   int32 // epoch of the follower's last batch, -1 if none
	CurrentLeaderEpoch int32
	LogStartOffset     int64
	MaxBytes           int
}

// FollowerFetchResult is the leader's answer.
type FollowerFetchResult struct {
	Records        []byte
	HighWatermark  int64
	LogStartOffset int64
	LogEndOffset   int64
	// Diverging, when set, says the follower's log has records the
	// leader's does not (from an older leader): the follower must
	// truncate (KIP-320, fetch-based truncation).
	Diverging *EpochEndOffset
	// JoinISR is set when the follower has caught up and should be added
	// to the ISR.
	JoinISR bool
}

// EpochEndOffset is where a leader epoch ended in a log.
type EpochEndOffset struct {
	Epoch     int32
	EndOffset int64
}

// FetchForFollower serves a follower's fetch and records its progress.
func (p *Partition) FetchForFollower(f FollowerFetch) (FollowerFetchResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	res := FollowerFetchResult{HighWatermark: -1, LogStartOffset: -1, LogEndOffset: -1}
	if err := p.checkLeader(f.CurrentLeaderEpoch); err != nil {
		return res, err
	}
	prog := p.followers[f.ReplicaID]
	if prog == nil {
		return res, kafkaerr.New(kerr.NotLeaderForPartition, "broker %d is not a replica of %s-%d", f.ReplicaID, p.topic, p.index)
	}
	logEnd := p.log.LogEndOffset()
	res.HighWatermark, res.LogStartOffset, res.LogEndOffset = p.highWatermark, p.log.LogStartOffset(), logEnd
	if f.LastFetchedEpoch >= 0 {
		epoch, end := p.epochs.endOffsetFor(f.LastFetchedEpoch, logEnd)
		if epoch < f.LastFetchedEpoch || end < f.FetchOffset {
			res.Diverging = &EpochEndOffset{Epoch: epoch, EndOffset: end}
			return res, nil
		}
	}
	if f.FetchOffset < p.log.LogStartOffset() || f.FetchOffset > logEnd {
		return res, kafkaerr.New(kerr.OffsetOutOfRange, "follower fetch offset %d is outside [%d, %d]", f.FetchOffset, p.log.LogStartOffset(), logEnd)
	}
	now := clock.Millis(p.clock.Now())
	switch {
	case f.FetchOffset >= logEnd:
		prog.lastCaughtUpMs = max(prog.lastCaughtUpMs, now)
	case f.FetchOffset >= prog.lastFetchLeaderLogEnd:
		prog.lastCaughtUpMs = max(prog.lastCaughtUpMs, prog.lastFetchMs)
	}
	moved := prog.logEndOffset != f.FetchOffset
	prog.logEndOffset, prog.logStartOffset = f.FetchOffset, f.LogStartOffset
	prog.lastFetchLeaderLogEnd = max(prog.lastFetchLeaderLogEnd, logEnd)
	prog.lastFetchMs = now
	if p.maybeIncrementHighWatermark() {
		res.HighWatermark = p.highWatermark
		moved = true
	}
	if moved {
		// Watchers re-check: the high watermark or a follower's known
		// position moved (Cluster.WaitForReplication waits for both).
		defer p.watchers.wake()
	}
	res.JoinISR = p.shouldJoinISR(f.ReplicaID, prog)
	// The follower keeps what it is lent (Log.AppendShared) and fetches
	// again at once for the rest, so the read stops where lending would
	// take a copy.
	b, err := p.log.ReadLent(f.FetchOffset, f.MaxBytes, logEnd)
	if err != nil {
		return res, kafkaerr.New(kerr.KafkaStorageError, "%v", err)
	}
	res.Records = b
	return res, nil
}

// markIdleFollowersCaughtUp records that followers sitting at the log end
// offset are caught up as of now, just before the log grows. A Kafka
// follower with nothing to copy keeps a fetch parked at the leader's log
// end (for replica.fetch.wait.max.ms at a time), which refreshes its
// caught-up time continuously; gregor's idle followers fetch only when
// woken, so the leader accounts for the wait they would have done.
// Callers hold p.mu.
func (p *Partition) markIdleFollowersCaughtUp(nowMs int64) {
	logEnd := p.log.LogEndOffset()
	for _, f := range p.followers {
		if f.logEndOffset == logEnd {
			f.lastCaughtUpMs = max(f.lastCaughtUpMs, nowMs)
		}
	}
}

// shouldJoinISR follows Kafka's Partition.isFollowerInSync for expansion:
// the follower has reached the high watermark and the start of the
// current leader epoch.
func (p *Partition) shouldJoinISR(id int32, prog *followerProgress) bool {
	if slices.Contains(p.state.ISR, id) || !p.eligible(id) {
		return false
	}
	epochStart := p.log.LogEndOffset()
	if n := len(p.epochs.entries); n > 0 && p.epochs.entries[n-1].Epoch == p.leaderEpoch {
		epochStart = p.epochs.entries[n-1].StartOffset
	}
	return prog.logEndOffset >= p.highWatermark && prog.logEndOffset >= epochStart
}

// maybeIncrementHighWatermark moves the high watermark up to the smallest
// log end offset among the in-sync replicas and the caught-up followers
// about to join them. It never moves it down, and not at all while the
// ISR is smaller than min.insync.replicas (KAFKA-15583, Kafka 3.7+): what
// the leader writes then is not visible until enough replicas have it.
// It reports whether it moved. Callers hold p.mu.
func (p *Partition) maybeIncrementHighWatermark() bool {
	if p.leader != p.brokerID || len(p.state.ISR) < p.effectiveMinISR() {
		return false
	}
	logEnd := p.log.LogEndOffset()
	now := clock.Millis(p.clock.Now())
	hw := logEnd
	for id, f := range p.followers {
		inISR := slices.Contains(p.state.ISR, id)
		joining := !inISR && f.logEndOffset >= 0 && f.isCaughtUp(logEnd, now, p.cfg.ReplicaLagTimeMaxMs) && p.eligible(id)
		if (inISR || joining) && f.logEndOffset < hw {
			hw = f.logEndOffset
		}
	}
	if hw <= p.highWatermark {
		return false
	}
	p.highWatermark = hw
	p.producers.txns.onHighWatermark(hw)
	return true
}

// OutOfSyncReplicas returns the ISR members that have not caught up with
// the leader for longer than replica.lag.time.max.ms: the ISR the leader
// should propose to the controller is the ISR without them. Empty on a
// follower.
func (p *Partition) OutOfSyncReplicas() []int32 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.leader != p.brokerID || p.closed {
		return nil
	}
	logEnd := p.log.LogEndOffset()
	now := clock.Millis(p.clock.Now())
	var out []int32
	for _, id := range p.state.ISR {
		if f := p.followers[id]; f != nil && !f.isCaughtUp(logEnd, now, p.cfg.ReplicaLagTimeMaxMs) {
			out = append(out, id)
		}
	}
	return out
}

// FollowerLogEndOffsets returns the leader's view of each follower's log
// end offset (-1: not fetched yet in this term).
func (p *Partition) FollowerLogEndOffsets() map[int32]int64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(map[int32]int64, len(p.followers))
	for id, f := range p.followers {
		out[id] = f.logEndOffset
	}
	return out
}

// ReplicationStatus answers an acks=all produce waiting for requiredOffset
// (the offset after its batch), following Kafka's
// Partition.checkEnoughReplicasReachOffset: done once the high watermark
// has passed it, with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank
// below min.insync.replicas meanwhile; NOT_LEADER_OR_FOLLOWER if this
// replica lost leadership.
func (p *Partition) ReplicationStatus(requiredOffset int64) (done bool, err error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.leader != p.brokerID || p.closed {
		return true, kafkaerr.New(kerr.NotLeaderForPartition, "broker %d is no longer the leader of %s-%d", p.brokerID, p.topic, p.index)
	}
	if p.highWatermark < requiredOffset {
		return false, nil
	}
	if minISR := p.effectiveMinISR(); len(p.state.ISR) < minISR {
		return true, kafkaerr.New(kerr.NotEnoughReplicasAfterAppend, "the ISR of %s-%d has %d replicas, fewer than min.insync.replicas=%d", p.topic, p.index, len(p.state.ISR), minISR)
	}
	return true, nil
}

// EffectiveMinISR is min.insync.replicas, capped at the replication
// factor as Kafka's Partition.effectiveMinIsr does: a topic whose
// min.insync.replicas exceeds its replica count is not unwritable. Every
// acks=all writer (producers and the group coordinator) and the
// under-min-ISR metric apply this one rule.
func EffectiveMinISR(minInsyncReplicas, replicas int) int {
	return max(min(minInsyncReplicas, replicas), 1)
}

// effectiveMinISR is EffectiveMinISR for this partition. Callers hold p.mu.
func (p *Partition) effectiveMinISR() int {
	return EffectiveMinISR(p.cfg.MinInsyncReplicas, len(p.state.Replicas))
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: the largest epoch at or
// below epoch in this replica's log and the offset where it ended.
func (p *Partition) EndOffsetForEpoch(epoch, currentLeaderEpoch int32, leaderOnly bool) (EpochEndOffset, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if leaderOnly {
		if err := p.checkLeader(currentLeaderEpoch); err != nil {
			return EpochEndOffset{-1, -1}, err
		}
	}
	e, end := p.epochs.endOffsetFor(epoch, p.log.LogEndOffset())
	return EpochEndOffset{Epoch: e, EndOffset: end}, nil
}
