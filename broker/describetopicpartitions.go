package broker

// DescribeTopicPartitions (key 75), version 0 (KIP-966).
//
// The newer way for admin clients (kafka-topics.sh --describe in Kafka
// 3.7+) to describe topics: per partition the leader, leader epoch,
// replicas, ISR, offline replicas and the eligible leader replicas of
// KIP-966 (always empty here: gregor does not implement ELR, as Kafka 4.0
// leaves it off by default). Results are paged: at most
// response_partition_limit partitions per response (default 2000), with a
// cursor to continue from.

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 0, handleDescribeTopicPartitions) }

func handleDescribeTopicPartitions(r *request, req *kmsg.DescribeTopicPartitionsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeTopicPartitionsResponse))
	im := r.broker.cluster.ctl.current()
	limit := int(req.ResponsePartitionLimit)
	if limit <= 0 {
		limit = 2000
	}
	var names []string
	if len(req.Topics) == 0 {
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
	startTopic, startPartition := "", int32(0)
	if req.Cursor != nil {
		startTopic, startPartition = req.Cursor.Topic, req.Cursor.Partition
	}
	count := 0
	for _, name := range names {
		if name < startTopic {
			continue
		}
		n := name
		rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
		rt.Topic = &n
		rt.AuthorizedOperations = notRequestedOps
		t := im.topics[name]
		if t == nil {
			rt.ErrorCode = kerr.UnknownTopicOrPartition.Code
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		rt.TopicID, rt.IsInternal = t.id, t.internal
		first := int32(0)
		if name == startTopic {
			first = startPartition
		}
		for i := first; int(i) < len(t.partitions); i++ {
			if count == limit {
				resp.Topics = append(resp.Topics, rt)
				resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: i}
				return resp, nil
			}
			p := t.partitions[i]
			rp := kmsg.NewDescribeTopicPartitionsResponseTopicPartition()
			rp.Partition, rp.LeaderID, rp.LeaderEpoch = i, p.leader, p.leaderEpoch
			rp.Replicas, rp.ISR = slices.Clone(p.replicas), slices.Clone(p.isr)
			rp.EligibleLeaderReplicas, rp.LastKnownELR = []int32{}, []int32{}
			rp.OfflineReplicas = offlineReplicas(im, p)
			if p.leader < 0 {
				rp.ErrorCode = kerr.LeaderNotAvailable.Code
			}
			rt.Partitions = append(rt.Partitions, rp)
			count++
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
