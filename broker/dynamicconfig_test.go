package broker_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// alterBroker sets broker configs with IncrementalAlterConfigs: on the
// given brokers, or the cluster-wide default when none are given. It
// returns each resource's error.
func alterBroker(t *testing.T, adm *kadm.Client, configs map[string]string, brokers ...int32) []kadm.AlterConfigsResponse {
	t.Helper()
	var alters []kadm.AlterConfig
	for k, v := range configs {
		op := kadm.SetConfig
		if v == "" {
			op = kadm.DeleteConfig
		}
		alters = append(alters, kadm.AlterConfig{Op: op, Name: k, Value: strp(v)})
	}
	resps, err := adm.AlterBrokerConfigs(apiCtx(t), alters, brokers...)
	if err != nil {
		t.Fatal(err)
	}
	return resps
}

func mustAlterBroker(t *testing.T, adm *kadm.Client, configs map[string]string, brokers ...int32) {
	t.Helper()
	for _, r := range alterBroker(t, adm, configs, brokers...) {
		if r.Err != nil {
			t.Fatalf("altering %v on %q: %v %q", configs, r.Name, r.Err, r.ErrMessage)
		}
	}
}

// describedBroker returns one broker config as broker id's
// DescribeConfigs reports it, with synonyms; id -1 asks for the
// cluster-wide defaults.
func describedBroker(t *testing.T, cl *kgo.Client, id int32, name string) kmsg.DescribeConfigsResponseResourceConfig {
	t.Helper()
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = true
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType, res.ConfigNames = kmsg.ConfigResourceTypeBroker, []string{name}
	to := id
	if id >= 0 {
		res.ResourceName = strconv.Itoa(int(id))
	} else {
		to = 1
	}
	req.Resources = append(req.Resources, res)
	resp := sendTo[*kmsg.DescribeConfigsResponse](t, cl, to, req)
	if r := resp.Resources[0]; r.ErrorCode != 0 || len(r.Configs) != 1 {
		if len(r.Configs) == 0 && id < 0 {
			return kmsg.NewDescribeConfigsResponseResourceConfig()
		}
		t.Fatalf("describing %s on %d: error %d, %d configs", name, id, r.ErrorCode, len(r.Configs))
	}
	return resp.Resources[0].Configs[0]
}

func value(c kmsg.DescribeConfigsResponseResourceConfig) string {
	if c.Value == nil {
		return "<null>"
	}
	return *c.Value
}

// A topic that does not set retention.ms follows log.retention.ms
// altered for the whole cluster, from the next retention check: the
// broker default acts when it changes, with no restart (KIP-226).
func TestDynamicLogRetentionMsAppliesAtNextCheck(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Config("log.retention.check.interval.ms", "5000"),
		broker.Topic("t", 1, 1, map[string]string{"segment.ms": "10000"}))
	prod := rawProducer(t, c)
	rollingSegments(t, prod, mc, "t", 4) // records at +0, +11, +22, +33 s, one segment each
	adm := apiAdmin(t, c)
	mc.Advance(42 * time.Second) // +75 s: a week's retention keeps everything
	if got := startOffset(t, adm, "t"); got != 0 {
		t.Fatalf("earliest offset %d under the default retention, want 0", got)
	}

	mustAlterBroker(t, adm, map[string]string{"log.retention.ms": "60000"})
	if got := startOffset(t, adm, "t"); got != 0 {
		t.Fatalf("earliest offset %d before the next retention check, want 0", got)
	}
	// At the check at +80 s the segments with records at +0 and +11 s
	// are more than 60 s old, the one at +22 s is not.
	mc.Advance(5 * time.Second)
	if got := startOffset(t, adm, "t"); got != 2 {
		t.Fatalf("earliest offset %d after log.retention.ms=60000, want 2", got)
	}

	// The topic's own setting still wins over the broker default.
	setTopicConfig(t, adm, "t", "retention.ms", "-1")
	mustAlterBroker(t, adm, map[string]string{"log.retention.ms": "1"})
	mc.Advance(5 * time.Second)
	if got := startOffset(t, adm, "t"); got != 2 {
		t.Fatalf("earliest offset %d with the topic's retention.ms=-1, want 2", got)
	}
}

