package broker_test

import (
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Reference: KIP-612. connection_creation_rate=1 on the default ip lets
// a client open ten connections in a young window (one per second over
// ten seconds); the eleventh is held unread for the throttle (at most one
// window) on the cluster clock and then closed without an answer.
func TestConnectionCreationRate(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := startAPICluster(t, broker.Clock(mc))
	if err := c.AlterClientQuotas(quota.Alteration{Entity: []quota.Component{{Type: quota.IP}},
		Ops: []quota.Op{{Key: quota.ConnectionCreationRate, Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		w := dialWire(t, c, c.Addrs()[0])
		req := kmsg.NewPtrApiVersionsRequest()
		resp := kmsg.NewPtrApiVersionsResponse()
		w.roundTrip(req, resp)
		if resp.ErrorCode != 0 {
			t.Fatalf("connection %d: ApiVersions error %d", i+1, resp.ErrorCode)
		}
	}
	w := dialWire(t, c, c.Addrs()[0])
	w.send(kmsg.NewPtrApiVersionsRequest())
	if err := mc.WaitForTimer(apiCtx(t), time.Second); err != nil {
		t.Fatalf("the eleventh connection was not held for one window: %v", err)
	}
	mc.Advance(time.Second)
	w.expectClosed()
	if n := len(c.Requests(func(r broker.RequestRecord) bool { return r.API == kmsg.ApiVersions })); n != 10 {
		t.Fatalf("%d ApiVersions requests handled, want 10 (the throttled connection's unread)", n)
	}
}
