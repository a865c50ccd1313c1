package broker

// CreateTopics (key 19), versions 0-7.
//
// Creates topics with a partition count and replication factor (-1 for
// the broker defaults num.partitions and default.replication.factor, v4+)
// or an explicit replica assignment, and topic configs. validate_only
// checks everything and creates nothing. Errors per topic, checked in
// Kafka's order (ReplicationControlManager.createTopics):
//
//	INVALID_TOPIC_EXCEPTION     an illegal name, or one that collides with
//	                            an existing topic once '.' and '_' are alike
//	TOPIC_ALREADY_EXISTS
//	INVALID_CONFIG              an unknown config, a bad or null value
//	INVALID_REQUEST             an assignment together with a partition
//	                            count or replication factor
//	INVALID_REPLICA_ASSIGNMENT  unknown or repeated brokers, uneven replica
//	                            counts, partitions not numbered 0..n-1
//	INVALID_REPLICATION_FACTOR  0, below -1, or more than there are brokers
//	INVALID_PARTITIONS          0 or below -1
//
// A topic named twice in one request gets a single INVALID_REQUEST answer
// and is not created (ControllerApis.createTopics). From v5 the response
// carries the partition count, replication factor and effective configs,
// from v7 the topic id. Kafka 4 removed versions 0-1 (KIP-896); gregor
// still serves them, as Kafka 3.x did, because they differ only by the
// fields they lack and older clients use them (kafka-go's Conn.CreateTopics
// sends v0).

import (
	"slices"
	"strings"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 7, handleCreateTopics) }

func handleCreateTopics(r *request, req *kmsg.CreateTopicsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.CreateTopicsResponse))
	counts := countNames(req.Topics, func(t kmsg.CreateTopicsRequestTopic) string { return t.Topic })
	answered := map[string]bool{}
	for _, rt := range req.Topics {
		if answered[rt.Topic] {
			continue // one answer per name
		}
		answered[rt.Topic] = true
		st := kmsg.NewCreateTopicsResponseTopic()
		st.Topic = rt.Topic
		st.NumPartitions, st.ReplicationFactor = -1, -1
		var err error
		if counts[rt.Topic] > 1 {
			err = kafkaerr.New(kerr.InvalidRequest, "duplicate topic name: %s appears %d times in the request", rt.Topic, counts[rt.Topic])
		} else {
			err = b.createOneTopic(r.version, req.ValidateOnly, rt, &st)
		}
		if err != nil {
			st.ErrorCode = kafkaerr.Code(err)
			st.ErrorMessage = kafkaerr.Message(err)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

// createOneTopic creates (or validates) one topic and fills in its answer.
func (b *Broker) createOneTopic(version int16, validateOnly bool, rt kmsg.CreateTopicsRequestTopic, st *kmsg.CreateTopicsResponseTopic) error {
	spec := topicSpec{name: rt.Topic, partitions: rt.NumPartitions, replicationFactor: rt.ReplicationFactor, configs: map[string]string{}}
	var nullConfigs []string
	for _, c := range rt.Configs {
		if c.Value == nil {
			nullConfigs = append(nullConfigs, c.Name)
			continue
		}
		spec.configs[c.Name] = *c.Value
	}
	if err := b.checkCreateRequest(rt, spec.configs, nullConfigs); err != nil {
		return err
	}
	if len(rt.ReplicaAssignment) > 0 {
		assignment, err := orderAssignment(rt.ReplicaAssignment)
		if err != nil {
			return err
		}
		spec.assignment = assignment
	}
	t, err := b.cluster.ctl.createTopic(spec, validateOnly)
	if err != nil {
		return err
	}
	if !validateOnly {
		st.TopicID = t.id
	}
	st.NumPartitions = int32(len(t.partitions))
	st.ReplicationFactor = int16(len(t.partitions[0].replicas))
	if version >= 5 {
		entries, _ := b.config.Topic(t.configs).Describe(nil)
		for _, e := range entries {
			c := kmsg.NewCreateTopicsResponseTopicConfig()
			c.Name = e.Name
			if !e.IsNull && !e.Sensitive {
				v := e.Value
				c.Value = &v
			}
			c.ReadOnly = e.ReadOnly
			c.Source = int8(e.Source)
			c.IsSensitive = e.Sensitive
			st.Configs = append(st.Configs, c)
		}
	}
	return nil
}

// checkCreateRequest applies the checks Kafka makes on the request
// itself before placing replicas; the controller checks the rest against
// the cluster (names, existing topics, config values, brokers).
func (b *Broker) checkCreateRequest(rt kmsg.CreateTopicsRequestTopic, configs map[string]string, nullConfigs []string) error {
	im := b.cluster.ctl.current()
	if validateTopicName(rt.Topic) != nil || im.topics[rt.Topic] != nil || im.collidingTopic(rt.Topic) != "" {
		return nil // the controller reports these first
	}
	if len(nullConfigs) > 0 {
		return kafkaerr.New(kerr.InvalidConfig, "null value not supported for topic configs: %s", strings.Join(nullConfigs, ","))
	}
	if _, err := config.ValidateTopic(configs); err != nil {
		return nil // and bad config values
	}
	if len(rt.ReplicaAssignment) > 0 {
		if rt.ReplicationFactor != -1 {
			return kafkaerr.New(kerr.InvalidRequest, "a manual partition assignment was specified, but replication factor was not set to -1")
		}
		if rt.NumPartitions != -1 {
			return kafkaerr.New(kerr.InvalidRequest, "a manual partition assignment was specified, but numPartitions was not set to -1")
		}
		return nil
	}
	if rt.ReplicationFactor < -1 || rt.ReplicationFactor == 0 {
		return kafkaerr.New(kerr.InvalidReplicationFactor, "replication factor must be larger than 0, or -1 to use the default value")
	}
	if rt.NumPartitions < -1 || rt.NumPartitions == 0 {
		return kafkaerr.New(kerr.InvalidPartitions, "number of partitions was set to an invalid non-positive value")
	}
	return nil
}

// orderAssignment turns the request's per-partition replica lists into a
// list indexed by partition, which must number 0..n-1 without gaps.
func orderAssignment(in []kmsg.CreateTopicsRequestTopicReplicaAssignment) ([][]int32, error) {
	out := make([][]int32, len(in))
	for _, a := range in {
		if a.Partition >= 0 && int(a.Partition) < len(in) && out[a.Partition] != nil {
			return nil, kafkaerr.New(kerr.InvalidReplicaAssignment, "found multiple manual partition assignments for partition %d", a.Partition)
		}
		if a.Partition < 0 || int(a.Partition) >= len(in) {
			return nil, kafkaerr.New(kerr.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence; got partition %d among %d", a.Partition, len(in))
		}
		out[a.Partition] = slices.Clone(a.Replicas)
		if out[a.Partition] == nil {
			out[a.Partition] = []int32{}
		}
	}
	return out, nil
}
