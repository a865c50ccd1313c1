package broker

// DeleteRecords (key 21), versions 0-2.
//
// Deletes the records of a partition before an offset by moving its log
// start offset there (KIP-107; kafka-delete-records.sh, kadm's
// DeleteRecords). The records are gone for consumers at once: fetching
// below the new log start offset is OFFSET_OUT_OF_RANGE, and ListOffsets
// EARLIEST answers the new offset. Segments that lie wholly before it are
// deleted (Kafka leaves that to its next retention check).
//
// Per partition: an offset of -1 means the high watermark (delete
// everything committed); one beyond the high watermark, or below -1, is
// OFFSET_OUT_OF_RANGE; a topic whose cleanup.policy lacks "delete" is
// POLICY_VIOLATION; only the leader answers (NOT_LEADER_OR_FOLLOWER).
// The answer's low watermark is the new log start offset. Kafka answers
// once every live replica has moved its own log start offset (the lowest
// of them); gregor answers with the leader's, and followers follow through
// replication. v2 is the flexible version.

import (
	"strings"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 2, handleDeleteRecords) }

func handleDeleteRecords(r *request, req *kmsg.DeleteRecordsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.DeleteRecordsResponse))
	for _, rt := range req.Topics {
		st := kmsg.NewDeleteRecordsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewDeleteRecordsResponseTopicPartition()
			sp.Partition = rp.Partition
			lowWatermark, err := b.deleteRecords(rt.Topic, rp.Partition, rp.Offset)
			sp.LowWatermark, sp.ErrorCode = lowWatermark, kafkaerr.Code(err)
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

// deleteRecords moves one partition's log start offset on its leader and
// returns the new low watermark (-1 on an error).
func (b *Broker) deleteRecords(topic string, p int32, offset int64) (int64, error) {
	t := b.cluster.ctl.current().topics[topic]
	if t == nil || p < 0 || int(p) >= len(t.partitions) {
		return -1, kafkaerr.New(kerr.UnknownTopicOrPartition, "unknown topic or partition %s-%d", topic, p)
	}
	rep := b.replica(topic, p)
	if rep == nil || rep.topicID != t.id {
		return -1, kafkaerr.New(kerr.NotLeaderForPartition, "broker %d holds no replica of %s-%d", b.id, topic, p)
	}
	if policy := b.config.Topic(t.configs).String("cleanup.policy"); !strings.Contains(policy, "delete") {
		return -1, kafkaerr.New(kerr.PolicyViolation, "records of partition %s-%d can not be deleted due to the configured policy (cleanup.policy=%s)", topic, p, policy)
	}
	return rep.DeleteRecordsBefore(offset)
}
