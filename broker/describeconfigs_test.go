package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/config"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const describeConfigsKey = 32

type wantConfig struct {
	value    string
	source   kmsg.ConfigSource
	synonyms []kadm.ConfigSynonym
}

func checkConfigs(t *testing.T, what string, got []kadm.Config, want map[string]wantConfig) {
	t.Helper()
	byName := map[string]kadm.Config{}
	for _, c := range got {
		byName[c.Key] = c
	}
	for name, w := range want {
		c, ok := byName[name]
		if !ok {
			t.Errorf("%s: %s not described", what, name)
			continue
		}
		if c.MaybeValue() != w.value || c.Source != w.source {
			t.Errorf("%s: %s = %q from %v, want %q from %v", what, name, c.MaybeValue(), c.Source, w.value, w.source)
		}
		if w.synonyms == nil {
			continue
		}
		if len(c.Synonyms) != len(w.synonyms) {
			t.Errorf("%s: %s synonyms %+v, want %+v", what, name, c.Synonyms, w.synonyms)
			continue
		}
		for i, s := range c.Synonyms {
			ws := w.synonyms[i]
			if s.Key != ws.Key || deref(s.Value) != deref(ws.Value) || s.Source != ws.Source {
				t.Errorf("%s: %s synonym %d: %s=%q from %v, want %s=%q from %v", what, name, i, s.Key, deref(s.Value), s.Source, ws.Key, deref(ws.Value), ws.Source)
			}
		}
	}
}

func synonym(key, value string, source kmsg.ConfigSource) kadm.ConfigSynonym {
	return kadm.ConfigSynonym{Key: key, Value: strp(value), Source: source}
}

func TestDescribeConfigsTopicValuesAndSources(t *testing.T) {
	c := startAPICluster(t, broker.Config("log.segment.bytes", "1048576"),
		broker.Topic("orders", 1, 1, map[string]string{"retention.ms": "60000", "segment.bytes": "2097152"}),
		broker.Topic("plain", 1, 1, nil))
	adm := apiAdmin(t, c)
	rcs, err := adm.DescribeTopicConfigs(apiCtx(t), "orders", "plain")
	if err != nil {
		t.Fatal(err)
	}
	byTopic := map[string]kadm.ResourceConfig{}
	for _, rc := range rcs {
		if rc.Err != nil {
			t.Fatalf("%s: %v", rc.Name, rc.Err)
		}
		byTopic[rc.Name] = rc
	}
	const (
		topicSrc   = kmsg.ConfigSourceDynamicTopicConfig
		staticSrc  = kmsg.ConfigSourceStaticBrokerConfig
		defaultSrc = kmsg.ConfigSourceDefaultConfig
	)
	checkConfigs(t, "orders", byTopic["orders"].Configs, map[string]wantConfig{
		// The topic's own value, then the broker synonyms from
		// log.retention.ms on (Kafka's ConfigHelper): none, since only
		// log.retention.hours has a value.
		"retention.ms": {"60000", topicSrc, []kadm.ConfigSynonym{synonym("retention.ms", "60000", topicSrc)}},
		"segment.bytes": {"2097152", topicSrc, []kadm.ConfigSynonym{
			synonym("segment.bytes", "2097152", topicSrc),
			synonym("log.segment.bytes", "1048576", staticSrc),
			synonym("log.segment.bytes", "1073741824", defaultSrc),
		}},
		"max.message.bytes": {"1048588", defaultSrc, []kadm.ConfigSynonym{synonym("message.max.bytes", "1048588", defaultSrc)}},
		"cleanup.policy":    {"delete", defaultSrc, nil},
	})
	checkConfigs(t, "plain", byTopic["plain"].Configs, map[string]wantConfig{
		"retention.ms": {"604800000", defaultSrc, nil},
		"segment.bytes": {"1048576", staticSrc, []kadm.ConfigSynonym{
			synonym("log.segment.bytes", "1048576", staticSrc),
			synonym("log.segment.bytes", "1073741824", defaultSrc),
		}},
	})
	if n := len(byTopic["plain"].Configs); n < 20 {
		t.Errorf("only %d topic configs described", n)
	}
}

func TestDescribeConfigsBroker(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Config("num.partitions", "6"))
	adm := apiAdmin(t, c)
	rcs, err := adm.DescribeBrokerConfigs(apiCtx(t), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rcs) != 2 {
		t.Fatalf("%d brokers described", len(rcs))
	}
	for _, rc := range rcs {
		if rc.Err != nil {
			t.Fatalf("broker %s: %v", rc.Name, rc.Err)
		}
		checkConfigs(t, "broker "+rc.Name, rc.Configs, map[string]wantConfig{
			"num.partitions": {"6", kmsg.ConfigSourceStaticBrokerConfig, []kadm.ConfigSynonym{
				synonym("num.partitions", "6", kmsg.ConfigSourceStaticBrokerConfig),
				synonym("num.partitions", "1", kmsg.ConfigSourceDefaultConfig),
			}},
			"default.replication.factor": {"1", kmsg.ConfigSourceDefaultConfig, nil},
			"node.id":                    {rc.Name, kmsg.ConfigSourceStaticBrokerConfig, nil},
		})
	}
}

