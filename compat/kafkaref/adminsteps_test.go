package kafkaref

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic administration after the records are in: partitions, records and
// topics deleted, and a few cluster-wide requests.

func deleteTopics(names ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDeleteTopicsRequest()
		r.TimeoutMillis, r.TopicNames = 30000, names
		for _, n := range names {
			t := kmsg.NewDeleteTopicsRequestTopic()
			t.Topic = kmsg.StringPtr(n)
			r.Topics = append(r.Topics, t)
		}
		return r
	}
}

func createPartitions(topic string, count int32) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrCreatePartitionsRequest()
		r.TimeoutMillis = 30000
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic, t.Count = topic, count
		r.Topics = append(r.Topics, t)
		return r
	}
}

func deleteRecords(topic string, partition int32, offset int64) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDeleteRecordsRequest()
		r.TimeoutMillis = 30000
		t := kmsg.NewDeleteRecordsRequestTopic()
		t.Topic = topic
		p := kmsg.NewDeleteRecordsRequestTopicPartition()
		p.Partition, p.Offset = partition, offset
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func adminSteps() []step {
	return []step{
		{name: "createpartitions-fewer", req: createPartitions(topicMain, 1)},
		{name: "createpartitions-same", req: createPartitions(topicMain, 2)},
		{name: "createpartitions-unknown-topic", req: createPartitions("conformance-nope", 3)},
		{name: "createpartitions-more", req: createPartitions("conformance-defaults", 3)},
		{name: "deleterecords-beyond-high-watermark", req: deleteRecords(topicMain, 0, 100)},
		{name: "deleterecords-unknown-partition", req: deleteRecords(topicMain, 9, 0)},
		{name: "deleterecords", req: deleteRecords(topicMain, 0, 1)},
		{name: "listoffsets-earliest-after-deleterecords", req: listOffsets(topicMain, 0, -2)},
		{name: "fetch-below-log-start", req: fetch(topicMain, 0, 0)},
		{name: "initproducerid", req: func(*side) kmsg.Request {
			r := kmsg.NewPtrInitProducerIDRequest()
			r.TransactionTimeoutMillis = 60000
			return r
		}},
		{name: "describecluster", req: func(*side) kmsg.Request { return kmsg.NewPtrDescribeClusterRequest() }},
		{name: "describequorum", req: describeQuorum("__cluster_metadata", 0)},
		{name: "describequorum-unknown-partition", req: describeQuorum("conformance-nope", 0)},
		{name: "deletetopics-unknown", req: deleteTopics("conformance-nope")},
		{name: "deletetopics", req: deleteTopics("conformance-defaults")},
	}
}

// describeQuorum asks for the KRaft quorum of one partition: the metadata
// log __cluster_metadata-0, or any other, which no quorum serves.
func describeQuorum(topic string, partition int32) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDescribeQuorumRequest()
		t := kmsg.NewDescribeQuorumRequestTopic()
		t.Topic = topic
		p := kmsg.NewDescribeQuorumRequestTopicPartition()
		p.Partition = partition
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}
