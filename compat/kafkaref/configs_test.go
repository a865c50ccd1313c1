package kafkaref

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Every broker config and every topic config that Kafka describes, by
// name, with its default value, type, sensitivity and read-only flag
// (read-write: it can be altered at runtime), compared with gregor's. A value is compared only where both sides report it as a
// default (source DEFAULT_CONFIG): the reference Kafka's server.properties
// sets its listeners, directories and node id, and gregor.Start sets
// group.initial.rebalance.delay.ms=0, as the reference Kafka does.

const configDifferences = "testdata/config-differences.txt"

func TestConfigNamesAndDefaultsMatchKafka(t *testing.T) {
	p := newPair(t)
	al := readAllowList(t, configDifferences)
	t.Run("broker", func(t *testing.T) {
		kafkaBroker := describeAll(t, p, 4, "1", true)
		diffs := diffConfigs("broker", kafkaBroker, describeAll(t, p, 4, "1", false))
		addSection(sectionConfigs, fmt.Sprintf("### Broker\n\n%d configs described by Kafka, %d differences.\n\n%s\n",
			len(kafkaBroker), len(diffs), al.check(t, configDifferences, "broker/", diffs)))
	})
	t.Run("topic", func(t *testing.T) {
		for _, side := range []bool{true, false} {
			createTopic(t, p, side, "configs", 1, 1, nil)
		}
		kafkaTopic := describeAll(t, p, 2, "configs", true)
		diffs := diffConfigs("topic", kafkaTopic, describeAll(t, p, 2, "configs", false))
		addSection(sectionConfigs, fmt.Sprintf("### Topic\n\n%d configs described by Kafka, %d differences.\n\n%s\n",
			len(kafkaTopic), len(diffs), al.check(t, configDifferences, "topic/", diffs)))
	})
}

type describedConfig struct {
	value     string
	isDefault bool
	source    kmsg.ConfigSource
	typ       kmsg.ConfigType
	sensitive bool
	readOnly  bool
}

func describeAll(t *testing.T, p *pair, kind kmsg.ConfigResourceType, name string, kafka bool) map[string]describedConfig {
	t.Helper()
	req := kmsg.NewPtrDescribeConfigsRequest()
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType, res.ResourceName = kind, name
	req.Resources = append(req.Resources, res)
	cl := p.gregor
	if kafka {
		cl = p.kafka
	}
	resp, err := req.RequestWith(p.ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Resources) != 1 || resp.Resources[0].ErrorCode != 0 {
		t.Fatalf("DescribeConfigs %s (kafka=%v): %+v", name, kafka, resp.Resources)
	}
	out := map[string]describedConfig{}
	for _, c := range resp.Resources[0].Configs {
		v := "<null>"
		if c.Value != nil {
			v = *c.Value
		}
		out[c.Name] = describedConfig{
			value: v, source: c.Source, typ: c.ConfigType, sensitive: c.IsSensitive,
			isDefault: c.Source == kmsg.ConfigSourceDefaultConfig, readOnly: c.ReadOnly,
		}
	}
	return out
}

func diffConfigs(kind string, kafka, gregor map[string]describedConfig) []difference {
	var diffs []difference
	for name, k := range kafka {
		g, ok := gregor[name]
		key := kind + "/" + name
		switch {
		case !ok:
			diffs = append(diffs, difference{key + "/missing", k.value, "-"})
			continue
		case k.isDefault && g.isDefault && k.value != g.value:
			diffs = append(diffs, difference{key + "/default", k.value, g.value})
		}
		if k.typ != g.typ {
			diffs = append(diffs, difference{key + "/type", k.typ.String(), g.typ.String()})
		}
		if k.sensitive != g.sensitive {
			diffs = append(diffs, difference{key + "/sensitive", fmt.Sprint(k.sensitive), fmt.Sprint(g.sensitive)})
		}
		if k.readOnly != g.readOnly {
			diffs = append(diffs, difference{key + "/readonly", fmt.Sprint(k.readOnly), fmt.Sprint(g.readOnly)})
		}
	}
	for name, g := range gregor {
		if _, ok := kafka[name]; !ok {
			diffs = append(diffs, difference{kind + "/" + name + "/extra", "-", g.value})
		}
	}
	return diffs
}

// createTopic creates a topic on one side and fails t unless it worked.
func createTopic(t *testing.T, p *pair, kafka bool, name string, partitions int32, rf int16, configs map[string]string) {
	t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, rf
	for k, v := range configs {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = k, kmsg.StringPtr(v)
		rt.Configs = append(rt.Configs, c)
	}
	req.Topics = append(req.Topics, rt)
	cl := p.gregor
	if kafka {
		cl = p.kafka
	}
	resp, err := req.RequestWith(p.ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if code := resp.Topics[0].ErrorCode; code != 0 && code != 36 { // 36: TOPIC_ALREADY_EXISTS
		t.Fatalf("creating %s (kafka=%v): error code %d", name, kafka, code)
	}
}
