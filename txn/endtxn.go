package txn

// EndTxn and the markers (Kafka's TransactionCoordinator.handleEndTransaction
// and TransactionMarkerChannelManager); this is transaction version 1,
// endtxn_v2.go is version 2.
//
// Committing or aborting is two writes to __transaction_state with the
// markers between them: PrepareCommit (or PrepareAbort) is the decision,
// and once it is replicated the producer is answered, because from then
// on the outcome cannot change: a new coordinator reloading the partition
// finds the decision and finishes it. The markers go to the leader of
// every partition of the transaction (a group's __consumer_offsets
// partition included); those whose leader cannot take them now are sent
// again after a backoff, until all are written. Then CompleteCommit (or
// CompleteAbort) closes the transaction.

import (
	"context"
	"fmt"
	"math"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// EndTxn commits (commit true) or aborts the producer's transaction.
func (c *Coordinator) EndTxn(ctx context.Context, transactionalID string, producerID int64, epoch int16, commit bool) error {
	if transactionalID == "" {
		return kafkaerr.New(kerr.InvalidRequest, "the transactional id is empty")
	}
	s, err := c.lockShard(transactionalID)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	cur := s.txns[transactionalID]
	if err := checkProducer(cur, transactionalID, producerID, epoch); err != nil {
		return err
	}
	if cur.pending {
		return kafkaerr.New(kerr.ConcurrentTransactions, "transactional id %q has a state change in progress", transactionalID)
	}
	verb := map[bool]string{true: "commit", false: "abort"}[commit]
	invalid := func() error {
		return kafkaerr.New(kerr.InvalidTxnState, "cannot %s: the transaction of %q is %s", verb, transactionalID, cur.state)
	}
	switch cur.state {
	case Ongoing:
	case CompleteCommit:
		if commit {
			return nil // a retry of a commit that completed
		}
		return invalid()
	case CompleteAbort:
		if !commit {
			return nil
		}
		return invalid()
	case PrepareCommit:
		if commit {
			return kafkaerr.New(kerr.ConcurrentTransactions, "the commit of %q is being completed", transactionalID)
		}
		return invalid()
	case PrepareAbort:
		if !commit {
			return kafkaerr.New(kerr.ConcurrentTransactions, "the abort of %q is being completed", transactionalID)
		}
		return invalid()
	default:
		return invalid()
	}
	next := cur.clone()
	next.state, next.lastUpdate = PrepareAbort, s.nowMs()
	if commit {
		next.state = PrepareCommit
	}
	cur.pending = true
	if err := s.commit(ctx, transactionalID, cur, next); err != nil {
		return err
	}
	s.emit(EventPrepare, next, next.sortedPartitions(), "EndTxn("+verb+")")
	next.pending = true
	s.sendMarkers(next)
	return nil
}

// fenceAndAbort bumps the epoch of an open transaction and aborts it
// with the new epoch, so that its producer, still at the old one, is
// fenced (Kafka's prepareFenceProducerEpoch, then an abort not from the
// client). The lock is held; the abort completes in the background.
func (s *shard) fenceAndAbort(cur *metadata, reason string) error {
	next := cur.clone()
	if !epochExhausted(cur.producerEpoch) {
		next.producerEpoch = cur.producerEpoch + 1
	}
	next.state, next.lastUpdate = PrepareAbort, s.nowMs()
	cur.pending = true
	s.commitAsync(cur.id, cur, next, func(err error) {
		if err != nil {
			s.c.logger.Warn("aborting a transaction failed", "transactional_id", cur.id, "error", err)
			return
		}
		s.emit(EventPrepare, next, next.sortedPartitions(), reason)
		next.pending = true
		s.sendMarkers(next)
	})
	return nil
}

// sendMarkers writes m's markers in the background and completes the
// transaction once every partition has its marker. m is pending (no
// other change can start); the lock is held.
func (s *shard) sendMarkers(m *metadata) {
	mk := Markers{TransactionalID: m.id, ProducerID: m.producerID, ProducerEpoch: m.producerEpoch,
		Commit: m.state == PrepareCommit, CoordinatorEpoch: s.epoch, Partitions: m.sortedPartitions(),
		TransactionVersion: int8(m.clientTxVersion)}
	go s.markerRound(m, mk)
}

func (s *shard) markerRound(m *metadata, mk Markers) {
	failed := mk.Partitions
	if len(failed) > 0 {
		failed = s.c.writeMarkers(s.ctx, mk)
	}
	if s.ctx.Err() != nil {
		return
	}
	if len(failed) > 0 {
		s.c.logger.Debug("transaction markers not written yet; retrying", "transactional_id", m.id, "partitions", failed)
		retry := mk
		retry.Partitions = failed
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.state != shardLoaded {
			return
		}
		s.timers["markers/"+m.id] = s.c.clock.AfterFunc(s.c.cfg.MarkerRetryBackoff, func() { s.markerRound(m, retry) })
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != shardLoaded || s.txns[m.id] != m {
		return
	}
	delete(s.timers, "markers/"+m.id)
	next := m.clone()
	next.state, next.lastUpdate = CompleteAbort, s.nowMs()
	if m.clientTxVersion >= 2 && m.nextProducerID >= 0 {
		// Transaction version 2 bumped the epoch to its last value for
		// the markers; the producer continues with the new producer id
		// the EndTxn answered, at epoch 0.
		next.prevProducerID, next.producerID, next.producerEpoch = m.producerID, m.nextProducerID, 0
		next.lastEpoch, next.nextProducerID = math.MaxInt16-1, -1
	}
	typ := EventAbort
	if mk.Commit {
		next.state, typ = CompleteCommit, EventCommit
	}
	parts := m.sortedPartitions()
	next.partitions = map[TopicPartition]struct{}{}
	s.commitAsync(m.id, m, next, func(err error) {
		if err != nil {
			s.c.logger.Warn("completing a transaction failed", "transactional_id", m.id, "error", err)
			return
		}
		s.emit(typ, next, parts, fmt.Sprintf("markers written to %d partitions", len(parts)))
	})
}
