package broker

// DescribeConfigs (key 32), versions 1-4.
//
// Reports the configs of topics and brokers: each value, whether it is
// read-only or sensitive, and (v1+) its source, TOPIC_CONFIG when set on
// the topic, STATIC_BROKER_CONFIG when set on the broker at start,
// DEFAULT_CONFIG otherwise, with synonyms (the broker configs a topic
// config falls back to) when asked. v3 adds each config's type.
//
// Broker resources are named by node id; the empty name asks for the
// cluster-wide dynamic defaults, of which gregor has none.

import (
	"strconv"

	"github.com/gregorkafka/gregor/config"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 4, handleDescribeConfigs) }

// Config resource types, as in ConfigResource.Type.
const (
	resourceTopic        = 2
	resourceBroker       = 4
	resourceBrokerLogger = 8
)

func handleDescribeConfigs(r *request, req *kmsg.DescribeConfigsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeConfigsResponse))
	im := b.cluster.ctl.current()
	for _, res := range req.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		var names []string
		if res.ConfigNames != nil {
			names = res.ConfigNames
		}
		var entries []config.Entry
		switch res.ResourceType {
		case resourceTopic:
			t := im.topics[res.ResourceName]
			if t == nil {
				out.ErrorCode = kerr.UnknownTopicOrPartition.Code
				msg := "topic " + res.ResourceName + " does not exist"
				out.ErrorMessage = &msg
				break
			}
			entries, _ = b.config.Topic(t.configs).Describe(names)
		case resourceBroker:
			if res.ResourceName == "" {
				break
			}
			id, err := strconv.Atoi(res.ResourceName)
			target := b.cluster.Broker(int32(id))
			if err != nil || target == nil {
				out.ErrorCode = kerr.InvalidRequest.Code
				msg := "unknown broker id " + res.ResourceName
				out.ErrorMessage = &msg
				break
			}
			entries, _ = target.config.Describe(names)
		case resourceBrokerLogger:
			out.ErrorCode = kerr.InvalidRequest.Code
			msg := "broker logger configs are not implemented: gregor logs through the slog.Logger it is given"
			out.ErrorMessage = &msg
		default:
			out.ErrorCode = kerr.InvalidRequest.Code
			msg := "unsupported resource type " + strconv.Itoa(int(res.ResourceType))
			out.ErrorMessage = &msg
		}
		for _, e := range entries {
			out.Configs = append(out.Configs, describeEntry(r.version, e, req.IncludeSynonyms))
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

func describeEntry(version int16, e config.Entry, synonyms bool) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name = e.Name
	if !e.IsNull {
		v := e.Value
		c.Value = &v
	}
	c.ReadOnly = e.ReadOnly
	c.IsDefault = e.Source == config.SourceDefault
	c.Source = kmsg.ConfigSource(e.Source)
	c.IsSensitive = e.Sensitive
	c.ConfigType = kmsg.ConfigType(e.Type)
	if e.Note != "" {
		doc := "gregor: " + e.Note
		c.Documentation = &doc
	}
	if synonyms && version >= 1 {
		for _, s := range e.Synonyms {
			cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			cs.Name = s.Name
			v := s.Value
			cs.Value = &v
			cs.Source = kmsg.ConfigSource(s.Source)
			c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
		}
	}
	return c
}
