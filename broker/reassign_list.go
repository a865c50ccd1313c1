package broker

// ListPartitionReassignments (key 46), version 0.
//
// Lists the reassignments in progress (KIP-455), as
// kafka-reassign-partitions.sh --verify and --list and
// Admin.listPartitionReassignments do: per partition its replicas (the
// target followed by the replicas being removed), adding_replicas and
// removing_replicas. Null topics list every reassigning partition; named
// ones list only those of the given partitions that are reassigning, and
// unknown topics or partitions are left out, not errors, as in Kafka.
// Needs DESCRIBE on the cluster.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 0, handleListPartitionReassignments) }

func handleListPartitionReassignments(r *request, req *kmsg.ListPartitionReassignmentsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ListPartitionReassignmentsResponse))
	var topics map[string][]int32
	if req.Topics != nil {
		topics = map[string][]int32{}
		for _, t := range req.Topics {
			topics[t.Topic] = append(topics[t.Topic], t.Partitions...)
		}
	}
	for _, o := range r.broker.cluster.ctl.current().listReassignments(topics) {
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != o.topic {
			rt := kmsg.NewListPartitionReassignmentsResponseTopic()
			rt.Topic = o.topic
			resp.Topics = append(resp.Topics, rt)
		}
		rt := &resp.Topics[len(resp.Topics)-1]
		rp := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
		rp.Partition = o.partition
		rp.Replicas, rp.AddingReplicas, rp.RemovingReplicas = o.replicas, nonNil(o.adding), nonNil(o.removing)
		rt.Partitions = append(rt.Partitions, rp)
	}
	return resp, nil
}

func nonNil(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}
