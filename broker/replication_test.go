package broker_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kgo"
)

func newClient(t *testing.T, c *broker.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	// A short metadata min age lets the client follow leadership changes
	// at once instead of after kgo's default 5 s.
	base := []kgo.Opt{kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.MetadataMinAge(10 * time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond })}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	// Close the cluster before the client: with a manual clock a
	// consumer's fetch stays parked, and closing the client first would
	// wait for kgo's own timeout before its session-closing request.
	t.Cleanup(func() {
		c.Close()
		cl.Close()
	})
	return cl
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// produce writes n records with values prefix-0..n-1 to partition 0.
func produce(t *testing.T, cl *kgo.Client, topic, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		r := &kgo.Record{Topic: topic, Partition: 0, Value: []byte(fmt.Sprintf("%s-%d", prefix, i))}
		if err := cl.ProduceSync(ctxFor(t), r).FirstErr(); err != nil {
			t.Fatalf("produce %s-%d: %v", prefix, i, err)
		}
	}
}

func TestFollowersReplicateAndHighWatermarkAdvances(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("orders", 1, 3, nil))
	cl := newClient(t, c, manualPartitioner(), kgo.RequiredAcks(kgo.AllISRAcks()))
	produce(t, cl, "orders", "v", 20)
	p, err := c.Partition("orders", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ISR) != 3 || p.Leader < 1 {
		t.Fatalf("partition %+v", p)
	}
	leader, _ := p.LeaderReplica()
	if leader.HighWatermark != 20 || leader.LogEndOffset != 20 {
		t.Fatalf("leader hw %d leo %d, want 20/20", leader.HighWatermark, leader.LogEndOffset)
	}
	// acks=all returned, so every ISR member has every record.
	for id, r := range p.Replica {
		if r.LogEndOffset != 20 {
			t.Errorf("replica on broker %d has log end offset %d, want 20", id, r.LogEndOffset)
		}
	}
}

// Curriculum scenario 3: with acks=1 the leader alone acknowledges; if it
// fails before the followers copied the record, the record is gone after
// the failover, and the old leader truncates it away when it comes back.
func TestAcksOneLosesRecordOnFailover(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("payments", 1, 3, nil))
	cl := newClient(t, c, manualPartitioner(), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	produce(t, cl, "payments", "safe", 5)
	p, _ := c.Partition("payments", 0)
	oldLeader := p.Leader
	if err := c.WaitForReplication(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	for _, id := range p.Replicas {
		if id != oldLeader {
			if err := c.PauseReplication("payments", 0, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	produce(t, cl, "payments", "doomed", 1) // acked by the leader alone
	p, _ = c.Partition("payments", 0)
	if lr, _ := p.LeaderReplica(); lr.LogEndOffset != 6 || lr.HighWatermark != 5 {
		t.Fatalf("leader leo %d hw %d, want 6 and 5 (the record is not committed)", lr.LogEndOffset, lr.HighWatermark)
	}
	if err := c.CrashBroker(oldLeader); err != nil {
		t.Fatal(err)
	}
	for _, id := range p.Replicas {
		if id != oldLeader {
			c.ResumeReplication("payments", 0, id)
		}
	}
	mc.Advance(9 * time.Second) // broker.session.timeout.ms: the controller fences the crashed broker
	p, _ = c.Partition("payments", 0)
	if p.Leader == oldLeader || p.Leader < 0 {
		t.Fatalf("no failover: leader %d", p.Leader)
	}
	if slices.Contains(p.ISR, oldLeader) {
		t.Fatalf("crashed broker still in ISR %v", p.ISR)
	}
	if err := c.StartBroker(oldLeader); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForISR(ctxFor(t), "payments", 0, p.Replicas...); err != nil {
		t.Fatal(err)
	}
	p, _ = c.Partition("payments", 0)
	for id, r := range p.Replica {
		if r.LogEndOffset != 5 {
			t.Errorf("broker %d has log end offset %d after failover; want 5: the acks=1 record is lost everywhere", id, r.LogEndOffset)
		}
	}
}
