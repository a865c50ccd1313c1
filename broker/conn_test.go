package broker

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A client that hangs up while its fetch is parked frees the connection
// at once: the parked request gives up rather than waiting out max_wait_ms
// (here forever, the clock being manual) for a client that is gone.
func TestHangupReleasesParkedFetch(t *testing.T) {
	c := startConnTestCluster(t, Clock(clock.NewManual(time.Time{})), Topic("t", 1, 1, nil))
	b := c.Broker(1)
	nc, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(11)
	req.MaxWaitMillis = 60_000
	req.MinBytes = 1
	req.SessionEpoch = -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 1 << 20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	if _, err := nc.Write(kmsg.NewRequestFormatter().AppendRequest(nil, req, 1)); err != nil {
		t.Fatal(err)
	}
	// Once the broker has the connection, the client goes away. The
	// fetch is read before the hang-up and parks: there is nothing to
	// read, and the manual clock never ends max_wait_ms.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	openConns := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.conns)
	}
	if err := c.WaitUntil(ctx, func() bool { return openConns() == 1 }); err != nil {
		t.Fatalf("the broker never accepted the connection: %v", err)
	}
	nc.Close()
	if err := c.WaitUntil(ctx, func() bool { return openConns() == 0 }); err != nil {
		t.Fatalf("%d connections still open after the client hung up: %v", openConns(), err)
	}
}
