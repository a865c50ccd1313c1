package broker

// Metadata (key 3), versions 0-12.
//
// Tells a client which brokers exist, which topics exist, and for each
// partition its leader, leader epoch (v7+), replicas, in-sync replicas and
// offline replicas (v5+). Clients send every produce and fetch to the
// partition's leader, so they refresh metadata whenever a broker answers
// NOT_LEADER_OR_FOLLOWER.
//
// Topic selection: v0 sends an empty list for "all topics"; from v1 a null
// list means all and an empty one none. From v10 topics carry ids
// (KIP-516) and from v12 a client may ask by id alone.
//
// Asking for a topic that does not exist creates it when
// auto.create.topics.enable is true and the request allows it (always
// before v4, allow_auto_topic_creation from v4), with num.partitions and
// default.replication.factor. Kafka answers such a topic with
// LEADER_NOT_AVAILABLE until the new metadata reaches the broker; in
// gregor the controller applies it before answering, so the topic comes
// back ready.
//
// Only live brokers are listed. The controller id is the lowest live
// broker: KRaft brokers report a broker there, since clients cannot reach
// the controller quorum directly.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 12, handleMetadata) }

// Authorized operations reported when asked (v8+) with no authorizer:
// everything is allowed, as in Kafka without one. With an authorizer
// they are computed from the ACLs (authz_describe.go).
const (
	topicAuthorizedOps   = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
	clusterAuthorizedOps = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
	notRequestedOps      = -2147483648
)

func handleMetadata(r *request, req *kmsg.MetadataRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.MetadataResponse))
	im := b.cluster.ctl.current()
	if r.version < 12 && !validTopicsBeforeV12(req.Topics) {
		// Kafka refuses the whole request (KafkaApis.handleTopicMetadataRequest)
		// and answers each topic with INVALID_REQUEST.
		for _, rt := range req.Topics {
			mt := kmsg.NewMetadataResponseTopic()
			mt.Topic, mt.TopicID = rt.Topic, rt.TopicID
			if mt.Topic == nil {
				mt.Topic = new(string)
			}
			mt.ErrorCode = kerr.InvalidRequest.Code
			resp.Topics = append(resp.Topics, mt)
		}
		return resp, nil
	}

	allTopics := req.Topics == nil || (r.version == 0 && len(req.Topics) == 0)
	autoCreate := b.config.Bool("auto.create.topics.enable") && (r.version < 4 || req.AllowAutoTopicCreation)

	if allTopics {
		for _, t := range im.sortedTopics() {
			resp.Topics = append(resp.Topics, topicMetadata(im, t, req.IncludeTopicAuthorizedOperations))
		}
	} else {
		for _, rt := range req.Topics {
			resp.Topics = append(resp.Topics, b.requestedTopicMetadata(r, &im, rt, autoCreate, req.IncludeTopicAuthorizedOperations))
		}
	}
	for _, id := range im.liveBrokers() {
		bi := im.brokers[id]
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Rack = bi.id, bi.rack
		mb.Host, mb.Port = r.advertised(bi)
		resp.Brokers = append(resp.Brokers, mb)
	}
	resp.ClusterID = &im.clusterID
	resp.ControllerID = im.controllerID
	if live := im.liveBrokers(); len(live) > 0 {
		resp.ControllerID = live[0]
	}
	resp.AuthorizedOperations = notRequestedOps
	if req.IncludeClusterAuthorizedOperations {
		resp.AuthorizedOperations = clusterAuthorizedOps
	}
	return resp, nil
}

// validTopicsBeforeV12 reports whether every topic is named by name
// alone: v10 and v11 carry a (nullable) topic id field but lookups by id
// only exist from v12.
func validTopicsBeforeV12(topics []kmsg.MetadataRequestTopic) bool {
	for _, rt := range topics {
		if rt.Topic == nil || rt.TopicID != [16]byte{} {
			return false
		}
	}
	return true
}

// requestedTopicMetadata answers for one topic asked by id or name, creating
// it if allowed. im is refreshed after a creation.
func (b *Broker) requestedTopicMetadata(r *request, im **image, rt kmsg.MetadataRequestTopic, autoCreate, includeOps bool) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	mt.AuthorizedOperations = notRequestedOps
	// A topic id wins over the name, as in Kafka: the Java consumer asks for
	// the topics of a KIP-848 assignment by id with an empty name, not null.
	if rt.Topic == nil || rt.TopicID != [16]byte{} {
		mt.TopicID = rt.TopicID
		t := (*im).topicIDs[rt.TopicID]
		if t == nil {
			mt.ErrorCode = kerr.UnknownTopicID.Code
			return mt
		}
		return topicMetadata(*im, t, includeOps)
	}
	name := *rt.Topic
	mt.Topic = rt.Topic
	if t := (*im).topics[name]; t != nil {
		return topicMetadata(*im, t, includeOps)
	}
	if err := validateTopicName(name); err != nil {
		mt.ErrorCode = kerr.InvalidTopicException.Code
		return mt
	}
	if !autoCreate || isInternalTopic(name) {
		mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
		return mt
	}
	_, err := b.cluster.ctl.createTopic(topicSpec{name: name, partitions: -1, replicationFactor: -1}, false)
	*im = b.cluster.ctl.current()
	if t := (*im).topics[name]; t != nil {
		return topicMetadata(*im, t, includeOps)
	}
	mt.ErrorCode = kafkaerr.Code(err)
	b.logger.Info("auto-creating topic failed", "topic", name, "error", err)
	return mt
}

func topicMetadata(im *image, t *topicImage, includeOps bool) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.name
	mt.Topic = &name
	mt.TopicID = t.id
	mt.IsInternal = t.internal
	mt.AuthorizedOperations = notRequestedOps
	if includeOps {
		mt.AuthorizedOperations = topicAuthorizedOps
	}
	for i, p := range t.partitions {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = int32(i)
		mp.Leader = p.leader
		mp.LeaderEpoch = p.leaderEpoch
		mp.Replicas = append([]int32(nil), p.replicas...)
		mp.ISR = append([]int32(nil), p.isr...)
		mp.OfflineReplicas = offlineReplicas(im, p)
		if p.leader < 0 {
			mp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}

// offlineReplicas lists the replicas on brokers that are not running.
func offlineReplicas(im *image, p *partitionImage) []int32 {
	out := []int32{}
	for _, id := range p.replicas {
		if bi := im.brokers[id]; bi == nil || bi.fenced {
			out = append(out, id)
		}
	}
	return out
}
