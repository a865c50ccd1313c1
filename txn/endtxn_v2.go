package txn

// EndTxn under transaction version 2 (KIP-890 part 2; Kafka's
// TransactionCoordinator.endTransaction with a TV_2 client, EndTxn v5+).
//
// Every EndTxn bumps the producer epoch: PrepareCommit or PrepareAbort is
// written with epoch+1, the markers carry that epoch, and the answer
// gives the producer the epoch to continue with. The bump is what makes
// a late write of the finished transaction harmless: its batches carry
// the old epoch, which the partitions now refuse, so it cannot slip into
// the next transaction. When the epoch would reach its maximum, the
// coordinator also allocates a new producer id (NextProducerId in the
// log), and the producer continues with it at epoch 0.
//
// Because the epoch moves, a retry is told apart by its epoch: a request
// one epoch behind the coordinator's, after a decision of the same kind,
// is the retry of that decision (answered at once, with the current id
// and epoch), and a request at the current epoch after a completed
// transaction is a new EndTxn: an abort of nothing bumps the epoch again,
// a commit of nothing is INVALID_TXN_STATE. Any other epoch is
// PRODUCER_FENCED.

import (
	"context"
	"math"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// EndTxnV2 commits (commit true) or aborts the producer's transaction
// under transaction version 2 and returns the producer id and epoch the
// producer continues with.
func (c *Coordinator) EndTxnV2(ctx context.Context, transactionalID string, producerID int64, epoch int16, commit bool) (ProducerIDAndEpoch, error) {
	none := ProducerIDAndEpoch{-1, -1}
	if transactionalID == "" {
		return none, kafkaerr.New(kerr.InvalidRequest, "the transactional id is empty")
	}
	s, err := c.lockShard(transactionalID)
	if err != nil {
		return none, err
	}
	defer s.mu.Unlock()
	cur := s.txns[transactionalID]
	if cur == nil {
		return none, kafkaerr.New(kerr.InvalidProducerIDMapping, "transactional id %q has no producer id: InitProducerId first", transactionalID)
	}
	current := ProducerIDAndEpoch{cur.producerID, cur.producerEpoch}
	if cur.pending {
		return current, kafkaerr.New(kerr.ConcurrentTransactions, "transactional id %q has a state change in progress", transactionalID)
	}
	// A retry of an EndTxn that moved to a new producer id comes with the
	// old id at the last epoch before the maximum.
	retryOnOverflow := cur.prevProducerID == producerID && epoch == math.MaxInt16-1 && cur.producerEpoch == 0
	retryOnBump := cur.producerEpoch == epoch+1
	if cur.producerID != producerID && !retryOnOverflow {
		return current, kafkaerr.New(kerr.InvalidProducerIDMapping, "producer id %d is not the producer id %d of %q", producerID, cur.producerID, transactionalID)
	}
	var validEpoch bool
	switch cur.state {
	case PrepareCommit, PrepareAbort:
		validEpoch = retryOnBump
	case CompleteCommit, CompleteAbort:
		validEpoch = retryOnBump || retryOnOverflow || epoch == cur.producerEpoch
	default:
		validEpoch = epoch == cur.producerEpoch
	}
	if !validEpoch {
		return current, kafkaerr.New(kerr.ProducerFenced, "epoch %d of producer %d is not the current epoch %d of %q", epoch, producerID, cur.producerEpoch, transactionalID)
	}
	isRetry := retryOnBump || retryOnOverflow
	verb := map[bool]string{true: "commit", false: "abort"}[commit]
	invalid := func() (ProducerIDAndEpoch, error) {
		return current, kafkaerr.New(kerr.InvalidTxnState, "cannot %s: the transaction of %q is %s", verb, transactionalID, cur.state)
	}
	switch cur.state {
	case Ongoing:
	case CompleteCommit:
		if commit && isRetry {
			return current, nil
		}
		if commit || isRetry {
			return invalid()
		}
	case CompleteAbort:
		if !commit && isRetry {
			return current, nil
		}
		if commit {
			return invalid()
		}
	case Empty:
		if commit {
			return invalid()
		}
	case PrepareCommit:
		if commit {
			return current, kafkaerr.New(kerr.ConcurrentTransactions, "the commit of %q is being completed", transactionalID)
		}
		return invalid()
	case PrepareAbort:
		if !commit {
			return current, kafkaerr.New(kerr.ConcurrentTransactions, "the abort of %q is being completed", transactionalID)
		}
		return invalid()
	default:
		return invalid()
	}
	nextPID := int64(-1)
	if epochExhausted(cur.producerEpoch) {
		pid, err := s.newPIDUnlocked()
		if err != nil {
			return current, err
		}
		if s.state != shardLoaded {
			return none, errNotCoordinator
		}
		if s.txns[transactionalID] != cur || cur.pending {
			return current, kafkaerr.New(kerr.ConcurrentTransactions, "transactional id %q changed meanwhile", transactionalID)
		}
		nextPID = pid
	}
	next := cur.clone()
	next.state, next.lastUpdate = PrepareAbort, s.nowMs()
	if commit {
		next.state = PrepareCommit
	}
	if cur.state != Ongoing {
		// An abort with no transaction open still bumps the epoch and
		// completes, with no partitions to write markers to.
		next.partitions = map[TopicPartition]struct{}{}
		next.startTime = s.nowMs()
	}
	next.producerEpoch, next.lastEpoch = cur.producerEpoch+1, cur.producerEpoch
	next.nextProducerID = nextPID
	next.clientTxVersion = 2
	cur.pending = true
	if err := s.commit(ctx, transactionalID, cur, next); err != nil {
		return current, err
	}
	s.emit(EventPrepare, next, next.sortedPartitions(), "EndTxn("+verb+"), transaction version 2")
	next.pending = true
	s.sendMarkers(next)
	if nextPID >= 0 {
		return ProducerIDAndEpoch{nextPID, 0}, nil
	}
	return ProducerIDAndEpoch{next.producerID, next.producerEpoch}, nil
}

// AddPartitionsFromProduce is the implicit AddPartitionsToTxn of
// transaction version 2: a partition leader that receives a Produce v12+
// transactional batch for a partition not yet in the producer's
// transaction adds it here before appending, so the producer sends no
// AddPartitionsToTxn of its own. The checks and the record written are
// AddPartitions's; the transaction remembers that its client speaks
// version 2.
func (c *Coordinator) AddPartitionsFromProduce(ctx context.Context, transactionalID string, producerID int64, epoch int16, parts []TopicPartition) error {
	return c.addPartitions(ctx, transactionalID, producerID, epoch, parts, 2)
}

// NextChange returns a channel closed when the next state change of a
// transactional id of the same __transaction_state partition lands, or
// when the partition stops being coordinated here. A partition leader
// whose implicit AddPartitionsToTxn was answered CONCURRENT_TRANSACTIONS
// (the producer's last transaction is still writing its markers) waits
// on it before it asks again, instead of a blind backoff.
func (c *Coordinator) NextChange(transactionalID string) (<-chan struct{}, error) {
	s, err := c.shardFor(transactionalID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed, nil
}
