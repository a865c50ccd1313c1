package broker

import (
	"errors"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
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
func (b *Broker) verifyTransactionalProduce(r *request, transactionalID *string, rep *replica, topic string, p int32, h record.Header) (partition.VerificationGuard, error) {
	if !h.IsTransactional() {
		return 0, nil
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
		return guard, b.addPartitionFromProduce(r.ctx, *transactionalID, topic, p, pp, true)
	}
	err := b.verifyProduce(*transactionalID, topic, p, pp)
	if r.version < 11 && errors.Is(err, kerr.TransactionAbortable) {
		return guard, kafkaerr.New(kerr.InvalidTxnState, "%s", *kafkaerr.Message(err))
	}
	return guard, err
}
