package broker_test

// Effective configs and per-topic replication metrics from Go.

import (
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/config"
	"github.com/twmb/franz-go/pkg/kadm"
)

// Config and TopicConfig agree with what DescribeConfigs tells a client:
// Kafka's defaults, the options' settings, and a topic's own overrides
// and fallbacks.
func TestConfigAndTopicConfigMatchDescribeConfigs(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Config("log.retention.hours", "1"),
		broker.Topic("cfg", 1, 2, map[string]string{"cleanup.policy": "compact"}))
	adm := apiAdmin(t, c)

	if v, err := c.Config("broker.session.timeout.ms"); err != nil || v != "9000" {
		t.Fatalf("broker.session.timeout.ms = %q, %v; want Kafka's 9000", v, err)
	}
	brokerCfgs, err := adm.DescribeBrokerConfigs(apiCtx(t), 2)
	mustDo(t, err)
	for _, name := range []string{"broker.session.timeout.ms", "log.retention.hours", "num.partitions"} {
		want := describedValue(t, brokerCfgs[0], name)
		got, err := c.Config(name)
		mustDo(t, err)
		if got != want {
			t.Errorf("Config(%s) = %q, DescribeConfigs says %q", name, got, want)
		}
	}
	if v, err := c.BrokerConfig(2, "node.id"); err != nil || v != "2" {
		t.Errorf("BrokerConfig(2, node.id) = %q, %v", v, err)
	}

	topicCfgs, err := adm.DescribeTopicConfigs(apiCtx(t), "cfg")
	mustDo(t, err)
	for name, wantSource := range map[string]config.Source{
		"cleanup.policy": config.SourceTopic,
		"retention.ms":   config.SourceStaticBroker, // from log.retention.hours
		"segment.bytes":  config.SourceDefault,
	} {
		want := describedValue(t, topicCfgs[0], name)
		got, src, err := c.TopicConfig("cfg", name)
		mustDo(t, err)
		if got != want || src != wantSource {
			t.Errorf("TopicConfig(cfg, %s) = %q from %v; DescribeConfigs says %q, want source %v", name, got, src, want, wantSource)
		}
	}
	if v, _, _ := c.TopicConfig("cfg", "retention.ms"); v != "3600000" {
		t.Errorf("retention.ms = %s, want one hour", v)
	}
}

func TestConfigRefusesUnknownNames(t *testing.T) {
	c := startAPICluster(t, broker.Topic("cfg", 1, 1, nil))
	for what, err := range map[string]error{
		"unknown broker config": second(c.Config("no.such.config")),
		"per-broker config":     second(c.Config("node.id")),
		"unknown broker":        second(c.BrokerConfig(7, "node.id")),
		"unknown topic":         third(c.TopicConfig("nope", "retention.ms")),
		"unknown topic config":  third(c.TopicConfig("cfg", "no.such.config")),
	} {
		if err == nil {
			t.Errorf("%s: no error", what)
		}
	}
	if _, err := c.Config("node.id"); err == nil || !strings.Contains(err.Error(), "BrokerConfig") {
		t.Errorf("Config(node.id): %v, want a pointer to BrokerConfig", err)
	}
}

func describedValue(t *testing.T, rc kadm.ResourceConfig, name string) string {
	t.Helper()
	for _, c := range rc.Configs {
		if c.Key == name {
			return c.MaybeValue()
		}
	}
	t.Fatalf("DescribeConfigs of %s did not report %s", rc.Name, name)
	return ""
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// Per-topic figures leave __consumer_offsets and other topics out.
func TestTopicReplicationMetricsSplitsTopics(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2),
		broker.TopicAssignment("one", [][]int32{{1, 2}, {2, 1}}, nil),
		broker.TopicAssignment("two", [][]int32{{1, 2}}, nil))
	cl := apiClient(t, c)
	adm := kadm.NewClient(cl)
	_, err := adm.CommitOffsets(apiCtx(t), "g", kadm.Offsets{"one": {0: {Topic: "one", Partition: 0, At: 0, LeaderEpoch: -1}}})
	mustDo(t, err) // creates __consumer_offsets
	mustDo(t, c.StopBroker(2))

	one, err := c.TopicReplicationMetrics("one")
	mustDo(t, err)
	if one.UnderReplicatedPartitions != 2 || one.OfflinePartitions != 0 {
		t.Fatalf("topic one: %+v, want 2 under-replicated, none offline", one)
	}
	user := c.UserReplicationMetrics()
	if user.UnderReplicatedPartitions != 3 {
		t.Fatalf("user topics: %+v, want 3 under-replicated", user)
	}
	all := c.ReplicationMetrics()
	if all.UnderReplicatedPartitions <= user.UnderReplicatedPartitions {
		t.Fatalf("cluster-wide %d under-replicated, want more than the user topics' %d (__consumer_offsets counts)", all.UnderReplicatedPartitions, user.UnderReplicatedPartitions)
	}
	if _, err := c.TopicReplicationMetrics("nope"); err == nil {
		t.Fatal("TopicReplicationMetrics of an unknown topic returned no error")
	}
}
