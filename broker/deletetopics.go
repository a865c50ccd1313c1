package broker

// DeleteTopics (key 20), versions 0-6.
//
// Deletes topics by name, or from v6 by topic id (KIP-516). Every broker
// removes its replicas and their files; a topic later created with the
// same name gets a new id and an empty log. Each topic is answered once,
// with its name and id (v6), following Kafka's ControllerApis.deleteTopics:
//
//	UNKNOWN_TOPIC_OR_PARTITION  no topic of that name
//	UNKNOWN_TOPIC_ID            no topic with that id
//	INVALID_REQUEST             a name or id given twice, both a name and
//	                            an id in one entry, neither, or a name whose
//	                            id is also given
//	TOPIC_DELETION_DISABLED     delete.topic.enable=false (INVALID_REQUEST
//	                            before v3)
//
// gregor refuses to delete its internal topics (__consumer_offsets),
// which the coordinators depend on. Kafka 4 removed version 0 (KIP-896);
// gregor still serves it, as Kafka 3.x did, for older clients (kafka-go's
// Conn.DeleteTopics sends v0).

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 6, handleDeleteTopics) }

// deleteTarget is one topic of the request, by name or by id.
type deleteTarget struct {
	name *string
	id   TopicID
}

func handleDeleteTopics(r *request, req *kmsg.DeleteTopicsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.DeleteTopicsResponse))
	var targets []deleteTarget
	for _, n := range req.TopicNames {
		targets = append(targets, deleteTarget{name: &n})
	}
	if r.version >= 6 {
		for _, t := range req.Topics {
			targets = append(targets, deleteTarget{name: t.Topic, id: t.TopicID})
		}
	}
	answer := func(name *string, id TopicID, err error) {
		st := kmsg.NewDeleteTopicsResponseTopic()
		st.Topic, st.TopicID = name, id
		st.ErrorCode = kafkaerr.Code(err)
		if r.version >= 5 {
			st.ErrorMessage = kafkaerr.Message(err)
		}
		resp.Topics = append(resp.Topics, st)
	}
	if !b.config.Bool("delete.topic.enable") {
		err := kafkaerr.New(kerr.TopicDeletionDisabled, "topic deletion is disabled (delete.topic.enable=false)")
		if r.version < 3 {
			err = kafkaerr.New(kerr.InvalidRequest, "topic deletion is disabled (delete.topic.enable=false)")
		}
		for _, t := range targets {
			answer(t.name, t.id, err)
		}
		return resp, nil
	}

	names, ids := map[string]int{}, map[TopicID]int{}
	for _, t := range targets {
		switch {
		case t.name != nil && t.id == (TopicID{}):
			names[*t.name]++
		case t.name == nil && t.id != (TopicID{}):
			ids[t.id]++
		}
	}
	answeredNames, answeredIDs := map[string]bool{}, map[TopicID]bool{}
	for _, t := range targets {
		switch {
		case t.name == nil && t.id == (TopicID{}):
			answer(nil, t.id, kafkaerr.New(kerr.InvalidRequest, "neither topic name nor id were specified"))
		case t.name != nil && t.id != (TopicID{}):
			answer(t.name, t.id, kafkaerr.New(kerr.InvalidRequest, "you may not specify both topic name and topic id"))
		case t.name != nil:
			if answeredNames[*t.name] {
				continue
			}
			answeredNames[*t.name] = true
			if names[*t.name] > 1 {
				answer(t.name, TopicID{}, kafkaerr.New(kerr.InvalidRequest, "duplicate topic name %s", *t.name))
				continue
			}
			ti := b.cluster.ctl.current().topics[*t.name]
			if ti != nil && ids[ti.id] > 0 {
				// The topic is also named by id: neither entry deletes it.
				answeredIDs[ti.id] = true
				answer(t.name, ti.id, kafkaerr.New(kerr.InvalidRequest, "the provided topic name maps to an ID that was already supplied"))
				continue
			}
			_, id, err := b.deleteTopic(ti, kafkaerr.New(kerr.UnknownTopicOrPartition, "topic %s does not exist", *t.name))
			answer(t.name, id, err)
		default:
			if answeredIDs[t.id] {
				continue
			}
			answeredIDs[t.id] = true
			if ids[t.id] > 1 {
				answer(nil, t.id, kafkaerr.New(kerr.InvalidRequest, "duplicate topic id %s", t.id))
				continue
			}
			ti := b.cluster.ctl.current().topicIDs[t.id]
			name, id, err := b.deleteTopic(ti, kafkaerr.New(kerr.UnknownTopicID, "topic id %s does not exist", t.id))
			if ti == nil {
				id = t.id
			}
			answer(name, id, err)
		}
	}
	return resp, nil
}

// deleteTopic deletes t, or returns notFound when t is nil. It returns
// the topic's name and id for the answer.
func (b *Broker) deleteTopic(t *topicImage, notFound error) (*string, TopicID, error) {
	if t == nil {
		return nil, TopicID{}, notFound
	}
	name := t.name
	if t.internal {
		return &name, t.id, kafkaerr.New(kerr.InvalidTopicException, "topic %s is internal to the cluster and cannot be deleted", t.name)
	}
	return &name, t.id, b.cluster.ctl.deleteTopic(t.name)
}
