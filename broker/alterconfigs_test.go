package broker_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func topicConfig(t *testing.T, adm *kadm.Client, topic, name string) kadm.Config {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(apiCtx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rcs[0].Configs {
		if c.Key == name {
			return c
		}
	}
	t.Fatalf("%s has no config %s", topic, name)
	return kadm.Config{}
}

func alterOK(t *testing.T, resps kadm.AlterConfigsResponses, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Err != nil {
			t.Fatalf("altering %s: %v (%s)", r.Name, r.Err, r.ErrMessage)
		}
	}
}

// The homework: configs described and altered. Incremental changes set
// and delete single keys; the others stay.
func TestIncrementalAlterConfigsSetAndDelete(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 1, 1, map[string]string{"segment.bytes": "2097152", "cleanup.policy": "compact"}))
	adm := apiAdmin(t, c)
	resps, err := adm.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("60000")},
		{Op: kadm.DeleteConfig, Name: "segment.bytes"},
		{Op: kadm.DeleteConfig, Name: "flush.ms"}, // not set: nothing to do
	}, "orders")
	alterOK(t, resps, err)

	if got := topicNames(c)["orders"].Configs; len(got) != 2 || got["retention.ms"] != "60000" || got["cleanup.policy"] != "compact" {
		t.Fatalf("topic settings after the change: %v", got)
	}
	if cfg := topicConfig(t, adm, "orders", "retention.ms"); cfg.MaybeValue() != "60000" || cfg.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("retention.ms described as %q from %v", cfg.MaybeValue(), cfg.Source)
	}
	if cfg := topicConfig(t, adm, "orders", "segment.bytes"); cfg.MaybeValue() != "1073741824" || cfg.Source != kmsg.ConfigSourceDefaultConfig {
		t.Fatalf("deleted segment.bytes described as %q from %v", cfg.MaybeValue(), cfg.Source)
	}
}

// APPEND and SUBTRACT edit list configs, starting from Kafka's default
// when the topic has no setting of its own.
func TestIncrementalAlterConfigsAppendSubtract(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 1, 1, nil))
	adm := apiAdmin(t, c)
	steps := []struct {
		op   kadm.IncrementalOp
		arg  string
		want string
	}{
		{kadm.AppendConfig, "compact", "delete,compact"},
		{kadm.AppendConfig, "compact", "delete,compact"}, // already there
		{kadm.SubtractConfig, "delete", "compact"},
	}
	for _, s := range steps {
		resps, err := adm.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Op: s.op, Name: "cleanup.policy", Value: strp(s.arg)}}, "orders")
		alterOK(t, resps, err)
		if got := topicNames(c)["orders"].Configs["cleanup.policy"]; got != s.want {
			t.Fatalf("after %v %s: cleanup.policy=%q, want %q", s.op, s.arg, got, s.want)
		}
	}
	resps, err := adm.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.AppendConfig, Name: "retention.ms", Value: strp("1")}}, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if r := resps[0]; !errors.Is(r.Err, kerr.InvalidConfig) || !strings.Contains(r.ErrMessage, "not LIST") {
		t.Fatalf("APPEND to retention.ms: %v %q", r.Err, r.ErrMessage)
	}
}

// The controller publishes altered configs and every replica applies
// them: a smaller max.message.bytes refuses large batches, a smaller
// internal.segment.bytes (Kafka's way for a test to get segment.bytes
// below its 1 MiB minimum) rolls segments, on every broker's partitions.
func TestAlterConfigsReachReplicas(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("orders", 3, 1, nil))
	adm := apiAdmin(t, c)
	resps, err := adm.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "max.message.bytes", Value: strp("1000")},
		{Op: kadm.SetConfig, Name: "internal.segment.bytes", Value: strp("200")},
	}, "orders")
	alterOK(t, resps, err)

	prod := rawProducer(t, c)
	for p := int32(0); p < 3; p++ {
		err := prod.ProduceSync(apiCtx(t), &kgo.Record{Topic: "orders", Partition: p, Value: bytes.Repeat([]byte("x"), 2000)}).FirstErr()
		if !errors.Is(err, kerr.MessageTooLarge) {
			t.Fatalf("partition %d: 2000-byte record after max.message.bytes=1000: %v", p, err)
		}
		produceBatches(t, prod, "orders", p, 3, 100)
		info, err := c.Partition("orders", p)
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := info.LeaderReplica(); len(r.Segments) != 3 {
			t.Fatalf("partition %d on broker %d: %d segments after three 100-byte batches with internal.segment.bytes=200", p, info.Leader, len(r.Segments))
		}
	}
}

// AlterConfigs (the legacy API) replaces the topic's whole set of
// settings: what is not named goes back to its default.
func TestAlterConfigsReplacesAllSettings(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 1, 1, map[string]string{"segment.bytes": "2097152"}))
	adm := apiAdmin(t, c)
	resps, err := adm.AlterTopicConfigsState(apiCtx(t), []kadm.AlterConfig{{Name: "retention.ms", Value: strp("60000")}}, "orders")
	alterOK(t, resps, err)
	if got := topicNames(c)["orders"].Configs; len(got) != 1 || got["retention.ms"] != "60000" {
		t.Fatalf("settings after AlterConfigs: %v", got)
	}
}