// DescribeConfigs reports where each value comes from: this broker's
// dynamic config over the cluster-wide dynamic default over the static
// config over Kafka's default, with synonyms in that order, read-write
// for the configs that can change; a topic config falls back through the
// same levels.
func TestDynamicConfigSourcesAndSynonyms(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Config("log.cleaner.backoff.ms", "20000"),
		broker.Topic("t", 1, 2, nil))
	adm := apiAdmin(t, c)
	mustAlterBroker(t, adm, map[string]string{"log.retention.ms": "60000", "log.cleaner.backoff.ms": "1000"})
	mustAlterBroker(t, adm, map[string]string{"log.retention.ms": "120000"}, 1)
	cl := apiClient(t, c)

	const (
		dynBroker  = kmsg.ConfigSourceDynamicBrokerConfig
		dynDefault = kmsg.ConfigSourceDynamicDefaultBrokerConfig
		static     = kmsg.ConfigSourceStaticBrokerConfig
		defaults   = kmsg.ConfigSourceDefaultConfig
	)
	type syn struct {
		value  string
		source kmsg.ConfigSource
	}
	check := func(what string, c kmsg.DescribeConfigsResponseResourceConfig, v string, readOnly bool, want ...syn) {
		t.Helper()
		if value(c) != v || c.ReadOnly != readOnly || c.Source != want[0].source {
			t.Errorf("%s: %s=%q from %v, read-only %v; want %q from %v, read-only %v", what, c.Name, value(c), c.Source, c.ReadOnly, v, want[0].source, readOnly)
		}
		var got []syn
		for _, s := range c.ConfigSynonyms {
			got = append(got, syn{s.Name + "=" + *s.Value, s.Source})
		}
		if len(got) != len(want) {
			t.Errorf("%s: synonyms %v, want %v", what, got, want)
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: synonym %d is %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	check("broker 1", describedBroker(t, cl, 1, "log.retention.ms"), "120000", false,
		syn{"log.retention.ms=120000", dynBroker}, syn{"log.retention.ms=60000", dynDefault}, syn{"log.retention.hours=168", defaults})
	check("broker 2", describedBroker(t, cl, 2, "log.retention.ms"), "60000", false,
		syn{"log.retention.ms=60000", dynDefault}, syn{"log.retention.hours=168", defaults})
	check("broker 2", describedBroker(t, cl, 2, "log.cleaner.backoff.ms"), "1000", false,
		syn{"log.cleaner.backoff.ms=1000", dynDefault}, syn{"log.cleaner.backoff.ms=20000", static}, syn{"log.cleaner.backoff.ms=15000", defaults})
	check("broker 2", describedBroker(t, cl, 2, "num.partitions"), "1", true, syn{"num.partitions=1", defaults})
	check("cluster default", describedBroker(t, cl, -1, "log.retention.ms"), "60000", false, syn{"log.retention.ms=60000", dynDefault})

	// Each broker answers for its own topic defaults.
	for id, want := range map[int32]syn{1: {"120000", dynBroker}, 2: {"60000", dynDefault}} {
		req := kmsg.NewPtrDescribeConfigsRequest()
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName, res.ConfigNames = kmsg.ConfigResourceTypeTopic, "t", []string{"retention.ms"}
		req.Resources = append(req.Resources, res)
		resp := sendTo[*kmsg.DescribeConfigsResponse](t, cl, id, req)
		got := resp.Resources[0].Configs[0]
		if *got.Value != want.value || got.Source != want.source {
			t.Errorf("topic retention.ms on broker %d: %s from %v, want %s from %v", id, *got.Value, got.Source, want.value, want.source)
		}
	}

	// Deleting the per-broker value falls back to the default level.
	mustAlterBroker(t, adm, map[string]string{"log.retention.ms": ""}, 1)
	check("broker 1 after delete", describedBroker(t, cl, 1, "log.retention.ms"), "60000", false,
		syn{"log.retention.ms=60000", dynDefault}, syn{"log.retention.hours=168", defaults})
}

// What Kafka refuses it refuses with its own message, and what Kafka can
// change but gregor does not apply at runtime is refused with a message
// saying so; validate_only changes nothing.
func TestDynamicConfigRefusals(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2))
	adm := apiAdmin(t, c)
	cl := apiClient(t, c)
	for _, tc := range []struct {
		what    string
		configs map[string]string
		brokers []int32
		want    string
	}{
		{"read-only", map[string]string{"num.partitions": "3"}, nil, "Cannot update these configs dynamically: [num.partitions]"},
		{"bad value", map[string]string{"log.retention.ms": "soon"}, []int32{1}, "Invalid value soon for configuration log.retention.ms: Not a number of type LONG"},
		{"below minimum", map[string]string{"log.segment.bytes": "100"}, nil, "Invalid value 100 for configuration log.segment.bytes: Value must be at least 1048576"},
		{"not one of", map[string]string{"log.message.timestamp.type": "Wrong"}, nil, "Invalid value Wrong for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime"},
		{"per-broker only", map[string]string{"listeners": "PLAINTEXT://:9999"}, nil, "Cannot update these configs at default cluster level, broker id must be specified: [listeners]"},
		{"per-listener", map[string]string{"ssl.keystore.location": "/x"}, nil, "These security configs can be dynamically updated only per-listener using the listener prefix: [ssl.keystore.location]"},
		{"not applied", map[string]string{"num.io.threads": "4"}, []int32{2}, "gregor does not apply these configs at runtime yet: [num.io.threads] (num.io.threads: " +
			"gregor runs on Go's scheduler; accepted and reported, no effect); set them when the cluster starts"},
		{"lag order", map[string]string{"log.cleaner.min.compaction.lag.ms": "5000", "log.cleaner.max.compaction.lag.ms": "1000"}, nil,
			"Invalid dynamic configuration: conflict topic config setting log.cleaner.min.compaction.lag.ms (5000) > log.cleaner.max.compaction.lag.ms (1000)"},
	} {
		resps := alterBroker(t, adm, tc.configs, tc.brokers...)
		if r := resps[0]; !errors.Is(r.Err, kerr.InvalidRequest) || r.ErrMessage != tc.want {
			t.Errorf("%s: %v %q, want INVALID_REQUEST %q", tc.what, r.Err, r.ErrMessage, tc.want)
		}
	}
	vresps, err := adm.ValidateAlterBrokerConfigs(apiCtx(t), []kadm.AlterConfig{{Name: "log.retention.ms", Value: strp("1000")}})
	if err != nil || vresps[0].Err != nil {
		t.Fatalf("validate only: %v %+v", err, vresps)
	}
	if got := describedBroker(t, cl, 1, "log.retention.ms"); got.Source != kmsg.ConfigSourceDefaultConfig || got.Value != nil {
		t.Fatalf("after refusals and validate_only, log.retention.ms is %q from %v", value(got), got.Source)
	}
	// Broker 2's resource sent to broker 1 is refused, as Kafka's
	// ConfigAdminManager refuses another node's id.
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeBroker, "2"
	cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	cfg.Name, cfg.Value = "log.retention.ms", strp("1000")
	res.Configs = append(res.Configs, cfg)
	req.Resources = append(req.Resources, res)
	resp := sendTo[*kmsg.IncrementalAlterConfigsResponse](t, cl, 1, req)
	wantCode(t, "another broker's resource", resp.Resources[0].ErrorCode, kerr.InvalidRequest)
}

