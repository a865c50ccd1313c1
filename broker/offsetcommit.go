package broker

// OffsetCommit (key 8), versions 2-9.
//
// A consumer records how far it got: per partition, the offset of the
// next record to read, with optional metadata (see package group,
// offsets.go). The commit is a record in __consumer_offsets, answered
// once replicated. Partitions of topics that do not exist get
// UNKNOWN_TOPIC_OR_PARTITION from this broker before the coordinator is
// asked, as in Kafka; everything else is the coordinator's: generation
// and member checks (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, STALE_MEMBER_EPOCH),
// OFFSET_METADATA_TOO_LARGE above offset.metadata.max.bytes.
//
// Version notes: v0-v1 were removed in Kafka 4 (KIP-896); v2-v4 carry a
// retention time; v5 drops it; v6 adds the leader epoch; v7
// group.instance.id; v8 is flexible; v9 (KIP-848) accepts a consumer
// group's member epoch as the generation and answers GROUP_ID_NOT_FOUND
// for an unknown group. v10 (topic ids) is not served.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(2, 9, handleOffsetCommit) }

func handleOffsetCommit(r *request, req *kmsg.OffsetCommitRequest) (kmsg.Response, error) {
	im := r.broker.cluster.ctl.current()
	var unknown []kmsg.OffsetCommitResponseTopic
	known := *req
	known.Topics = nil
	for _, t := range req.Topics {
		ti := im.topics[t.Topic]
		kt := t
		kt.Partitions = nil
		ut := kmsg.NewOffsetCommitResponseTopic()
		ut.Topic = t.Topic
		for _, p := range t.Partitions {
			if ti == nil || p.Partition < 0 || int(p.Partition) >= len(ti.partitions) {
				up := kmsg.NewOffsetCommitResponseTopicPartition()
				up.Partition, up.ErrorCode = p.Partition, kerr.UnknownTopicOrPartition.Code
				ut.Partitions = append(ut.Partitions, up)
				continue
			}
			kt.Partitions = append(kt.Partitions, p)
		}
		if len(ut.Partitions) > 0 {
			unknown = append(unknown, ut)
		}
		if len(kt.Partitions) > 0 {
			known.Topics = append(known.Topics, kt)
		}
	}
	resp := responseFor(r, req.ResponseKind().(*kmsg.OffsetCommitResponse))
	resp.Topics = unknown
	if len(known.Topics) == 0 {
		return resp, nil
	}
	cr, err := r.broker.groups.CommitOffsets(r.ctx, &known)
	if err != nil {
		return nil, err
	}
	resp.Topics = append(resp.Topics, cr.Topics...)
	return resp, nil
}
