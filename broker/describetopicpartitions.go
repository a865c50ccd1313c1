package broker

// DescribeTopicPartitions (key 75), version 0 (KIP-966).
//
// The newer way for admin clients (kafka-topics.sh --describe in Kafka
// 3.7+) to describe topics: per partition the leader, leader epoch,
// replicas, ISR, offline replicas and the eligible leader replicas of
// KIP-966 (always empty here: gregor does not implement ELR, as Kafka 4.0
// leaves it off by default). A partition without a leader has leader -1
// and no error code. An empty topic list means every topic.
//
// Results are paged, as Kafka's KRaftMetadataCache does it: topics in name
// order, at most response_partition_limit partitions per response (capped
// at 2000, Kafka's max.request.partition.size.limit, and at least 1). When
// a topic does not fit, the response ends with that topic's partitions so
// far and a cursor naming the first one left out; when the limit is
// reached exactly at the end of a topic, the cursor names the next topic
// at partition 0. A request resumes from its cursor, which must name one
// of the requested topics and a partition >= 0 (else INVALID_REQUEST).

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 0, handleDescribeTopicPartitions) }

// maxRequestPartitionSizeLimit is Kafka's max.request.partition.size.limit
// default: the most partitions one response describes.
const maxRequestPartitionSizeLimit = 2000

func handleDescribeTopicPartitions(r *request, req *kmsg.DescribeTopicPartitionsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeTopicPartitionsResponse))
	im := r.broker.cluster.ctl.current()
	all := len(req.Topics) == 0
	cursorTopic := ""
	if req.Cursor != nil {
		cursorTopic = req.Cursor.Topic
	}
	var names []string
	if all {
		for _, t := range im.sortedTopics() {
			names = append(names, t.name)
		}
	} else {
		for _, t := range req.Topics {
			names = append(names, t.Topic)
		}
		slices.Sort(names)
		names = slices.Compact(names)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n < cursorTopic })
	if req.Cursor != nil && (req.Cursor.Partition < 0 || !all && !slices.Contains(names, cursorTopic)) {
		// Kafka refuses the request: every requested topic gets the error.
		for _, t := range req.Topics {
			rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
			rt.Topic = kmsg.StringPtr(t.Topic)
			rt.ErrorCode = kerr.InvalidRequest.Code
			rt.AuthorizedOperations = notRequestedOps
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil
	}
	remaining := max(min(int(req.ResponsePartitionLimit), maxRequestPartitionSizeLimit), 1)
	for _, name := range names {
		if remaining == 0 {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: 0}
			break
		}
		rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
		rt.Topic = kmsg.StringPtr(name)
		// Always reported: the request has no flag to ask for them.
		rt.AuthorizedOperations = topicAuthorizedOps
		t := im.topics[name]
		if t == nil {
			if !all {
				rt.ErrorCode = kerr.UnknownTopicOrPartition.Code
				if validateTopicName(name) != nil {
					rt.ErrorCode = kerr.InvalidTopicException.Code
				}
				resp.Topics = append(resp.Topics, rt)
			}
			continue
		}
		rt.TopicID, rt.IsInternal = t.id, t.internal
		first := 0
		if name == cursorTopic {
			first = int(req.Cursor.Partition)
		}
		upper := min(len(t.partitions), first+remaining)
		for i := first; i < upper; i++ {
			p := t.partitions[i]
			rp := kmsg.NewDescribeTopicPartitionsResponseTopicPartition()
			rp.Partition, rp.LeaderID, rp.LeaderEpoch = int32(i), p.leader, p.leaderEpoch
			rp.Replicas, rp.ISR = slices.Clone(p.replicas), slices.Clone(p.isr)
			rp.EligibleLeaderReplicas, rp.LastKnownELR = []int32{}, []int32{}
			rp.OfflineReplicas = offlineReplicas(im, p)
			rt.Partitions = append(rt.Partitions, rp)
			remaining--
		}
		resp.Topics = append(resp.Topics, rt)
		if upper < len(t.partitions) {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: int32(upper)}
			break
		}
	}
	return resp, nil
}
