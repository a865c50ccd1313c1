package broker

import (
	"errors"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// verifyTransactionalProduce is where a transactional produce meets the
// transaction coordinator's view before the leader appends it (KIP-890
// part 1, transaction.partition.verification.enable, default true): the
// leader asks the coordinator whether the partition is in the
// producer's open transaction, and a batch for a partition never added
// with AddPartitionsToTxn is refused with TRANSACTION_ABORTABLE (Produce
// v11+) or INVALID_TXN_STATE (older versions, which predate that code),
// so a buggy or zombie producer cannot write outside its transaction.
// The partition's own rules (epochs, sequences, a non-transactional
// write inside a transaction) are the leader's
// (partition.AppendBatchAsLeader). Kafka verifies only the first batch of
// a transaction on each partition; gregor asks for every batch, which
// answers the same.
//
// Transactional records also need the request's transactional id
// (KafkaApis answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one;
// Kafka fails the whole request, gregor each such partition).
func (b *Broker) verifyTransactionalProduce(version int16, transactionalID *string, topic string, partition int32, h record.Header) error {
	if !h.IsTransactional() {
		return nil
	}
	if transactionalID == nil {
		return kafkaerr.New(kerr.TransactionalIDAuthorizationFailed, "transactional records for %s-%d in a produce request without a transactional id", topic, partition)
	}
	if !b.config.Bool("transaction.partition.verification.enable") {
		return nil
	}
	err := b.verifyProduce(*transactionalID, topic, partition, partitionProducer{h.ProducerID, h.ProducerEpoch})
	if version < 11 && errors.Is(err, kerr.TransactionAbortable) {
		return kafkaerr.New(kerr.InvalidTxnState, "%s", *kafkaerr.Message(err))
	}
	return err
}
