package kafkaref

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// More of what clients and admin tools send: leader epochs, config
// changes, group listings and deletions of offsets, log directories.

func offsetForLeaderEpoch(topic string, partition, epoch int32) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrOffsetForLeaderEpochRequest()
		r.ReplicaID = -1
		t := kmsg.NewOffsetForLeaderEpochRequestTopic()
		t.Topic = topic
		p := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		p.Partition, p.LeaderEpoch, p.CurrentLeaderEpoch = partition, epoch, -1
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func incrementalAlter(kind kmsg.ConfigResourceType, name string, op kmsg.IncrementalAlterConfigOp, config, value string, validateOnly bool) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrIncrementalAlterConfigsRequest()
		r.ValidateOnly = validateOnly
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kind, name
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = config, op, kmsg.StringPtr(value)
		res.Configs = append(res.Configs, c)
		r.Resources = append(r.Resources, res)
		return r
	}
}

func offsetDelete(group, topic string, partition int32) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrOffsetDeleteRequest()
		r.Group = group
		t := kmsg.NewOffsetDeleteRequestTopic()
		t.Topic = topic
		p := kmsg.NewOffsetDeleteRequestTopicPartition()
		p.Partition = partition
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func describeTopicPartitions(topics ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDescribeTopicPartitionsRequest()
		r.ResponsePartitionLimit = 100
		for _, name := range topics {
			t := kmsg.NewDescribeTopicPartitionsRequestTopic()
			t.Topic = name
			r.Topics = append(r.Topics, t)
		}
		return r
	}
}

// onlyConformanceGroups keeps the groups of this test.
func onlyConformanceGroups(path string) bool {
	i := strings.Index(path, "Groups(")
	return i < 0 || strings.HasPrefix(path[i+len("Groups("):], "conformance")
}

func moreSteps() []step {
	const set, del = kmsg.IncrementalAlterConfigOpSet, kmsg.IncrementalAlterConfigOpDelete
	return []step{
		{name: "offsetforleaderepoch-current", req: offsetForLeaderEpoch(topicMain, 0, 0)},
		{name: "offsetforleaderepoch-future", req: offsetForLeaderEpoch(topicMain, 0, 5)},
		{name: "offsetforleaderepoch-unknown-partition", req: offsetForLeaderEpoch(topicMain, 9, 0)},
		{name: "describetopicpartitions", req: describeTopicPartitions(topicMain, "conformance-nope")},
		{name: "incrementalalterconfigs-topic-set", req: incrementalAlter(2, topicSmall, set, "retention.ms", "60000", false)},
		{name: "incrementalalterconfigs-topic-bad-value", req: incrementalAlter(2, topicSmall, set, "retention.ms", "soon", false)},
		{name: "incrementalalterconfigs-topic-unknown-config", req: incrementalAlter(2, topicSmall, set, "no.such.config", "1", false)},
		{name: "incrementalalterconfigs-topic-delete", req: incrementalAlter(2, topicSmall, del, "retention.ms", "", false)},
		{name: "incrementalalterconfigs-unknown-topic", req: incrementalAlter(2, "conformance-nope", set, "retention.ms", "1", false)},
		{name: "incrementalalterconfigs-broker-validate", req: incrementalAlter(4, "1", set, "log.retention.ms", "60000", true)},
		{name: "describeconfigs-topic-after-alter", req: describeConfigs(false, configResource(2, topicSmall, "retention.ms"))},
		{name: "listgroups", req: func(*side) kmsg.Request { return kmsg.NewPtrListGroupsRequest() }, keep: onlyConformanceGroups},
		{name: "offsetdelete", req: offsetDelete("conformance-solo", topicMain, 1)},
		{name: "offsetdelete-unknown-group", req: offsetDelete("conformance-absent", topicMain, 0)},
	}
}