// Types (v3+), documentation only when asked, subsets of names, and
// read-only broker configs.
func TestDescribeConfigsTypesAndNames(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	cl := pinnedClient(t, c, describeConfigsKey, 4)
	describe := func(kind kmsg.ConfigResourceType, name string, docs bool, names ...string) kmsg.DescribeConfigsResponseResource {
		req := kmsg.NewPtrDescribeConfigsRequest()
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName, res.ConfigNames = kind, name, names
		req.Resources = []kmsg.DescribeConfigsRequestResource{res}
		req.IncludeDocumentation = docs
		resp := sendTo[*kmsg.DescribeConfigsResponse](t, cl, 1, req)
		return resp.Resources[0]
	}
	wantTypes := map[string]kmsg.ConfigType{
		"unclean.leader.election.enable": kmsg.ConfigTypeBoolean,
		"compression.type":               kmsg.ConfigTypeString,
		"segment.bytes":                  kmsg.ConfigTypeInt,
		"retention.ms":                   kmsg.ConfigTypeLong,
		"min.cleanable.dirty.ratio":      kmsg.ConfigTypeDouble,
		"cleanup.policy":                 kmsg.ConfigTypeList,
		"preallocate":                    kmsg.ConfigTypeBoolean,
	}
	var names []string
	for n := range wantTypes {
		names = append(names, n)
	}
	res := describe(kmsg.ConfigResourceTypeTopic, "t", true, append(names, "no.such.config")...)
	if len(res.Configs) != len(wantTypes) {
		t.Fatalf("asked for %d names (one unknown), got %d configs", len(wantTypes)+1, len(res.Configs))
	}
	for _, cfg := range res.Configs {
		if cfg.ConfigType != wantTypes[cfg.Name] {
			t.Errorf("%s: type %v, want %v", cfg.Name, cfg.ConfigType, wantTypes[cfg.Name])
		}
		if cfg.ReadOnly || len(cfg.ConfigSynonyms) != 0 {
			t.Errorf("%s: read-only %v, %d synonyms unasked", cfg.Name, cfg.ReadOnly, len(cfg.ConfigSynonyms))
		}
		if cfg.Name == "preallocate" && cfg.Documentation == nil {
			t.Errorf("preallocate: no note on how gregor departs from Kafka")
		}
	}
	if res := describe(kmsg.ConfigResourceTypeTopic, "t", false, "preallocate"); res.Configs[0].Documentation != nil {
		t.Errorf("documentation given unasked: %q", *res.Configs[0].Documentation)
	}
	if all, empty := describe(kmsg.ConfigResourceTypeTopic, "t", false), describe(kmsg.ConfigResourceTypeTopic, "t", false, []string{}...); len(all.Configs) != len(empty.Configs) || len(all.Configs) < 20 {
		t.Errorf("null names: %d configs, empty names: %d", len(all.Configs), len(empty.Configs))
	}
	for _, cfg := range describe(kmsg.ConfigResourceTypeBroker, "1", false).Configs {
		if cfg.ReadOnly == config.IsDynamic(cfg.Name) {
			t.Errorf("broker config %s: read-only %v, but gregor applies it at runtime: %v", cfg.Name, cfg.ReadOnly, config.IsDynamic(cfg.Name))
		}
	}
	for _, name := range []string{"log.retention.ms", "log.cleaner.backoff.ms", "log.cleanup.policy"} {
		if !config.IsDynamic(name) {
			t.Errorf("%s is not dynamic", name)
		}
	}
	for _, name := range []string{"num.partitions", "log.retention.hours", "log.cleaner.enable", "num.io.threads", "listeners"} {
		if config.IsDynamic(name) {
			t.Errorf("%s is dynamic", name)
		}
	}
	if res := describe(kmsg.ConfigResourceTypeBroker, "", false); res.ErrorCode != 0 || len(res.Configs) != 0 {
		t.Errorf("cluster-wide dynamic defaults: error %d, %d configs", res.ErrorCode, len(res.Configs))
	}
}

func TestDescribeConfigsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2))
	cl := pinnedClient(t, c, describeConfigsKey, 4)
	for _, tc := range []struct {
		what string
		kind kmsg.ConfigResourceType
		name string
		want *kerr.Error
	}{
		{"unknown topic", kmsg.ConfigResourceTypeTopic, "missing", kerr.UnknownTopicOrPartition},
		{"illegal topic name", kmsg.ConfigResourceTypeTopic, "bad name", kerr.InvalidTopicException},
		{"another broker", kmsg.ConfigResourceTypeBroker, "2", kerr.InvalidRequest},
		{"broker name not a number", kmsg.ConfigResourceTypeBroker, "one", kerr.InvalidRequest},
		{"unknown resource type", 99, "x", kerr.InvalidRequest},
	} {
		req := kmsg.NewPtrDescribeConfigsRequest()
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName = tc.kind, tc.name
		req.Resources = []kmsg.DescribeConfigsRequestResource{res}
		resp := sendTo[*kmsg.DescribeConfigsResponse](t, cl, 1, req)
		r := resp.Resources[0]
		wantCode(t, tc.what, r.ErrorCode, tc.want)
		if r.ErrorMessage == nil || len(r.Configs) != 0 {
			t.Errorf("%s: message %v, %d configs", tc.what, r.ErrorMessage, len(r.Configs))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}
