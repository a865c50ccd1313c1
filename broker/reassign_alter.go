package broker

// AlterPartitionReassignments (key 45), versions 0-1.
//
// Starts, changes or cancels partition reassignments (KIP-455), as
// kafka-reassign-partitions.sh --execute and Admin.alterPartitionReassignments
// do; the move itself is reassign.go's. Each partition gets its own error:
// UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not exist,
// INVALID_REPLICA_ASSIGNMENT for an empty target, a broker named twice or
// a broker that is not registered, NO_REASSIGNMENT_IN_PROGRESS for a
// cancel (null replicas) with nothing to cancel. v1 (KIP-860) adds
// AllowReplicationFactorChange: when false, a target with a different
// number of replicas is refused with INVALID_REPLICATION_FACTOR; the
// response echoes the flag. The request's timeout is not waited on: the
// controller's change is made before the response is sent. Needs ALTER on
// the cluster.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 1, handleAlterPartitionReassignments) }

func handleAlterPartitionReassignments(r *request, req *kmsg.AlterPartitionAssignmentsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.AlterPartitionAssignmentsResponse))
	allowRFChange := r.version < 1 || req.AllowReplicationFactorChange
	resp.AllowReplicationFactorChange = allowRFChange
	var items []reassignment
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			items = append(items, reassignment{topic: t.Topic, partition: p.Partition, replicas: p.Replicas})
		}
	}
	errs := r.broker.cluster.ctl.alterPartitionReassignments(items, allowRFChange)
	i := 0
	for _, t := range req.Topics {
		rt := kmsg.NewAlterPartitionAssignmentsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewAlterPartitionAssignmentsResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = kafkaerr.Code(errs[i])
			rp.ErrorMessage = kafkaerr.Message(errs[i])
			rt.Partitions = append(rt.Partitions, rp)
			i++
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
