package broker_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A follower that stops fetching (but whose broker is alive) leaves the
// ISR once replica.lag.time.max.ms has passed since it was last caught up;
// the leader checks every replica.lag.time.max.ms/2, so it happens between
// 30 s and 45 s by the clock. Resumed, it catches up and rejoins.
func TestLaggingFollowerLeavesAndRejoinsISR(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("logs", 1, 3, nil))
	cl := newClient(t, c, manualPartitioner(), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	p, _ := c.Partition("logs", 0)
	follower := p.Replicas[1]
	if follower == p.Leader {
		follower = p.Replicas[2]
	}
	if err := c.PauseReplication("logs", 0, follower); err != nil {
		t.Fatal(err)
	}
	produce(t, cl, "logs", "x", 3)
	mc.Advance(15 * time.Second)
	if p, _ := c.Partition("logs", 0); len(p.ISR) != 3 {
		t.Fatalf("ISR shrank after 15s: %v", p.ISR)
	}
	mc.Advance(30 * time.Second) // the check at 45s sees 45s of lag > 30s
	p, _ = c.Partition("logs", 0)
	if slices.Contains(p.ISR, follower) || len(p.ISR) != 2 {
		t.Fatalf("ISR %v still holds lagging follower %d", p.ISR, follower)
	}
	m := c.ReplicationMetrics()
	if m.UnderReplicatedPartitions != 1 || m.ISRShrinks != 1 {
		t.Fatalf("metrics %+v", m)
	}
	// The high watermark no longer waits for the lagging follower.
	if lr, _ := p.LeaderReplica(); lr.HighWatermark != 3 {
		t.Fatalf("high watermark %d, want 3", lr.HighWatermark)
	}
	if err := c.ResumeReplication("logs", 0, follower); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForISR(ctxFor(t), "logs", 0, p.Replicas...); err != nil {
		t.Fatal(err)
	}
	if m := c.ReplicationMetrics(); m.UnderReplicatedPartitions != 0 || m.ISRExpands != 1 {
		t.Fatalf("metrics after catching up %+v", m)
	}
}

// min.insync.replicas=2 with two of three brokers stopped: acks=all writes
// fail with NOT_ENOUGH_REPLICAS, while consumers still read everything up
// to the high watermark.
func TestMinInsyncReplicas(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("orders", 1, 3, map[string]string{"min.insync.replicas": "2"}))
	cl := newClient(t, c, manualPartitioner(), kgo.RequiredAcks(kgo.AllISRAcks()))
	produce(t, cl, "orders", "ok", 4)
	p, _ := c.Partition("orders", 0)
	stopped := 0
	for _, id := range p.Replicas {
		if id != p.Leader && stopped < 2 {
			if err := c.StopBroker(id); err != nil {
				t.Fatal(err)
			}
			stopped++
		}
	}
	if p, _ := c.Partition("orders", 0); len(p.ISR) != 1 {
		t.Fatalf("ISR after stopping two brokers: %v", p.ISR)
	}
	// A client that starts now sees only the live broker and gives up
	// after a few retries of the retriable error.
	late := newClient(t, c, manualPartitioner(), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordRetries(3))
	err := late.ProduceSync(ctxFor(t), &kgo.Record{Topic: "orders", Value: []byte("refused")}).FirstErr()
	if !errors.Is(err, kerr.NotEnoughReplicas) {
		t.Fatalf("acks=all with ISR below min.insync.replicas: %v, want NOT_ENOUGH_REPLICAS", err)
	}
	cons := newClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"orders": {0: kgo.NewOffset().AtStart()}}))
	got := 0
	for got < 4 {
		fs := cons.PollFetches(ctxFor(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		got += fs.NumRecords()
	}
	if got != 4 {
		t.Fatalf("consumed %d, want the 4 committed records", got)
	}
}

// Stopping the leader cleanly moves leadership at once (controlled
// shutdown) to the next in-sync replica, with a new leader epoch; clients
// follow the new leader without losing acknowledged records.
func TestControlledShutdownMovesLeadership(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("events", 1, 3, nil))
	cl := newClient(t, c, manualPartitioner(), kgo.RequiredAcks(kgo.AllISRAcks()))
	produce(t, cl, "events", "before", 10)
	p, _ := c.Partition("events", 0)
	if err := c.StopBroker(p.Leader); err != nil {
		t.Fatal(err)
	}
	np, _ := c.Partition("events", 0)
	if np.Leader == p.Leader || np.Leader < 0 || np.LeaderEpoch != p.LeaderEpoch+1 {
		t.Fatalf("after stopping leader %d: leader %d epoch %d (was %d)", p.Leader, np.Leader, np.LeaderEpoch, p.LeaderEpoch)
	}
	produce(t, cl, "events", "after", 10)
	cons := newClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"events": {0: kgo.NewOffset().AtStart()}}))
	var values []string
	for len(values) < 20 {
		fs := cons.PollFetches(ctxFor(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	if values[0] != "before-0" || values[10] != "after-0" || len(values) != 20 {
		t.Fatalf("records after failover: %v", values)
	}
	if err := c.StartBroker(p.Leader); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForISR(ctxFor(t), "events", 0, p.Replicas...); err != nil {
		t.Fatal(err)
	}
	if n := c.ElectPreferredLeaders(); n != 1 {
		t.Fatalf("preferred election moved %d partitions, want 1", n)
	}
	if p2, _ := c.Partition("events", 0); p2.Leader != p.Replicas[0] {
		t.Fatalf("leader %d, want preferred %d", p2.Leader, p.Replicas[0])
	}
}
