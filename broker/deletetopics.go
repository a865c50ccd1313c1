package broker

// DeleteTopics (key 20), versions 1-6.
//
// Deletes topics by name, or from v6 by topic id (KIP-516). Every broker
// removes its replicas and their files. Errors per topic:
// UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID, INVALID_REQUEST for a
// topic named twice or given both a name and an id, and
// TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3) when
// delete.topic.enable is false. gregor refuses to delete its internal
// topics (__consumer_offsets), which the coordinators depend on.
// Version 0 was removed in Kafka 4 (KIP-896).

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 6, handleDeleteTopics) }

func handleDeleteTopics(r *request, req *kmsg.DeleteTopicsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.DeleteTopicsResponse))
	type target struct {
		name *string
		id   TopicID
	}
	var targets []target
	for _, n := range req.TopicNames {
		name := n
		targets = append(targets, target{name: &name})
	}
	if r.version >= 6 {
		for _, t := range req.Topics {
			targets = append(targets, target{name: t.Topic, id: t.TopicID})
		}
	}
	seenNames, seenIDs := map[string]int{}, map[TopicID]int{}
	for _, t := range targets {
		if t.name != nil {
			seenNames[*t.name]++
		} else {
			seenIDs[t.id]++
		}
	}
	for _, t := range targets {
		st := kmsg.NewDeleteTopicsResponseTopic()
		st.Topic, st.TopicID = t.name, t.id
		err := b.deleteOneTopic(r, t.name, t.id, seenNames, seenIDs)
		if err != nil {
			st.ErrorCode = kafkaerr.Code(err)
			if r.version >= 5 {
				st.ErrorMessage = kafkaerr.Message(err)
			}
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

func (b *Broker) deleteOneTopic(r *request, name *string, id TopicID, seenNames map[string]int, seenIDs map[TopicID]int) error {
	if !b.config.Bool("delete.topic.enable") {
		if r.version < 3 {
			return kafkaerr.New(kerr.InvalidRequest, "topic deletion is disabled")
		}
		return kafkaerr.New(kerr.TopicDeletionDisabled, "topic deletion is disabled (delete.topic.enable=false)")
	}
	switch {
	case name == nil && id == (TopicID{}):
		return kafkaerr.New(kerr.InvalidRequest, "neither topic name nor id were specified")
	case name != nil && id != (TopicID{}):
		return kafkaerr.New(kerr.InvalidRequest, "you may not specify both topic name and topic id")
	case name != nil && seenNames[*name] > 1:
		return kafkaerr.New(kerr.InvalidRequest, "duplicate topic name")
	case name == nil && seenIDs[id] > 1:
		return kafkaerr.New(kerr.InvalidRequest, "duplicate topic id")
	}
	im := b.cluster.ctl.current()
	var t *topicImage
	if name != nil {
		if t = im.topics[*name]; t == nil {
			return kafkaerr.New(kerr.UnknownTopicOrPartition, "topic %s does not exist", *name)
		}
	} else if t = im.topicIDs[id]; t == nil {
		return kafkaerr.New(kerr.UnknownTopicID, "topic id %s does not exist", id)
	}
	if t.internal {
		return kafkaerr.New(kerr.InvalidTopicException, "topic %s is internal to the cluster and cannot be deleted", t.name)
	}
	return b.cluster.ctl.deleteTopic(t.name)
}
