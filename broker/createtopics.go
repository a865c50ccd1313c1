package broker

// CreateTopics (key 19), versions 0-7.
//
// Creates topics with a partition count and replication factor (-1 for
// the broker defaults num.partitions and default.replication.factor, v4+)
// or an explicit replica assignment, and topic configs. validate_only
// (v1+) checks everything and creates nothing. Errors per topic:
// TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
// INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG, INVALID_TOPIC_EXCEPTION for
// an illegal name, INVALID_REQUEST for a topic named twice. From v5 the
// response carries the topic id, partition count, replication factor and
// effective configs.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 7, handleCreateTopics) }

func handleCreateTopics(r *request, req *kmsg.CreateTopicsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.CreateTopicsResponse))
	counts := map[string]int{}
	for _, rt := range req.Topics {
		counts[rt.Topic]++
	}
	for _, rt := range req.Topics {
		st := kmsg.NewCreateTopicsResponseTopic()
		st.Topic = rt.Topic
		st.NumPartitions, st.ReplicationFactor = -1, -1
		fail := func(err error) {
			st.ErrorCode = kafkaerr.Code(err)
			if r.version >= 1 {
				st.ErrorMessage = kafkaerr.Message(err)
			}
		}
		if counts[rt.Topic] > 1 {
			fail(kafkaerr.New(kerr.InvalidRequest, "create topics request must not contain duplicate topics; %s appears %d times", rt.Topic, counts[rt.Topic]))
			resp.Topics = append(resp.Topics, st)
			continue
		}
		spec := topicSpec{name: rt.Topic, partitions: rt.NumPartitions, replicationFactor: rt.ReplicationFactor, configs: map[string]string{}}
		if len(rt.ReplicaAssignment) > 0 {
			assignment, err := orderAssignment(rt.ReplicaAssignment)
			if err != nil {
				fail(err)
				resp.Topics = append(resp.Topics, st)
				continue
			}
			spec.assignment = assignment
		}
		for _, c := range rt.Configs {
			if c.Value == nil {
				continue
			}
			spec.configs[c.Name] = *c.Value
		}
		t, err := b.cluster.ctl.createTopic(spec, req.ValidateOnly)
		if err != nil {
			fail(err)
			resp.Topics = append(resp.Topics, st)
			continue
		}
		st.TopicID = t.id
		if req.ValidateOnly {
			st.TopicID = TopicID{}
		}
		st.NumPartitions = int32(len(t.partitions))
		st.ReplicationFactor = int16(len(t.partitions[0].replicas))
		if r.version >= 5 {
			entries, _ := b.config.Topic(t.configs).Describe(nil)
			for _, e := range entries {
				c := kmsg.NewCreateTopicsResponseTopicConfig()
				c.Name = e.Name
				if !e.IsNull {
					v := e.Value
					c.Value = &v
				}
				c.ReadOnly = e.ReadOnly
				c.Source = int8(e.Source)
				c.IsSensitive = e.Sensitive
				st.Configs = append(st.Configs, c)
			}
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

// orderAssignment turns the request's per-partition replica lists into a
// list indexed by partition, which must number 0..n-1 without gaps.
func orderAssignment(in []kmsg.CreateTopicsRequestTopicReplicaAssignment) ([][]int32, error) {
	out := make([][]int32, len(in))
	for _, a := range in {
		if a.Partition < 0 || int(a.Partition) >= len(in) || out[a.Partition] != nil {
			return nil, kafkaerr.New(kerr.InvalidReplicaAssignment, "partitions should be consecutive and start from 0; got partition %d among %d", a.Partition, len(in))
		}
		out[a.Partition] = a.Replicas
		if out[a.Partition] == nil {
			out[a.Partition] = []int32{}
		}
	}
	return out, nil
}