func TestAlterConfigsValidateOnly(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 1, 1, nil))
	adm := apiAdmin(t, c)
	resps, err := adm.ValidateAlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("60000")}}, "orders")
	alterOK(t, resps, err)
	resps, err = adm.ValidateAlterTopicConfigsState(apiCtx(t), []kadm.AlterConfig{{Name: "retention.ms", Value: strp("60000")}}, "orders")
	alterOK(t, resps, err)
	if got := topicNames(c)["orders"].Configs; len(got) != 0 {
		t.Fatalf("validate_only changed the settings: %v", got)
	}
	resps, err = adm.ValidateAlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: strp("soon")}}, "orders")
	if err != nil || !errors.Is(resps[0].Err, kerr.InvalidConfig) {
		t.Fatalf("validating a bad value: %v %v", err, resps[0].Err)
	}
}

func TestAlterConfigsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("orders", 1, 1, nil))
	cl := apiClient(t, c)
	type cfg struct {
		name  string
		op    kmsg.IncrementalAlterConfigOp
		value *string
	}
	incremental := func(kind kmsg.ConfigResourceType, name string, cfgs ...cfg) kmsg.IncrementalAlterConfigsRequestResource {
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kind, name
		for _, c := range cfgs {
			rc := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			rc.Name, rc.Op, rc.Value = c.name, c.op, c.value
			res.Configs = append(res.Configs, rc)
		}
		return res
	}
	set := func(name, value string) cfg { return cfg{name, kmsg.IncrementalAlterConfigOpSet, strp(value)} }
	topic := kmsg.ConfigResourceTypeTopic
	cases := []struct {
		what string
		res  []kmsg.IncrementalAlterConfigsRequestResource
		want *kerr.Error
	}{
		{"unknown topic", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "missing", set("retention.ms", "1"))}, kerr.UnknownTopicOrPartition},
		{"bad value beats unknown topic", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "missing", set("retention.ms", "x"))}, kerr.InvalidConfig},
		{"unknown config", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", set("retention.mss", "1"))}, kerr.InvalidConfig},
		{"value below minimum", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", set("segment.bytes", "1"))}, kerr.InvalidConfig},
		{"segment.bytes below Kafka 4's 1 MiB", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", set("segment.bytes", "1048575"))}, kerr.InvalidConfig},
		{"min.compaction.lag.ms above max.compaction.lag.ms", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", set("min.compaction.lag.ms", "2000"), set("max.compaction.lag.ms", "1000"))}, kerr.InvalidConfig},
		{"illegal topic name", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "bad name", set("retention.ms", "1"))}, kerr.InvalidTopicException},
		{"empty topic name", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "", set("retention.ms", "1"))}, kerr.InvalidRequest},
		{"null value", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", cfg{"retention.ms", kmsg.IncrementalAlterConfigOpSet, nil})}, kerr.InvalidRequest},
		{"key twice", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", set("retention.ms", "1"), set("retention.ms", "2"))}, kerr.InvalidRequest},
		{"unknown operation", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", cfg{"retention.ms", 9, strp("1")})}, kerr.InvalidRequest},
		{"resource twice", []kmsg.IncrementalAlterConfigsRequestResource{incremental(topic, "orders", set("retention.ms", "1")), incremental(topic, "orders", set("segment.ms", "1"))}, kerr.InvalidRequest},
		{"another broker", []kmsg.IncrementalAlterConfigsRequestResource{incremental(kmsg.ConfigResourceTypeBroker, "2", set("num.partitions", "3"))}, kerr.InvalidRequest},
		{"unknown resource type", []kmsg.IncrementalAlterConfigsRequestResource{incremental(99, "x", set("a", "b"))}, kerr.InvalidRequest},
	}
	for _, tc := range cases {
		req := kmsg.NewPtrIncrementalAlterConfigsRequest()
		req.Resources = tc.res
		resp := sendTo[*kmsg.IncrementalAlterConfigsResponse](t, cl, 1, req)
		if len(resp.Resources) != len(tc.res) {
			t.Fatalf("%s: %d answers", tc.what, len(resp.Resources))
		}
		for _, r := range resp.Resources {
			wantCode(t, tc.what, r.ErrorCode, tc.want)
			if r.ErrorMessage == nil {
				t.Errorf("%s: no message", tc.what)
			}
		}
	}
	if got := topicNames(c)["orders"].Configs; len(got) != 0 {
		t.Fatalf("refused changes left settings: %v", got)
	}
}

// A broker config that cannot change at runtime is refused as Kafka
// refuses it: INVALID_REQUEST, "Cannot update these configs dynamically".
func TestAlterConfigsBrokerStaticConfigRefused(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2))
	adm := apiAdmin(t, c)
	resps, err := adm.AlterBrokerConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "log.retention.hours", Value: strp("1")}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r := resps[0]; !errors.Is(r.Err, kerr.InvalidRequest) || r.ErrMessage != "Cannot update these configs dynamically: [log.retention.hours]" {
		t.Fatalf("altering a read-only broker config: %v %q", r.Err, r.ErrMessage)
	}
	resps, err = adm.AlterBrokerConfigsState(apiCtx(t), []kadm.AlterConfig{{Name: "num.partitions", Value: strp("3")}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := resps[0]; !errors.Is(r.Err, kerr.InvalidRequest) {
		t.Fatalf("legacy alter of a broker config: %v %q", r.Err, r.ErrMessage)
	}
	rcs, err := adm.DescribeBrokerConfigs(apiCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range rcs[0].Configs {
		if cfg.Key == "num.partitions" && cfg.MaybeValue() != "1" {
			t.Fatalf("num.partitions changed to %s", cfg.MaybeValue())
		}
	}
}
