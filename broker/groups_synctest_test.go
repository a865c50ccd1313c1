package broker_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Inside a testing/synctest bubble every wait is virtual, the broker's and
// the clients' alike: with kgo's defaults (a 45 s session timeout, 3 s
// heartbeats) a consumer that crashes is evicted and its partitions handed
// over, and the test takes milliseconds of wall time.
//
// group.initial.rebalance.delay.ms is 0 here, as gregor.Start sets it: a
// kgo consumer waits for its parked JoinGroup response while another of
// its goroutines waits on a mutex, and a goroutine blocked on a mutex is
// not "durably blocked" to synctest, so virtual time could not move
// forward to end the delay.
func TestSynctestSessionTimeoutWithKafkaDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := broker.New(broker.InMemoryNetwork(), broker.Topic("orders", 4, 1, nil), broker.Config("group.initial.rebalance.delay.ms", "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		var mu sync.Mutex
		var conns []net.Conn
		dead := false
		crashDialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			defer mu.Unlock()
			if dead {
				return nil, net.ErrClosed
			}
			nc, err := c.Dial(ctx, network, addr)
			if err == nil {
				conns = append(conns, nc)
			}
			return nc, err
		}
		opts := []kgo.Opt{kgo.SeedBrokers(c.Addrs()...), kgo.ConsumerGroup("virtual"), kgo.ConsumeTopics("orders"),
			kgo.Balancers(kgo.RangeBalancer())}
		survivor, err := kgo.NewClient(append(opts, kgo.Dialer(c.Dial), kgo.ClientID("survivor"))...)
		if err != nil {
			t.Fatal(err)
		}
		defer survivor.Close()
		victim, err := kgo.NewClient(append(opts, kgo.Dialer(crashDialer), kgo.ClientID("victim"))...)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.WaitForStable(ctx, "virtual", 2); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		dead = true
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		victimClosed := make(chan struct{})
		go func() { victim.Close(); close(victimClosed) }() // its LeaveGroup cannot get through
		d, err := c.WaitForOwner(ctx, "virtual", "survivor", "orders", 0, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Members) != 1 {
			t.Fatalf("members %d", len(d.Members))
		}
		if took := time.Since(start); took < 45*time.Second {
			t.Fatalf("the victim was gone after %v of virtual time, before its 45 s session", took)
		}
		<-victimClosed
		survivor.Close()
		c.Close()
		synctest.Wait()
	})
}
