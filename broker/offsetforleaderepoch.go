package broker

// OffsetForLeaderEpoch (key 23), versions 2-4.
//
// "Where did leader epoch N end in your log?" The answer is the largest
// epoch at or below N that the leader's log has, and the offset where it
// ended (the start of the next epoch, or the log end offset for the
// current one). Consumers ask it after a leader change to find out
// whether the records they already read were truncated away by the
// failover (KIP-320): if their position lies beyond the end of their
// epoch, they were, and the consumer resets. Followers use the same
// question (inside Fetch since KIP-320) to truncate their logs (KIP-101,
// KIP-279). Versions 0-1 were removed in Kafka 4 (KIP-896).
//
// Only the leader answers (NOT_LEADER_OR_FOLLOWER elsewhere), whatever
// the replica id: Kafka's ReplicaManager.lastOffsetForLeaderEpoch always
// requires the leader (the -2 "debugging" replica id default of v3+ is
// not special here, unlike ListOffsets). A current leader epoch in the
// request is checked first (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(2, 4, handleOffsetForLeaderEpoch) }

func handleOffsetForLeaderEpoch(r *request, req *kmsg.OffsetForLeaderEpochRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.OffsetForLeaderEpochResponse))
	for _, rt := range req.Topics {
		st := kmsg.NewOffsetForLeaderEpochResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.LeaderEpoch, sp.EndOffset = -1, -1
			rep := b.replica(rt.Topic, rp.Partition)
			switch {
			case rep == nil && b.partitionExists(rt.Topic, rp.Partition):
				sp.ErrorCode = kerr.NotLeaderForPartition.Code
			case rep == nil:
				sp.ErrorCode = kerr.UnknownTopicOrPartition.Code
			default:
				eo, err := rep.EndOffsetForEpoch(rp.LeaderEpoch, rp.CurrentLeaderEpoch, true)
				if err != nil {
					sp.ErrorCode = kafkaerr.Code(err)
				} else {
					sp.LeaderEpoch, sp.EndOffset = eo.Epoch, eo.EndOffset
				}
			}
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

// partitionExists reports whether the cluster has the partition at all.
func (b *Broker) partitionExists(topic string, p int32) bool {
	t := b.cluster.ctl.current().topics[topic]
	return t != nil && p >= 0 && int(p) < len(t.partitions)
}
