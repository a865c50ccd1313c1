package broker

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// verifyTransactionalProduce is where a transactional produce meets the
// transaction coordinator's view before the leader appends it: under
// transaction version 1 a batch for a partition never added with
// AddPartitionsToTxn is refused, and under KIP-890 the leader asks the
// coordinator to verify (or, with transaction version 2, add) the
// partition. The coordinator's part (package txn) fills this in; the
// partition's own rules (epochs, sequences, a non-transactional write
// inside a transaction) are the leader's (partition.AppendBatchAsLeader).
//
// Checked here alone: transactional records need the request's
// transactional id (KafkaApis answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED
// without one; Kafka fails the whole request, gregor each such partition).
func (b *Broker) verifyTransactionalProduce(transactionalID *string, topic string, partition int32, h record.Header) error {
	if h.IsTransactional() && transactionalID == nil {
		return kafkaerr.New(kerr.TransactionalIDAuthorizationFailed, "transactional records for %s-%d in a produce request without a transactional id", topic, partition)
	}
	return nil
}
