package broker

// AddPartitionsToTxn (key 24), versions 0-5.
//
// A transactional producer names each partition before its first write
// to it in a transaction; the coordinator records it in
// __transaction_state so that EndTxn knows where to write markers. The
// first partition opens the transaction (Empty or Complete* -> Ongoing).
//
// v0-v3: one transaction, answered per partition. v4+ (KIP-890 part 1)
// batches several transactions and adds VerifyOnly, the question a
// partition leader asks before appending a transactional batch ("is this
// partition in the transaction?"): such entries change nothing and
// answer TRANSACTION_ABORTABLE for a partition not in the transaction.
// Kafka 4 lets only brokers (CLUSTER_ACTION on the cluster) send v4+;
// with an authorizer, gregor checks the same (authz_rules.go); without
// one, as in Kafka, any client may.
//
// One error for the whole transaction (unknown producer id, fenced
// epoch, CONCURRENT_TRANSACTIONS while the last one completes) is given
// to each of its partitions; partitions of internal or unknown topics are
// refused with their own code and the others get
// OPERATION_NOT_ATTEMPTED, as Kafka answers. KIP-588: PRODUCER_FENCED
// from v2, INVALID_PRODUCER_EPOCH before.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleAddPartitionsToTxn) }

type txnPartitions struct {
	id         string
	producerID int64
	epoch      int16
	verifyOnly bool
	topics     []kmsg.AddPartitionsToTxnRequestTransactionTopic
}

func handleAddPartitionsToTxn(r *request, req *kmsg.AddPartitionsToTxnRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.AddPartitionsToTxnResponse))
	if r.version < 4 {
		tp := txnPartitions{id: req.TransactionalID, producerID: req.ProducerID, epoch: req.ProducerEpoch}
		for _, t := range req.Topics {
			tp.topics = append(tp.topics, kmsg.AddPartitionsToTxnRequestTransactionTopic{Topic: t.Topic, Partitions: t.Partitions})
		}
		res := r.broker.addPartitionsToTxn(r, tp)
		resp.Topics = res.Topics
		return resp, nil
	}
	if len(req.Transactions) == 0 || req.TransactionalID != "" || len(req.Topics) > 0 {
		resp.ErrorCode = kerr.InvalidRequest.Code
		return resp, nil
	}
	for _, t := range req.Transactions {
		res := r.broker.addPartitionsToTxn(r, txnPartitions{id: t.TransactionalID, producerID: t.ProducerID,
			epoch: t.ProducerEpoch, verifyOnly: t.VerifyOnly, topics: t.Topics})
		out := kmsg.NewAddPartitionsToTxnResponseTransaction()
		out.TransactionalID = t.TransactionalID
		for _, rt := range res.Topics {
			ot := kmsg.NewAddPartitionsToTxnResponseTransactionTopic()
			ot.Topic = rt.Topic
			for _, p := range rt.Partitions {
				op := kmsg.NewAddPartitionsToTxnResponseTransactionTopicPartition()
				op.Partition, op.ErrorCode = p.Partition, p.ErrorCode
				ot.Partitions = append(ot.Partitions, op)
			}
			out.Topics = append(out.Topics, ot)
		}
		resp.Transactions = append(resp.Transactions, out)
	}
	return resp, nil
}

// addPartitionsToTxn serves one transaction of the request, answering in
// the v0-v3 shape.
func (b *Broker) addPartitionsToTxn(r *request, tp txnPartitions) kmsg.AddPartitionsToTxnResponse {
	var resp kmsg.AddPartitionsToTxnResponse
	im := b.cluster.ctl.current()
	var parts []txn.TopicPartition
	bad := map[txn.TopicPartition]int16{}
	for _, t := range tp.topics {
		for _, p := range t.Partitions {
			key := txn.TopicPartition{Topic: t.Topic, Partition: p}
			ti := im.topics[t.Topic]
			switch {
			case ti == nil || p < 0 || int(p) >= len(ti.partitions):
				bad[key] = kerr.UnknownTopicOrPartition.Code
			case t.Topic == transactionStateTopic || (t.Topic == consumerOffsetsTopic && !tp.verifyOnly):
				// Offsets are added with AddOffsetsToTxn.
				bad[key] = kerr.TopicAuthorizationFailed.Code
			default:
				parts = append(parts, key)
			}
		}
	}
	codes := map[txn.TopicPartition]int16{}
	switch {
	case len(bad) > 0:
		for _, p := range parts {
			codes[p] = kerr.OperationNotAttempted.Code
		}
		for p, c := range bad {
			codes[p] = c
		}
	case tp.verifyOnly:
		res, err := b.txns.VerifyPartitions(tp.id, tp.producerID, tp.epoch, parts)
		for _, p := range parts {
			if err != nil {
				codes[p] = kafkaerr.Code(err)
			} else {
				codes[p] = kafkaerr.Code(res[p])
			}
		}
	default:
		err := b.txns.AddPartitions(r.ctx, tp.id, tp.producerID, tp.epoch, parts)
		for _, p := range parts {
			codes[p] = fencedCode(err, r.version, 2)
		}
	}
	for _, t := range tp.topics {
		ot := kmsg.NewAddPartitionsToTxnResponseTopic()
		ot.Topic = t.Topic
		for _, p := range t.Partitions {
			op := kmsg.NewAddPartitionsToTxnResponseTopicPartition()
			op.Partition, op.ErrorCode = p, codes[txn.TopicPartition{Topic: t.Topic, Partition: p}]
			ot.Partitions = append(ot.Partitions, op)
		}
		resp.Topics = append(resp.Topics, ot)
	}
	return resp
}
