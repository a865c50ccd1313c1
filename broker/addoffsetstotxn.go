package broker

// AddOffsetsToTxn (key 25), versions 0-4.
//
// Before TxnOffsetCommit, a transactional producer adds the consumer
// group's offsets to its transaction: the coordinator adds the group's
// __consumer_offsets partition (abs(hash(groupId)) % partitions, as
// FindCoordinator places the group), so EndTxn writes a marker there too
// and the group coordinator applies or drops the pending offsets. The
// group need not exist. KIP-588: PRODUCER_FENCED from v2,
// INVALID_PRODUCER_EPOCH before.

import (
	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 4, handleAddOffsetsToTxn) }

func handleAddOffsetsToTxn(r *request, req *kmsg.AddOffsetsToTxnRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.AddOffsetsToTxnResponse))
	if req.Group == "" {
		resp.ErrorCode = kerr.InvalidGroupID.Code
		return resp, nil
	}
	t, err := r.broker.ensureOffsetsTopic()
	if err != nil {
		resp.ErrorCode = kafkaerr.Code(err)
		return resp, nil
	}
	p := group.PartitionFor(req.Group, int32(len(t.partitions)))
	err = r.broker.txns.AddPartitions(r.ctx, req.TransactionalID, req.ProducerID, req.ProducerEpoch,
		[]txn.TopicPartition{{Topic: consumerOffsetsTopic, Partition: p}})
	resp.ErrorCode = fencedCode(err, r.version, 2)
	return resp, nil
}
