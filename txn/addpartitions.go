package txn

// AddPartitionsToTxn and AddOffsetsToTxn (Kafka's
// TransactionCoordinator.handleAddPartitionsToTransaction and
// handleVerifyPartitionsInTransaction, KIP-890 part 1).

import (
	"context"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// checkProducer is the validation every request of an open transaction
// starts with. Callers hold the lock.
func checkProducer(cur *metadata, id string, producerID int64, epoch int16) error {
	if cur == nil {
		return kafkaerr.New(kerr.InvalidProducerIDMapping, "transactional id %q has no producer id: InitProducerId first", id)
	}
	if cur.producerID != producerID {
		return kafkaerr.New(kerr.InvalidProducerIDMapping, "producer id %d is not the producer id %d of %q", producerID, cur.producerID, id)
	}
	if cur.producerEpoch != epoch {
		return kafkaerr.New(kerr.ProducerFenced, "epoch %d of producer %d is not the current epoch %d of %q", epoch, producerID, cur.producerEpoch, id)
	}
	return nil
}

// AddPartitions adds partitions to the producer's transaction, opening
// it if none is open.
func (c *Coordinator) AddPartitions(ctx context.Context, transactionalID string, producerID int64, epoch int16, parts []TopicPartition) error {
	return c.addPartitions(ctx, transactionalID, producerID, epoch, parts, 0)
}

// addPartitions is AddPartitions for a client of transaction version
// txVersion, which the transaction records.
func (c *Coordinator) addPartitions(ctx context.Context, transactionalID string, producerID int64, epoch int16, parts []TopicPartition, txVersion int16) error {
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
	if cur.pending || cur.state == PrepareCommit || cur.state == PrepareAbort || cur.state == PrepareEpochFence {
		return kafkaerr.New(kerr.ConcurrentTransactions, "the last transaction of %q is still completing", transactionalID)
	}
	var added []TopicPartition
	for _, tp := range parts {
		if _, ok := cur.partitions[tp]; !ok {
			added = append(added, tp)
		}
	}
	if cur.state == Ongoing && len(added) == 0 {
		return nil
	}
	next := cur.clone()
	next.clientTxVersion = txVersion
	begin := cur.state != Ongoing
	if begin {
		next.startTime = s.nowMs()
	}
	next.state, next.lastUpdate = Ongoing, s.nowMs()
	for _, tp := range added {
		next.partitions[tp] = struct{}{}
	}
	cur.pending = true
	if err := s.commit(ctx, transactionalID, cur, next); err != nil {
		return err
	}
	if begin {
		s.emit(EventBegin, next, added, "the first partitions were added")
	} else {
		s.emit(EventAddPartitions, next, added, "")
	}
	return nil
}

// VerifyPartitions is the verify-only AddPartitionsToTxn (v4+) a
// partition leader sends before it appends a transactional batch:
// partitions not in the producer's open transaction get
// TRANSACTION_ABORTABLE. Errors that concern the whole transactional id
// are returned as err.
func (c *Coordinator) VerifyPartitions(transactionalID string, producerID int64, epoch int16, parts []TopicPartition) (map[TopicPartition]error, error) {
	if transactionalID == "" {
		return nil, kafkaerr.New(kerr.InvalidRequest, "the transactional id is empty")
	}
	s, err := c.lockShard(transactionalID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	cur := s.txns[transactionalID]
	if err := checkProducer(cur, transactionalID, producerID, epoch); err != nil {
		return nil, err
	}
	out := make(map[TopicPartition]error, len(parts))
	for _, tp := range parts {
		if _, ok := cur.partitions[tp]; ok && cur.state == Ongoing {
			out[tp] = nil
		} else {
			out[tp] = kafkaerr.New(kerr.TransactionAbortable, "%s-%d is not in the open transaction of %q", tp.Topic, tp.Partition, transactionalID)
		}
	}
	return out, nil
}
