package broker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/quota"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// produceThrottle sends one Produce of about 20 kB as the client and
// returns the throttle_time_ms it was given.
func produceThrottle(t *testing.T, c *broker.Cluster, mc *clock.Manual, clientID, topic string) int32 {
	t.Helper()
	cl := apiClient(t, c, kgo.ClientID(clientID))
	batch := testBatch(t, record.BatchOptions{}, record.Record{Timestamp: mc.Now().UnixMilli(), Value: []byte(strings.Repeat("x", 20000))})
	req := kmsg.NewPtrProduceRequest()
	req.Acks, req.TimeoutMillis = 1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(apiCtx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	if ec := resp.Topics[0].Partitions[0].ErrorCode; ec != 0 {
		t.Fatalf("produce as %s: error %d", clientID, ec)
	}
	return resp.ThrottleMillis
}

// Reference: ClientQuotaManager's precedence. The default user is held
// to 1000 B/s, user vip has a quota of its own: a 20 kB produce throttles
// an ordinary user for about ten seconds and vip not at all, and each
// user's rate is its own (the second ordinary user starts afresh).
func TestUserQuotaPrecedence(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := startAPICluster(t, broker.Clock(mc), broker.Topic("users", 1, 1, nil))
	broker.SetTestPrincipals(c, func(clientID string) string { return "User:" + clientID })
	vip := "vip"
	if err := c.AlterClientQuotas(
		quota.Alteration{Entity: []quota.Component{{Type: quota.User}}, Ops: []quota.Op{{Key: quota.ProducerByteRate, Value: 1000}}},
		quota.Alteration{Entity: []quota.Component{{Type: quota.User, Name: &vip}}, Ops: []quota.Op{{Key: quota.ProducerByteRate, Value: 1e9}}},
	); err != nil {
		t.Fatal(err)
	}
	if th := produceThrottle(t, c, mc, "vip", "users"); th != 0 {
		t.Fatalf("vip was throttled %d ms", th)
	}
	for _, u := range []string{"alice", "bob"} {
		if th := produceThrottle(t, c, mc, u, "users"); th < 9000 || th > 11000 {
			t.Fatalf("%s: throttle_time_ms %d, want about 10000", u, th)
		}
	}
}

// request_percentage counts the time a handler takes on the cluster
// clock: a Metadata request held two seconds (an injected delay) is 200%
// of a handler-second over a young ten-second window, twice a quota of
// 10%, and the throttle is bounded by one window (ClientRequestQuotaManager).
func TestRequestPercentageThrottle(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := startAPICluster(t, broker.Clock(mc))
	setClientIDQuota(t, c, "busy", quota.RequestPercentage, 10)
	c.InjectFault(broker.Fault{API: kmsg.Metadata, ClientID: "busy", Delay: 2 * time.Second, Times: 1})
	cl := apiClient(t, c, kgo.ClientID("busy"))
	done := make(chan *kmsg.MetadataResponse, 1)
	go func() {
		resp, err := kmsg.NewPtrMetadataRequest().RequestWith(apiCtx(t), cl)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	if err := mc.WaitForTimer(apiCtx(t), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	mc.Advance(2 * time.Second)
	resp := <-done
	if resp == nil || resp.ThrottleMillis != 1000 {
		t.Fatalf("throttle_time_ms %v, want 1000 (one window)", resp)
	}
}
