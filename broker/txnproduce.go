package broker

import (
	"errors"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// verifyTransactionalProduce is where a transactional produce meets the
// transaction coordinator's view before the leader appends it (KIP-890).
//
// Up to Produce v11 (transaction version 1, part 1 of the KIP, with
// transaction.partition.verification.enable, default true) the leader
// asks the coordinator whether the partition is in the producer's open
// transaction, and a batch for a partition never added with
// AddPartitionsToTxn is refused with TRANSACTION_ABORTABLE (v11) or
// INVALID_TXN_STATE (older versions, which predate that code), so a
// buggy or zombie producer cannot write outside its transaction. From
// Produce v12 (transaction version 2, part 2) the producer sends no
// AddPartitionsToTxn: the leader has the coordinator add the partition
// instead, which also checks the producer's epoch.
//
// Either way only a partition's first batch of a transaction goes to the
// coordinator: once the producer's transaction is ongoing on the
// partition at the batch's epoch, nothing new can be learnt. The
// returned guard (partition.VerificationGuard) makes the append fail if
// the transaction ended while the coordinator was being asked. The
// partition's own rules (epochs, sequences, a non-transactional write
// inside a transaction) are the leader's (partition.AppendBatchAsLeader).
//
// Transactional records also need the request's transactional id
// (KafkaApis answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one;
// Kafka fails the whole request, gregor each such partition).
func (b *Broker) verifyTransactionalProduce(r *request, transactionalID *string, rep *replica, topic string, p int32, h record.Header, added map[topicPartition]implicitAdd) (partition.VerificationGuard, error) {
	if !h.IsTransactional() {
		return 0, nil
	}
	if a, ok := added[topicPartition{topic, p}]; ok && a.producer == (partitionProducer{h.ProducerID, h.ProducerEpoch}) {
		return a.guard, a.err
	}
	if transactionalID == nil {
		return 0, kafkaerr.New(kerr.TransactionalIDAuthorizationFailed, "transactional records for %s-%d in a produce request without a transactional id", topic, p)
	}
	implicitAdd := r.version >= 12
	if !implicitAdd && !b.config.Bool("transaction.partition.verification.enable") {
		return 0, nil
	}
	guard, needed := rep.StartTxnVerification(h.ProducerID, h.ProducerEpoch)
	if !needed {
		return 0, nil
	}
	pp := partitionProducer{h.ProducerID, h.ProducerEpoch}
	if implicitAdd {
		return guard, b.addPartitionsFromProduce(r.ctx, *transactionalID, []txn.TopicPartition{{Topic: topic, Partition: p}}, pp, true)
	}
	err := b.verifyProduce(*transactionalID, topic, p, pp)
	if r.version < 11 && errors.Is(err, kerr.TransactionAbortable) {
		return guard, kafkaerr.New(kerr.InvalidTxnState, "%s", *kafkaerr.Message(err))
	}
	return guard, err
}

// implicitAdd is the outcome of adding one partition of a Produce v12+
// request to the producer's transaction (addProducePartitions).
type implicitAdd struct {
	producer partitionProducer
	guard    partition.VerificationGuard
	err      error
}

// addProducePartitions adds, in one write of the coordinator, every
// partition of a Produce v12+ request whose transactional batch starts
// the producer's transaction on it, as Kafka's leader sends one
// AddPartitionsToTxn for the whole request: one partition at a time, a
// request to six new partitions would be six writes, each waiting for
// the one before. Partitions this pass leaves out (not led here, not
// transactional, malformed: the checks of produceOne come later) are
// verified one by one if they get that far.
func (b *Broker) addProducePartitions(r *request, req *kmsg.ProduceRequest) map[topicPartition]implicitAdd {
	if r.version < 12 || req.TransactionID == nil || (req.Acks != 0 && req.Acks != 1 && req.Acks != -1) {
		return nil
	}
	im := b.cluster.ctl.current()
	out := map[topicPartition]implicitAdd{}
	var parts []txn.TopicPartition
	var producer partitionProducer
	for i := range req.Topics {
		rt := &req.Topics[i]
		t := im.topics[rt.Topic]
		if t == nil || t.internal {
			continue
		}
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			if rp.Partition < 0 || int(rp.Partition) >= len(t.partitions) {
				continue
			}
			h, err := record.ReadHeader(rp.Records)
			if err != nil || !h.IsTransactional() {
				continue
			}
			pp := partitionProducer{h.ProducerID, h.ProducerEpoch}
			if len(parts) > 0 && pp != producer {
				continue // one producer per transactional id; the rest is checked alone
			}
			rep := b.replica(rt.Topic, rp.Partition)
			tp := topicPartition{rt.Topic, rp.Partition}
			if _, dup := out[tp]; rep == nil || dup {
				continue
			}
			guard, needed := rep.StartTxnVerification(h.ProducerID, h.ProducerEpoch)
			if !needed {
				continue
			}
			producer = pp
			out[tp] = implicitAdd{producer: pp, guard: guard}
			parts = append(parts, txn.TopicPartition{Topic: rt.Topic, Partition: rp.Partition})
		}
	}
	if len(parts) == 0 {
		return nil
	}
	err := b.addPartitionsFromProduce(r.ctx, *req.TransactionID, parts, producer, true)
	for tp, a := range out {
		a.err = err
		out[tp] = a
	}
	return out
}
