package broker

// DescribeConfigs (key 32), versions 0-4.
//
// Reports the configs of topics and brokers: each value, whether it is
// read-only or sensitive (sensitive values are null), and its source:
// TOPIC_CONFIG when set on the topic, DYNAMIC_BROKER_CONFIG or
// DYNAMIC_DEFAULT_BROKER_CONFIG when altered at runtime for this broker
// or for all (dynamicconfig.go), STATIC_BROKER_CONFIG when set on the
// broker at start, DEFAULT_CONFIG otherwise. include_synonyms adds
// the places a value could come from, most specific first (for a topic
// config, the broker configs it falls back to); v3 adds each config's
// type and, with include_documentation, a note where gregor departs from
// Kafka. An empty or null list of names asks for every config.
//
// A topic must exist (UNKNOWN_TOPIC_OR_PARTITION) and have a legal name
// (INVALID_TOPIC_EXCEPTION). A broker answers only for itself, by node id,
// or for the empty name, which lists the cluster-wide dynamic defaults
// that are set; another id is INVALID_REQUEST, as in Kafka's
// ConfigHelper.describeConfigs. A broker config is read-write when gregor
// applies it altered at runtime, read-only otherwise.
// Kafka 4 removed version 0 (KIP-896); gregor still serves it, as Kafka
// 3.x did, with is_default in place of the source.

import (
	"strconv"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 4, handleDescribeConfigs) }

// Config resource types, as in ConfigResource.Type.
const (
	resourceTopic        = 2
	resourceBroker       = 4
	resourceBrokerLogger = 8
)

func handleDescribeConfigs(r *request, req *kmsg.DescribeConfigsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeConfigsResponse))
	for _, res := range req.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		var names []string // nil: all
		if len(res.ConfigNames) > 0 {
			names = res.ConfigNames
		}
		entries, err := b.describeResource(res.ResourceType, res.ResourceName, names)
		if err != nil {
			out.ErrorCode = kafkaerr.Code(err)
			out.ErrorMessage = kafkaerr.Message(err)
		}
		for _, e := range entries {
			out.Configs = append(out.Configs, describeEntry(e, req.IncludeSynonyms, req.IncludeDocumentation))
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// describeResource returns the entries for one resource (names nil for
// all).
func (b *Broker) describeResource(kind kmsg.ConfigResourceType, name string, names []string) ([]config.Entry, error) {
	switch kind {
	case resourceTopic:
		if err := validateTopicName(name); err != nil {
			return nil, kafkaerr.New(kerr.InvalidTopicException, "%v", err)
		}
		t := b.cluster.ctl.current().topics[name]
		if t == nil {
			return nil, kafkaerr.New(kerr.UnknownTopicOrPartition, "topic %s does not exist", name)
		}
		entries, _ := b.config.Topic(t.configs).Describe(names)
		return entries, nil
	case resourceBroker:
		if name == "" {
			return b.config.DescribeClusterDefaults(names), nil
		}
		if err := b.checkBrokerResource(name); err != nil {
			return nil, err
		}
		entries, _ := b.config.Describe(names)
		return entries, nil
	case resourceBrokerLogger:
		return nil, kafkaerr.New(kerr.InvalidRequest, "broker logger configs are not implemented: gregor logs through the slog.Logger it is given")
	}
	return nil, kafkaerr.New(kerr.InvalidRequest, "unsupported resource type: %d", kind)
}

// checkBrokerResource accepts only this broker's own node id, as Kafka's
// ConfigAdminManager.validateResourceNameIsCurrentNodeId does.
func (b *Broker) checkBrokerResource(name string) error {
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return kafkaerr.New(kerr.InvalidRequest, "broker id must be an integer, but it is: %s", name)
	}
	if int32(id) != b.id {
		return kafkaerr.New(kerr.InvalidRequest, "unexpected broker id, expected %d or empty string, but received %s", b.id, name)
	}
	return nil
}

func describeEntry(e config.Entry, synonyms, documentation bool) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name = e.Name
	if !e.IsNull && !e.Sensitive {
		v := e.Value
		c.Value = &v
	}
	c.ReadOnly = e.ReadOnly
	c.Source = kmsg.ConfigSource(e.Source)
	c.IsSensitive = e.Sensitive
	c.ConfigType = kmsg.ConfigType(e.Type)
	if documentation && e.Note != "" {
		doc := "gregor: " + e.Note
		c.Documentation = &doc
	}
	if synonyms {
		for _, s := range e.Synonyms {
			cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			cs.Name = s.Name
			if !e.Sensitive {
				v := s.Value
				cs.Value = &v
			}
			cs.Source = kmsg.ConfigSource(s.Source)
			c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
		}
	}
	return c
}
