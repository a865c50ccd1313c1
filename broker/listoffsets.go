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
// Only the leader answers. Version 0 (a list of offsets) was removed in
// Kafka 4 (KIP-896).

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
	for _, rt := range req.Topics {
		st := kmsg.NewListOffsetsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewListOffsetsResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.Offset, sp.Timestamp, sp.LeaderEpoch = -1, -1, -1
			rep := b.replica(rt.Topic, rp.Partition)
			if rep == nil {
				code := kerr.NotLeaderForPartition.Code
				if t := b.cluster.ctl.current().topics[rt.Topic]; t == nil || rp.Partition < 0 || int(rp.Partition) >= len(t.partitions) {
					code = kerr.UnknownTopicOrPartition.Code
				}
				sp.ErrorCode = code
			} else if res, err := rep.ListOffset(rp.Timestamp, isolation, rp.CurrentLeaderEpoch); err != nil {
				sp.ErrorCode = kafkaerr.Code(err)
			} else {
				sp.Offset, sp.Timestamp, sp.LeaderEpoch = res.Offset, res.Timestamp, res.LeaderEpoch
			}
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}
