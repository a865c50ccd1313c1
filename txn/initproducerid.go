package txn

// InitProducerId for a transactional id (Kafka's
// TransactionCoordinator.handleInitProducerId, transaction version 1).

import (
	"context"
	"math"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// ProducerIDAndEpoch is what InitProducerId answers.
type ProducerIDAndEpoch struct {
	ProducerID int64
	Epoch      int16
}

// epochExhausted is Kafka's TransactionMetadata.isEpochExhausted: the
// last epoch is kept free so that a timeout can still fence.
func epochExhausted(e int16) bool { return e >= math.MaxInt16-1 }

// InitProducerID gives the producer of transactionalID its producer id
// and a bumped epoch. expected is the producer's current id and epoch
// (KIP-360) or ProducerID -1. An open transaction is aborted first and
// the producer told CONCURRENT_TRANSACTIONS to retry.
func (c *Coordinator) InitProducerID(ctx context.Context, transactionalID string, timeout time.Duration, expected ProducerIDAndEpoch) (ProducerIDAndEpoch, error) {
	none := ProducerIDAndEpoch{-1, -1}
	if transactionalID == "" {
		return none, kafkaerr.New(kerr.InvalidRequest, "the transactional id is empty")
	}
	if timeout <= 0 || timeout > c.cfg.MaxTimeout {
		return none, kafkaerr.New(kerr.InvalidTransactionTimeout, "transaction.timeout.ms %d is not in (0, transaction.max.timeout.ms %d]",
			timeout.Milliseconds(), c.cfg.MaxTimeout.Milliseconds())
	}
	s, err := c.lockShard(transactionalID)
	if err != nil {
		return none, err
	}
	defer s.mu.Unlock()
	cur := s.txns[transactionalID]
	if cur == nil {
		// The id's first producer: an id of its own, epoch 0.
		pid, err := s.newPIDUnlocked()
		if err != nil {
			return none, err
		}
		if s.state != shardLoaded {
			return none, errNotCoordinator
		}
		if s.txns[transactionalID] != nil {
			return none, kafkaerr.New(kerr.ConcurrentTransactions, "transactional id %q is being initialised by another request", transactionalID)
		}
		next := newMetadata(transactionalID, pid, 0, timeout, s.nowMs())
		// A placeholder makes concurrent InitProducerIds wait.
		placeholder := next.clone()
		placeholder.pending = true
		s.txns[transactionalID] = placeholder
		if err := s.commit(ctx, transactionalID, placeholder, next); err != nil {
			if s.txns[transactionalID] == placeholder {
				delete(s.txns, transactionalID)
			}
			return none, err
		}
		s.emit(EventFenced, next, nil, "first producer of the transactional id")
		return ProducerIDAndEpoch{next.producerID, next.producerEpoch}, nil
	}
	if cur.pending {
		return none, kafkaerr.New(kerr.ConcurrentTransactions, "transactional id %q has a state change in progress", transactionalID)
	}
	if expected.ProducerID >= 0 && !(cur.producerEpoch < 0 || expected.ProducerID == cur.producerID ||
		(expected.ProducerID == cur.prevProducerID && epochExhausted(expected.Epoch))) {
		return none, kafkaerr.New(kerr.ProducerFenced, "producer id %d is not the current producer id %d of %q", expected.ProducerID, cur.producerID, transactionalID)
	}
	switch cur.state {
	case PrepareCommit, PrepareAbort, PrepareEpochFence:
		return none, kafkaerr.New(kerr.ConcurrentTransactions, "the last transaction of %q is completing (%s)", transactionalID, cur.state)
	case Ongoing:
		// Kafka fences the epoch and aborts; the producer retries and gets
		// its new epoch once the abort is complete.
		if err := s.fenceAndAbort(cur, "a new producer initialised the transactional id"); err != nil {
			return none, err
		}
		return none, kafkaerr.New(kerr.ConcurrentTransactions, "aborting the open transaction of %q first", transactionalID)
	}
	next := cur.clone()
	next.timeout, next.partitions, next.startTime, next.lastUpdate = timeout, map[TopicPartition]struct{}{}, -1, s.nowMs()
	next.state = Empty
	reason := "epoch bumped by InitProducerId"
	switch {
	case epochExhausted(cur.producerEpoch) && (expected.ProducerID < 0 || expected.Epoch == cur.producerEpoch):
		pid, err := s.newPIDUnlocked()
		if err != nil {
			return none, err
		}
		if s.state != shardLoaded || s.txns[transactionalID] != cur || cur.pending {
			return none, kafkaerr.New(kerr.ConcurrentTransactions, "transactional id %q changed meanwhile", transactionalID)
		}
		next.prevProducerID, next.producerID, next.producerEpoch, next.lastEpoch = cur.producerID, pid, 0, cur.producerEpoch
		reason = "the epoch was exhausted: a new producer id"
	case expected.ProducerID < 0 || cur.producerEpoch < 0 || expected.Epoch == cur.producerEpoch:
		next.producerEpoch, next.lastEpoch = cur.producerEpoch+1, cur.producerEpoch
	case expected.Epoch == cur.lastEpoch:
		// A retry whose answer was lost: the epoch it already got.
		return ProducerIDAndEpoch{cur.producerID, cur.producerEpoch}, nil
	default:
		return none, kafkaerr.New(kerr.ProducerFenced, "epoch %d of producer %d is neither the current %d nor the last %d", expected.Epoch, expected.ProducerID, cur.producerEpoch, cur.lastEpoch)
	}
	cur.pending = true
	if err := s.commit(ctx, transactionalID, cur, next); err != nil {
		return none, err
	}
	s.emit(EventFenced, next, nil, reason)
	return ProducerIDAndEpoch{next.producerID, next.producerEpoch}, nil
}
