package broker

// TxnOffsetCommit (key 28), versions 0-5.
//
// A transactional producer commits its consumer group's offsets inside
// its transaction (KIP-98; KIP-447 added the group's member id,
// generation and group.instance.id in v3 so a zombie of an old generation
// is fenced). The group coordinator writes them to __consumer_offsets as
// a transactional batch and holds them pending until the transaction's
// marker (package group, txnoffsets.go). Partitions of topics that do not
// exist get UNKNOWN_TOPIC_OR_PARTITION from this broker first, as in
// Kafka's KafkaApis; the rest is the coordinator's (NOT_COORDINATOR,
// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
// OFFSET_METADATA_TOO_LARGE). v2 adds the committed leader epoch, v3 the
// member fields, v4-5 allow TRANSACTION_ABORTABLE (KIP-890), and v5 adds the
// group's __consumer_offsets partition to the transaction itself
// (transaction version 2). v6 (topic ids,
// KIP-1319) is not served.

import (
	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleTxnOffsetCommit) }

func handleTxnOffsetCommit(r *request, req *kmsg.TxnOffsetCommitRequest) (kmsg.Response, error) {
	im := r.broker.cluster.ctl.current()
	resp := responseFor(r, req.ResponseKind().(*kmsg.TxnOffsetCommitResponse))
	known := *req
	known.Topics = nil
	for _, t := range req.Topics {
		ti := im.topics[t.Topic]
		kt := t
		kt.Partitions = nil
		ut := kmsg.NewTxnOffsetCommitResponseTopic()
		ut.Topic = t.Topic
		for _, p := range t.Partitions {
			if ti == nil || p.Partition < 0 || int(p.Partition) >= len(ti.partitions) {
				up := kmsg.NewTxnOffsetCommitResponseTopicPartition()
				up.Partition, up.ErrorCode = p.Partition, kerr.UnknownTopicOrPartition.Code
				ut.Partitions = append(ut.Partitions, up)
				continue
			}
			kt.Partitions = append(kt.Partitions, p)
		}
		if len(ut.Partitions) > 0 {
			resp.Topics = append(resp.Topics, ut)
		}
		if len(kt.Partitions) > 0 {
			known.Topics = append(known.Topics, kt)
		}
	}
	if len(known.Topics) == 0 {
		return resp, nil
	}
	if err := r.broker.verifyTxnOffsetCommit(r, &known); err != nil {
		code := kafkaerr.Code(err)
		for _, t := range known.Topics {
			rt := kmsg.NewTxnOffsetCommitResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewTxnOffsetCommitResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil
	}
	cr, err := r.broker.groups.CommitTxnOffsets(r.ctx, &known)
	if err != nil {
		return nil, err
	}
	resp.Topics = append(resp.Topics, cr.Topics...)
	return resp, nil
}

// verifyTxnOffsetCommit is where the transaction coordinator's view
// meets a transactional offset commit: the group's __consumer_offsets
// partition must have been added to the producer's transaction
// (AddOffsetsToTxn), else Kafka answers INVALID_TXN_STATE (KIP-890
// verification); see verifyOffsetsInTxn in txns.go. From v5 (KIP-890
// part 2) the commit does AddOffsetsToTxn's work itself: the partition is
// added to the transaction instead (Kafka's
// txnOffsetCommitRequestVersionToTransactionSupportedOperation), so a
// transaction version 2 producer sends no AddOffsetsToTxn.
func (b *Broker) verifyTxnOffsetCommit(r *request, req *kmsg.TxnOffsetCommitRequest) error {
	if r.version >= 5 {
		t, err := b.ensureOffsetsTopic()
		if err != nil {
			return err
		}
		p := group.PartitionFor(req.Group, int32(len(t.partitions)))
		return b.addPartitionsFromProduce(r.ctx, req.TransactionalID, []txn.TopicPartition{{Topic: consumerOffsetsTopic, Partition: p}}, partitionProducer{req.ProducerID, req.ProducerEpoch}, false)
	}
	return b.verifyOffsetsInTxn(req)
}
