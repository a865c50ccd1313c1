package kafkaref

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Partition reassignment's answers (KIP-455). A single-node Kafka can
// move nothing, but it answers every refusal: unknown topics and
// partitions, bad replica lists, a cancel with nothing to cancel, a
// list that is also a replication factor change v1 refuses (the replica
// list is checked first), and an empty listing.

// alterReassignment asks for one partition to move to replicas (nil:
// cancel). allowRFChange is sent at v1 and above.
func alterReassignment(topic string, partition int32, replicas []int32, allowRFChange bool) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrAlterPartitionAssignmentsRequest()
		r.TimeoutMillis = 30000
		r.AllowReplicationFactorChange = allowRFChange
		t := kmsg.NewAlterPartitionAssignmentsRequestTopic()
		t.Topic = topic
		p := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
		p.Partition, p.Replicas = partition, replicas
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func listReassignments(topics map[string][]int32) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrListPartitionReassignmentsRequest()
		r.TimeoutMillis = 30000
		if topics != nil {
			r.Topics = []kmsg.ListPartitionReassignmentsRequestTopic{}
		}
		for name, parts := range topics {
			t := kmsg.NewListPartitionReassignmentsRequestTopic()
			t.Topic, t.Partitions = name, parts
			r.Topics = append(r.Topics, t)
		}
		return r
	}
}

func reassignSteps() []step {
	return []step{
		{name: "reassign-unknown-topic", req: alterReassignment("conformance-nope", 0, []int32{1}, true)},
		{name: "reassign-unknown-partition", req: alterReassignment(topicMain, 9, []int32{1}, true)},
		{name: "reassign-empty-replicas", req: alterReassignment(topicMain, 0, []int32{}, true)},
		{name: "reassign-duplicate-broker", req: alterReassignment(topicMain, 0, []int32{1, 1}, true)},
		{name: "reassign-unknown-broker", req: alterReassignment(topicMain, 0, []int32{1, 9}, true)},
		{name: "reassign-unknown-broker-duplicated", req: alterReassignment(topicMain, 0, []int32{9, 9}, true)},
		{name: "reassign-empty-replicas-rf-change-refused", req: alterReassignment(topicMain, 0, []int32{}, false)},
		{name: "reassign-cancel-none", req: alterReassignment(topicMain, 0, nil, true)},
		{name: "reassign-to-current", req: alterReassignment(topicMain, 0, []int32{1}, true)},
		{name: "reassign-to-current-no-rf-change", req: alterReassignment(topicMain, 0, []int32{1}, false)},
		{name: "listreassignments-all", req: listReassignments(nil)},
		{name: "listreassignments-named", req: listReassignments(map[string][]int32{topicMain: {0, 1, 9}, "conformance-nope": {0}})},
	}
}