// Dynamic broker configs are kept with the cluster metadata: a restarted
// cluster has them, at both levels.
func TestDynamicConfigsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	c := startAPICluster(t, broker.DataDir(dir), broker.Brokers(2))
	adm := apiAdmin(t, c)
	mustAlterBroker(t, adm, map[string]string{"log.retention.ms": "60000"})
	mustAlterBroker(t, adm, map[string]string{"log.cleaner.backoff.ms": "1000"}, 2)
	next, err := c.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { next.Close() })
	cl := apiClient(t, next)
	if got := describedBroker(t, cl, 1, "log.retention.ms"); value(got) != "60000" || got.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Errorf("restarted broker 1: log.retention.ms=%q from %v", value(got), got.Source)
	}
	if got := describedBroker(t, cl, 2, "log.cleaner.backoff.ms"); value(got) != "1000" || got.Source != kmsg.ConfigSourceDynamicBrokerConfig {
		t.Errorf("restarted broker 2: log.cleaner.backoff.ms=%q from %v", value(got), got.Source)
	}
	if got := describedBroker(t, cl, 1, "log.cleaner.backoff.ms"); value(got) != "15000" {
		t.Errorf("restarted broker 1 took broker 2's log.cleaner.backoff.ms: %q", value(got))
	}
}

func cleanings(c *broker.Cluster, topic string) int {
	n := 0
	for _, e := range c.SegmentEvents(topic) {
		if e.Kind == segment.Cleaned {
			n++
		}
	}
	return n
}

// The cleaner takes a changed log.cleaner.backoff.ms when it next
// schedules itself: after the round due under the old backoff (15 s), the
// next comes one second later.
func TestDynamicCleanerBackoffAppliesAtNextRound(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Topic("k", 1, 1, map[string]string{"cleanup.policy": "compact", "internal.segment.bytes": "160", "min.cleanable.dirty.ratio": "0.01"}))
	cl := rawProducer(t, c)
	adm := apiAdmin(t, c)
	produceKeyed(t, cl, mc, "k", "a", "1", "b", "1", "a", "2", "c", "1", "b", "2", "a", "3", "c", "2")
	mustAlterBroker(t, adm, map[string]string{"log.cleaner.backoff.ms": "1000"})
	mc.Advance(14 * time.Second)
	if n := cleanings(c, "k"); n != 0 {
		t.Fatalf("%d cleanings before the round scheduled under the old backoff", n)
	}
	mc.Advance(time.Second)
	first := cleanings(c, "k")
	if first == 0 {
		t.Fatal("no cleaning at the round scheduled under the old backoff")
	}
	produceKeyed(t, cl, mc, "k", "d", "1", "d", "2", "d", "3", "d", "4")
	mc.Advance(time.Second)
	if n := cleanings(c, "k"); n <= first {
		t.Fatalf("no cleaning one second (the new backoff) after the last: %d cleanings, as before", n)
	}
}

