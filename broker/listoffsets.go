package broker

// ListOffsets (key 2), versions 1-10.
//
// Finds offsets by time, which is how consumers start from "earliest" or
// "latest" (auto.offset.reset) and how GetOffsetShell --time -1/-2 and
// offsets-for-times work. Per partition the request gives a timestamp:
//
//	-2  EARLIEST: the log start offset
//	-1  LATEST: the high watermark (last stable offset for read_committed)
//	-3  MAX_TIMESTAMP: the record with the largest timestamp (v7+, KIP-734)
//	-4  EARLIEST_LOCAL: the first local offset (v8+, KIP-1005; no tiering, so -2)
//	-5  LATEST_TIERED: nothing is tiered, so -1 (v9+, KIP-1005)
//	>=0 the first record whose timestamp is at or after it, found through
//	    the time index; -1 when every record is older
//
// Only the leader answers. A partition named twice is INVALID_REQUEST, a
// special timestamp newer than the request version UNSUPPORTED_VERSION
// (ReplicaManager.fetchOffset). Version 0 (a list of offsets) was removed
// in Kafka 4 (KIP-896).

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 10, handleListOffsets) }

func handleListOffsets(r *request, req *kmsg.ListOffsetsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.ListOffsetsResponse))
	isolation := partition.IsolationLevel(req.IsolationLevel)
	seen := map[topicPartition]int{}
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			seen[topicPartition{rt.Topic, rp.Partition}]++
		}
	}
	for _, rt := range req.Topics {
		st := kmsg.NewListOffsetsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewListOffsetsResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.Offset, sp.Timestamp, sp.LeaderEpoch = -1, -1, -1
			var err error
			switch {
			case seen[topicPartition{rt.Topic, rp.Partition}] > 1:
				err = kafkaerr.New(kerr.InvalidRequest, "partition %s-%d appears more than once", rt.Topic, rp.Partition)
			case !listOffsetsTimestampSupported(rp.Timestamp, r.version):
				err = kafkaerr.New(kerr.UnsupportedVersion, "timestamp %d needs a newer ListOffsets version than %d", rp.Timestamp, r.version)
			default:
				var res partition.OffsetLookup
				if res, err = b.listOffset(rt.Topic, rp.Partition, rp.Timestamp, isolation, rp.CurrentLeaderEpoch); err == nil {
					sp.Offset, sp.Timestamp, sp.LeaderEpoch = res.Offset, res.Timestamp, res.LeaderEpoch
				}
			}
			sp.ErrorCode = kafkaerr.Code(err)
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

// listOffsetsTimestampSupported reports whether a special timestamp
// exists at this version (Kafka's isListOffsetsTimestampUnsupported).
func listOffsetsTimestampSupported(ts int64, version int16) bool {
	switch ts {
	case partition.MaxTimestamp:
		return version >= 7
	case partition.EarliestLocalTimestamp:
		return version >= 8
	case partition.LatestTieredTimestamp:
		return version >= 9
	}
	return true
}

// listOffset asks this broker's replica, which must lead the partition.
func (b *Broker) listOffset(topic string, p int32, ts int64, isolation partition.IsolationLevel, epoch int32) (partition.OffsetLookup, error) {
	rep := b.replica(topic, p)
	if rep == nil {
		if t := b.cluster.ctl.current().topics[topic]; t == nil || p < 0 || int(p) >= len(t.partitions) {
			return partition.OffsetLookup{}, kafkaerr.New(kerr.UnknownTopicOrPartition, "unknown topic or partition %s-%d", topic, p)
		}
		return partition.OffsetLookup{}, kafkaerr.New(kerr.NotLeaderForPartition, "broker %d holds no replica of %s-%d", b.id, topic, p)
	}
	return rep.ListOffset(ts, isolation, epoch)
}
