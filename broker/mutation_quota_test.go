package broker_test

import (
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func createTopicsAt(w *wireConn, version int16, topics map[string]int32, order ...string) *kmsg.CreateTopicsResponse {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version, req.TimeoutMillis = version, 5000
	for _, name := range order {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = name, topics[name], 1
		req.Topics = append(req.Topics, t)
	}
	resp := kmsg.NewPtrCreateTopicsResponse()
	resp.Version = version
	w.roundTrip(req, resp)
	return resp
}

func topicCodes(resp *kmsg.CreateTopicsResponse) map[string]int16 {
	out := map[string]int16{}
	for _, t := range resp.Topics {
		out[t.Topic] = t.ErrorCode
	}
	return out
}

// Reference: KIP-599. controller_mutation_rate=1 gives a client a bucket
// of 11 partitions (quota.window.num windows of one second). CreateTopics
// v7 creates 10 and then 5 partitions (the second goes ahead: the bucket
// was not yet in debt), then refuses the next topic with
// THROTTLING_QUOTA_EXCEEDED and the time until the 4 partitions owed are
// paid back; once the cluster clock has moved on, the same topic is
// created.
func TestControllerMutationRateStrict(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := startAPICluster(t, broker.Clock(mc))
	setClientIDQuota(t, c, "wire-test", quota.ControllerMutationRate, 1)
	w := dialWire(t, c, c.Addrs()[0])

	resp := createTopicsAt(w, 7, map[string]int32{"ten": 10, "five": 5, "one": 1}, "ten", "five", "one")
	codes := topicCodes(resp)
	if codes["ten"] != 0 || codes["five"] != 0 || codes["one"] != kerr.ThrottlingQuotaExceeded.Code {
		t.Fatalf("codes %v, want ten and five created and one THROTTLING_QUOTA_EXCEEDED", codes)
	}
	if resp.ThrottleMillis != 4000 {
		t.Fatalf("throttle_time_ms %d, want 4000 (4 partitions owed at 1/s)", resp.ThrottleMillis)
	}
	if _, err := c.Partitions("one"); err == nil {
		t.Fatal("the throttled topic was created")
	}
	if err := mc.WaitForTimer(apiCtx(t), 4*time.Second); err != nil {
		t.Fatal(err)
	}
	mc.Advance(4 * time.Second)
	if codes := topicCodes(createTopicsAt(w, 7, map[string]int32{"one": 1}, "one")); codes["one"] != 0 {
		t.Fatalf("after the throttle: %v", codes)
	}
}

// Before CreateTopics v6 the client does not know the error: every topic
// is created and the client is throttled instead.
func TestControllerMutationRatePermissive(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := startAPICluster(t, broker.Clock(mc))
	setClientIDQuota(t, c, "wire-test", quota.ControllerMutationRate, 1)
	w := dialWire(t, c, c.Addrs()[0])
	resp := createTopicsAt(w, 5, map[string]int32{"a": 10, "b": 5}, "a", "b")
	if codes := topicCodes(resp); codes["a"] != 0 || codes["b"] != 0 {
		t.Fatalf("codes %v", codes)
	}
	if resp.ThrottleMillis != 4000 {
		t.Fatalf("throttle_time_ms %d, want 4000", resp.ThrottleMillis)
	}
}