// unclean.leader.election.enable set as a cluster-wide dynamic default
// reaches the controller: a partition whose in-sync replicas are all gone
// goes to a live out-of-sync replica at the next election, as if the
// topic set it (curriculum scenario 3).
func TestDynamicUncleanLeaderElection(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("u", 1, 3, nil))
	cl := replClient(t, c, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	produceValues(t, cl, "u", 0, "kept1", "kept2")
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	pi := partitionInfo(t, c, "u", 0)
	for _, id := range pi.Replicas[1:] {
		mustDo(t, c.PauseReplication("u", 0, id))
	}
	produceValues(t, cl, "u", 0, "lost1")
	mc.Advance(46 * time.Second) // the followers leave the ISR
	mustAlterBroker(t, apiAdmin(t, c), map[string]string{"unclean.leader.election.enable": "true"})
	mustDo(t, c.CrashBroker(pi.Leader))
	mustDo(t, c.ResumeReplication("u", 0, pi.Replicas[1]))
	mc.Advance(9 * time.Second) // broker.session.timeout.ms: the leader is fenced, the election runs
	if now := partitionInfo(t, c, "u", 0); now.Leader != pi.Replicas[1] {
		t.Fatalf("leader %d after the old leader was fenced, want %d by an unclean election", now.Leader, pi.Replicas[1])
	}
}

// APPEND adds to a list config starting from the broker's current value;
// the legacy AlterConfigs replaces the whole level, removing what it does
// not name.
func TestDynamicConfigAppendAndReplace(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	adm := apiAdmin(t, c)
	cl := apiClient(t, c)
	resps, err := adm.AlterBrokerConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.AppendConfig, Name: "log.cleanup.policy", Value: strp("compact")}})
	if err != nil || resps[0].Err != nil {
		t.Fatalf("append: %v %+v", err, resps)
	}
	if got := describedBroker(t, cl, -1, "log.cleanup.policy"); value(got) != "delete,compact" {
		t.Fatalf("cluster-wide log.cleanup.policy %s after appending compact to the default delete", value(got))
	}
	rcs, err := adm.DescribeTopicConfigs(apiCtx(t), "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range rcs[0].Configs {
		if cfg.Key == "cleanup.policy" && (cfg.MaybeValue() != "delete,compact" || cfg.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig) {
			t.Fatalf("topic cleanup.policy %s from %v", cfg.MaybeValue(), cfg.Source)
		}
	}
	resps, err = adm.AlterBrokerConfigsState(apiCtx(t), []kadm.AlterConfig{{Name: "log.retention.ms", Value: strp("60000")}})
	if err != nil || resps[0].Err != nil {
		t.Fatalf("replace: %v %+v", err, resps)
	}
	if got := describedBroker(t, cl, -1, "log.cleanup.policy"); got.Value != nil {
		t.Fatalf("log.cleanup.policy %s still a cluster-wide default after AlterConfigs replaced the level", value(got))
	}
	if got := describedBroker(t, cl, -1, "log.retention.ms"); value(got) != "60000" {
		t.Fatalf("log.retention.ms %s after AlterConfigs", value(got))
	}
}

// A per-broker dynamic config acts on that broker alone: each replica
// applies retention by its own broker's log.retention.ms, so the follower
// on broker 2 deletes old segments while the leader on broker 1 keeps
// them (Kafka's replicas enforce retention independently).
func TestDynamicPerBrokerRetention(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc), broker.Brokers(2),
		broker.Config("log.retention.check.interval.ms", "5000"),
		broker.TopicAssignment("t", [][]int32{{1, 2}}, map[string]string{"segment.ms": "10000"}))
	prod := rawProducer(t, c)
	rollingSegments(t, prod, mc, "t", 4) // records at +0, +11, +22, +33 s, one segment each
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	mustAlterBroker(t, apiAdmin(t, c), map[string]string{"log.retention.ms": "30000"}, 2)
	mc.Advance(42 * time.Second) // +75 s: on broker 2 the segments up to +33 s's are past 30 s, all but the active one
	p, err := c.Partition("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Replica[2].LogStartOffset; got != 3 {
		t.Errorf("broker 2 (log.retention.ms=30000) log start offset %d, want 3", got)
	}
	if got := p.Replica[1].LogStartOffset; got != 0 {
		t.Errorf("broker 1 (a week's retention) log start offset %d, want 0", got)
	}
}
