package partition

import (
	"fmt"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The follower's side of replication, after Kafka's ReplicaFetcherThread:
// the follower fetches from its log end offset, telling the leader the
// epoch of its last batch; it appends what it gets exactly as the leader
// has it (same offsets, same partition leader epochs, same bytes), takes
// the leader's high watermark (capped at its own log end offset), and
// truncates when the leader says its log has diverged: records written
// under an old leader that the new leader never had are removed. That
// truncation is how a record acknowledged with acks=1 is lost after a
// failover.

// FetchPosition is where a follower fetches from.
type FetchPosition struct {
	FetchOffset      int64
	LastFetchedEpoch int32
	LogStartOffset   int64
	LeaderEpoch      int32 // the epoch the follower believes is current
	// Closed says the replica was closed or deleted (its topic deleted,
	// or a reassignment moved it off this broker) before its fetcher
	// stopped: there is nothing left to fetch into.
	Closed bool
}

// FetchPosition returns the follower's next fetch position.
func (p *Partition) FetchPosition() FetchPosition {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return FetchPosition{Closed: true, LeaderEpoch: -1}
	}
	return FetchPosition{
		FetchOffset:      p.log.LogEndOffset(),
		LastFetchedEpoch: p.epochs.latest(),
		LogStartOffset:   p.log.LogStartOffset(),
		LeaderEpoch:      p.leaderEpoch,
	}
}

// AppendAsFollower appends batches copied from the leader and adopts the
// leader's high watermark and log start offset. leaderEpoch is the epoch
// the fetch was made in; a follower that has since moved on ignores it.
func (p *Partition) AppendAsFollower(records []byte, leaderEpoch int32, leaderHW, leaderLogStart int64) error {
	batches, _, err := record.SplitBatches(records)
	if err != nil {
		return kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	p.mu.Lock()
	if p.closed || p.leader == p.brokerID || p.leaderEpoch != leaderEpoch {
		p.mu.Unlock()
		return kafkaerr.New(kerr.NotLeaderForPartition, "replica of %s-%d is no longer following in epoch %d", p.topic, p.index, leaderEpoch)
	}
	now := clock.Millis(p.clock.Now())
	before := [3]int64{p.log.LogEndOffset(), p.highWatermark, p.log.LogStartOffset()}
	for _, b := range batches {
		h, err := record.Check(b)
		if err != nil {
			p.mu.Unlock()
			return kafkaerr.New(kerr.CorruptMessage, "batch from the leader: %v", err)
		}
		if h.BaseOffset < p.log.LogEndOffset() {
			continue
		}
		// The batch is the leader's bytes, lent read-only by its log
		// (or a fresh copy of them): in memory this replica keeps them
		// as they are.
		if err := p.log.AppendShared(b, h, now); err != nil {
			p.mu.Unlock()
			return kafkaerr.New(kerr.KafkaStorageError, "%v", err)
		}
		if h.PartitionLeaderEpoch >= 0 && h.PartitionLeaderEpoch > p.epochs.latest() {
			if err := p.epochs.assign(h.PartitionLeaderEpoch, h.BaseOffset); err != nil {
				p.logger.Error("writing leader-epoch-checkpoint", "error", err)
			}
		}
		aborted := len(p.producers.txns.aborted)
		p.producers.update(b, h)
		p.indexAbortedSince(aborted)
	}
	if err := p.advanceLogStart(min(leaderLogStart, p.log.LogEndOffset()), "the leader's log start offset"); err != nil {
		p.logger.Warn("advancing log start offset", "error", err)
	}
	p.highWatermark = max(min(leaderHW, p.log.LogEndOffset()), p.log.LogStartOffset())
	p.producers.txns.onHighWatermark(p.highWatermark)
	changed := before != [3]int64{p.log.LogEndOffset(), p.highWatermark, p.log.LogStartOffset()}
	p.mu.Unlock()
	if changed {
		p.watchers.wake()
	}
	return nil
}

// TruncateOnDivergence cuts the log where it diverges from the leader's,
// following AbstractFetcherThread.getOffsetTruncationState: the leader
// said its epoch d.Epoch ends at d.EndOffset.
func (p *Partition) TruncateOnDivergence(d EpochEndOffset) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	logEnd := p.log.LogEndOffset()
	var to int64
	switch {
	case d.EndOffset < 0:
		to = p.highWatermark
	case d.Epoch < 0:
		to = min(d.EndOffset, logEnd)
	default:
		myEpoch, myEnd := p.epochs.endOffsetFor(d.Epoch, logEnd)
		switch {
		case myEpoch < 0:
			to = min(d.EndOffset, logEnd)
		case myEpoch != d.Epoch:
			to = min(myEnd, logEnd)
		default:
			to = min(d.EndOffset, myEnd)
		}
	}
	return p.truncateTo(to, "diverged from the leader")
}

// HandleOffsetOutOfRange repositions a follower whose fetch offset the
// leader does not have, as AbstractFetcherThread does: a follower ahead of
// the leader (after an unclean election) truncates to the leader's end; a
// follower behind the leader's log start starts over there.
func (p *Partition) HandleOffsetOutOfRange(leaderLogStart, leaderLogEnd int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	logEnd := p.log.LogEndOffset()
	if leaderLogEnd < logEnd {
		return p.truncateTo(leaderLogEnd, "ahead of the leader")
	}
	if leaderLogStart > logEnd {
		p.logger.Info("log truncated fully", "reason", "behind the leader's log start offset", "leader_log_start_offset", leaderLogStart)
		if err := p.log.TruncateFullyAndStartAt(leaderLogStart, clock.Millis(p.clock.Now())); err != nil {
			return err
		}
		p.epochs.entries = nil
		if err := p.epochs.save(); err != nil {
			return err
		}
		// ProducerStateManager.truncateFullyAndStartAt: every
		// snapshot goes with the segments.
		if offs, err := p.log.ProducerSnapshots(); err == nil {
			for _, off := range offs {
				if err := p.log.DeleteProducerSnapshot(off); err != nil {
					p.logger.Warn("deleting a producer snapshot", "offset", off, "error", err)
				}
			}
		}
		p.producers = newProducerState()
		p.producers.snapOffset = leaderLogStart
		p.rewriteTxnIndexes()
		p.highWatermark = leaderLogStart
	}
	return nil
}

// truncateTo removes records at and above offset. Callers hold p.mu.
func (p *Partition) truncateTo(offset int64, reason string) error {
	before := p.log.LogEndOffset()
	if offset >= before {
		// Nothing to remove from the log, but the epoch cache may end
		// with an entry at the log end that no batch carries: this
		// replica led in that epoch and was replaced before writing. It
		// must go, or the next fetch names that epoch again and diverges
		// at the same place forever (UnifiedLog.truncateTo does the same).
		return p.epochs.truncateFromEnd(before)
	}
	if err := p.log.TruncateTo(offset); err != nil {
		return fmt.Errorf("truncating %s-%d to %d: %w", p.topic, p.index, offset, err)
	}
	if err := p.epochs.truncateFromEnd(offset); err != nil {
		return err
	}
	if err := p.reloadProducerState(); err != nil {
		return err
	}
	p.rewriteTxnIndexes()
	p.highWatermark = min(p.highWatermark, p.log.LogEndOffset())
	p.producers.txns.onHighWatermark(p.highWatermark)
	p.logger.Info("log truncated", "reason", reason, "from_log_end_offset", before, "to", p.log.LogEndOffset(), "records_removed", before-p.log.LogEndOffset())
	return nil
}
