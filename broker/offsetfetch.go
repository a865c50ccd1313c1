package broker

// OffsetFetch (key 9), versions 1-9.
//
// Where did a group get to? Committed offsets per partition (-1 where
// nothing was committed), for the given topics or, from v2, for every
// topic the group committed (null topics). See package group, offsets.go.
//
// Version notes: v0 (offsets in ZooKeeper) was removed in Kafka 4
// (KIP-896); v2 adds a top-level error code (before it, group errors are
// reported on every partition); v5 the leader epoch; v6 is flexible; v7
// require_stable (KIP-447: wait for offsets still being written, and
// answer UNSTABLE_OFFSET_COMMIT per partition while a transactional
// commit for it is pending); v8
// several groups per request, each with its own error; v9 (KIP-848) the
// member id and epoch of a consumer-protocol member, checked against the
// group (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID). v10 (topic ids) is not
// served.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 9, handleOffsetFetch) }

func handleOffsetFetch(r *request, req *kmsg.OffsetFetchRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.OffsetFetchResponse))
	coord := r.broker.groups
	if r.version >= 8 {
		for _, g := range req.Groups {
			gr, err := coord.FetchOffsets(r.ctx, g, req.RequireStable)
			if err != nil {
				return nil, err
			}
			resp.Groups = append(resp.Groups, gr)
		}
		return resp, nil
	}
	g := kmsg.NewOffsetFetchRequestGroup()
	g.Group = req.Group
	if req.Topics != nil {
		g.Topics = []kmsg.OffsetFetchRequestGroupTopic{}
		for _, t := range req.Topics {
			gt := kmsg.NewOffsetFetchRequestGroupTopic()
			gt.Topic, gt.Partitions = t.Topic, t.Partitions
			g.Topics = append(g.Topics, gt)
		}
	}
	gr, err := coord.FetchOffsets(r.ctx, g, req.RequireStable)
	if err != nil {
		return nil, err
	}
	if gr.ErrorCode != 0 {
		if r.version >= 2 {
			resp.ErrorCode = gr.ErrorCode
			resp.Topics = []kmsg.OffsetFetchResponseTopic{}
			return resp, nil
		}
		// v1 has no top-level error: report it on every partition asked.
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetFetchResponseTopicPartition()
				rp.Partition, rp.Offset, rp.LeaderEpoch, rp.ErrorCode = p, -1, -1, gr.ErrorCode
				empty := ""
				rp.Metadata = &empty
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil
	}
	resp.Topics = []kmsg.OffsetFetchResponseTopic{}
	for _, gt := range gr.Topics {
		rt := kmsg.NewOffsetFetchResponseTopic()
		rt.Topic = gt.Topic
		for _, gp := range gt.Partitions {
			rp := kmsg.NewOffsetFetchResponseTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata, rp.ErrorCode = gp.Partition, gp.Offset, gp.LeaderEpoch, gp.Metadata, gp.ErrorCode
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
