package broker_test

import (
	"errors"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func createTopicsReq(validateOnly bool, topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 10000
	req.ValidateOnly = validateOnly
	req.Topics = topics
	return req
}

func creatable(name string, partitions int32, rf int16, configs ...string) kmsg.CreateTopicsRequestTopic {
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, rf
	for i := 0; i+1 < len(configs); i += 2 {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = configs[i], strp(configs[i+1])
		rt.Configs = append(rt.Configs, c)
	}
	return rt
}

func assigned(name string, replicas ...[]int32) kmsg.CreateTopicsRequestTopic {
	rt := creatable(name, -1, -1)
	for p, r := range replicas {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = int32(p), r
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
	}
	return rt
}

func topicNames(c *broker.Cluster) map[string]broker.TopicInfo {
	out := map[string]broker.TopicInfo{}
	for _, ti := range c.Topics() {
		out[ti.Name] = ti
	}
	return out
}

func TestCreateTopicsValidateOnlyCreatesNothing(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3))
	adm := apiAdmin(t, c)
	resp, err := adm.ValidateCreateTopics(apiCtx(t), 6, 3, map[string]*string{"retention.ms": strp("60000")}, "orders")
	if err != nil {
		t.Fatal(err)
	}
	r := resp["orders"]
	if r.Err != nil || r.NumPartitions != 6 || r.ReplicationFactor != 3 {
		t.Fatalf("validate-only answer: %+v", r)
	}
	if r.ID != [16]byte{} {
		t.Fatalf("validate-only answer carries topic id %v", r.ID)
	}
	if len(c.Topics()) != 0 {
		t.Fatalf("validate_only created %v", c.Topics())
	}
	// Errors are reported just the same.
	resp, err = adm.ValidateCreateTopics(apiCtx(t), 1, 4, nil, "too-many-replicas")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(resp["too-many-replicas"].Err, kerr.InvalidReplicationFactor) {
		t.Fatalf("validate-only rf 4 on 3 brokers: %v", resp["too-many-replicas"].Err)
	}
}

// From v5 the answer reports every effective config with its source;
// from v7 the topic id.
func TestCreateTopicsConfigsAppliedAndReported(t *testing.T) {
	c := startAPICluster(t, broker.Config("log.segment.bytes", "1048576"))
	cl := pinnedClient(t, c, 19, 7)
	resp := send[*kmsg.CreateTopicsResponse](t, cl, createTopicsReq(false,
		creatable("events", 2, 1, "retention.ms", "60000", "cleanup.policy", "compact")))
	st := resp.Topics[0]
	wantCode(t, "create", st.ErrorCode, nil)
	if st.NumPartitions != 2 || st.ReplicationFactor != 1 {
		t.Fatalf("partitions %d rf %d", st.NumPartitions, st.ReplicationFactor)
	}
	if ti := topicNames(c)["events"]; st.TopicID != ti.ID || ti.Configs["retention.ms"] != "60000" || ti.Configs["cleanup.policy"] != "compact" {
		t.Fatalf("answer id %v, cluster has %+v", st.TopicID, ti)
	}
	got := map[string]kmsg.CreateTopicsResponseTopicConfig{}
	for _, cfg := range st.Configs {
		got[cfg.Name] = cfg
	}
	wantCfg := []struct {
		name, value string
		source      kmsg.ConfigSource
	}{
		{"retention.ms", "60000", kmsg.ConfigSourceDynamicTopicConfig},
		{"cleanup.policy", "compact", kmsg.ConfigSourceDynamicTopicConfig},
		{"segment.bytes", "1048576", kmsg.ConfigSourceStaticBrokerConfig},
		{"max.message.bytes", "1048588", kmsg.ConfigSourceDefaultConfig},
	}
	for _, w := range wantCfg {
		cfg, ok := got[w.name]
		if !ok || cfg.Value == nil || *cfg.Value != w.value || kmsg.ConfigSource(cfg.Source) != w.source {
			t.Errorf("%s: %+v, want %s from %v", w.name, cfg, w.value, w.source)
		}
	}

	// Partitions and replication factor -1 take the broker defaults (v4+).
	resp = send[*kmsg.CreateTopicsResponse](t, cl, createTopicsReq(false, creatable("defaults", -1, -1)))
	if st := resp.Topics[0]; st.ErrorCode != 0 || st.NumPartitions != 1 || st.ReplicationFactor != 1 {
		t.Fatalf("defaults: %+v", st)
	}
}

func TestCreateTopicsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("existing", 1, 1, nil), broker.Topic("metrics_raw", 1, 1, nil))
	cl := apiClient(t, c)
	cases := []struct {
		what  string
		topic kmsg.CreateTopicsRequestTopic
		want  *kerr.Error
	}{
		{"exists", creatable("existing", 1, 1), kerr.TopicAlreadyExists},
		{"zero partitions", creatable("p0", 0, 1), kerr.InvalidPartitions},
		{"partitions below -1", creatable("p-2", -2, 1), kerr.InvalidPartitions},
		{"zero replicas", creatable("rf0", 1, 0), kerr.InvalidReplicationFactor},
		{"replicas below -1", creatable("rf-2", 1, -2), kerr.InvalidReplicationFactor},
		{"more replicas than brokers", creatable("rf4", 1, 4), kerr.InvalidReplicationFactor},
		{"rf checked before partitions", creatable("both-bad", 0, 0), kerr.InvalidReplicationFactor},
		{"unknown broker", assigned("a1", []int32{1, 9}), kerr.InvalidReplicaAssignment},
		{"repeated broker", assigned("a2", []int32{2, 2}), kerr.InvalidReplicaAssignment},
		{"uneven replicas", assigned("a3", []int32{1, 2}, []int32{3}), kerr.InvalidReplicaAssignment},
		{"empty replicas", assigned("a4", []int32{}), kerr.InvalidReplicaAssignment},
		{"assignment with a count", func() kmsg.CreateTopicsRequestTopic {
			rt := assigned("a5", []int32{1})
			rt.NumPartitions = 1
			return rt
		}(), kerr.InvalidRequest},
		{"gap in partitions", func() kmsg.CreateTopicsRequestTopic {
			rt := assigned("a6", []int32{1}, []int32{2})
			rt.ReplicaAssignment[1].Partition = 5
			return rt
		}(), kerr.InvalidReplicaAssignment},
		{"unknown config", creatable("c1", 1, 1, "retention.mss", "1"), kerr.InvalidConfig},
		{"bad config value", creatable("c2", 1, 1, "retention.ms", "soon"), kerr.InvalidConfig},
		{"config below minimum", creatable("c3", 1, 1, "segment.bytes", "1"), kerr.InvalidConfig},
		{"bad config beats bad rf", creatable("c4", 1, 0, "cleanup.policy", "shred"), kerr.InvalidConfig},
		{"null config", func() kmsg.CreateTopicsRequestTopic {
			rt := creatable("c5", 1, 1, "retention.ms", "1")
			rt.Configs[0].Value = nil
			return rt
		}(), kerr.InvalidConfig},
		{"illegal character", creatable("bad name", 1, 1), kerr.InvalidTopicException},
		{"empty name", creatable("", 1, 1), kerr.InvalidTopicException},
		{"dot", creatable(".", 1, 1), kerr.InvalidTopicException},
		{"collides with metrics_raw", creatable("metrics.raw", 1, 1), kerr.InvalidTopicException},
		{"collision beats bad rf", creatable("metrics.raw", 1, 0), kerr.InvalidTopicException},
	}
	for _, tc := range cases {
		resp := send[*kmsg.CreateTopicsResponse](t, cl, createTopicsReq(false, tc.topic))
		if len(resp.Topics) != 1 {
			t.Fatalf("%s: %d answers", tc.what, len(resp.Topics))
		}
		st := resp.Topics[0]
		wantCode(t, tc.what, st.ErrorCode, tc.want)
		if st.ErrorMessage == nil || *st.ErrorMessage == "" {
			t.Errorf("%s: no error message", tc.what)
		}
	}
	if n := len(c.Topics()); n != 2 {
		t.Fatalf("failed creations left %d topics: %v", n, c.Topics())
	}
}

// A name given twice in one request is answered once, with
// INVALID_REQUEST, and not created; the other topics are unaffected.
func TestCreateTopicsDuplicateNamesInOneRequest(t *testing.T) {
	c := startAPICluster(t)
	cl := apiClient(t, c)
	resp := send[*kmsg.CreateTopicsResponse](t, cl, createTopicsReq(false,
		creatable("twice", 1, 1), creatable("once", 1, 1), creatable("twice", 2, 1)))
	codes := map[string][]int16{}
	for _, st := range resp.Topics {
		codes[st.Topic] = append(codes[st.Topic], st.ErrorCode)
	}
	if len(codes["twice"]) != 1 || codes["twice"][0] != kerr.InvalidRequest.Code {
		t.Fatalf("twice: codes %v, want one INVALID_REQUEST", codes["twice"])
	}
	if len(codes["once"]) != 1 || codes["once"][0] != 0 {
		t.Fatalf("once: codes %v", codes["once"])
	}
	names := topicNames(c)
	if _, ok := names["twice"]; ok || len(names) != 1 {
		t.Fatalf("topics after the request: %v", names)
	}
}

// An explicit assignment decides partitions, replicas and the preferred
// leader (the first replica).
func TestCreateTopicsManualAssignment(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3))
	cl := apiClient(t, c)
	resp := send[*kmsg.CreateTopicsResponse](t, cl, createTopicsReq(false,
		assigned("placed", []int32{3, 1}, []int32{2, 3})))
	wantCode(t, "create", resp.Topics[0].ErrorCode, nil)
	parts, err := c.Partitions("placed")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[0].Leader != 3 || parts[1].Leader != 2 || parts[0].Replicas[1] != 1 {
		t.Fatalf("partitions %+v", parts)
	}
}
