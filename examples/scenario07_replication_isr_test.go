package examples

// Scenario 7: replication, ISR and OSR.
//
// A topic with replication factor 3 has a replica on each of three
// brokers. The in-sync replicas (ISR) are those that have everything the
// leader has committed; the others are out of sync (OSR). A replica leaves
// the ISR when its broker stops (at once for a clean shutdown, after
// broker.session.timeout.ms for a crash) or when it stops catching up for
// replica.lag.time.max.ms. A partition with fewer in-sync replicas than
// replicas is under-replicated. When the leader goes, an in-sync follower
// takes over in a new leader epoch. A replica that comes back copies what
// it missed and rejoins the ISR.
//
// min.insync.replicas is the floor for acks=all: below it, writes are
// refused with NOT_ENOUGH_REPLICAS, while reads of what is committed go on.
//
// Every step stops brokers or moves the clock, so the scenario runs on
// gregor only.

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

func TestScenario07_BrokerDownShrinksISRAndComesBack(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startCluster(t, broker.Brokers(3), broker.Clock(mc))
	g := c.needGregor("stopping brokers")
	topic := c.createTopic("inventory", 3, 3, nil)
	prod := c.client(kgo.DefaultProduceTopic(topic), kgo.MetadataMinAge(10*time.Millisecond))
	for i := range 30 {
		c.produce(prod, &kgo.Record{Key: []byte{byte(i)}, Value: []byte("stock")})
	}
	if m := g.ReplicationMetrics(); m.UnderReplicatedPartitions != 0 {
		t.Fatalf("under-replicated partitions before any failure: %d", m.UnderReplicatedPartitions)
	}

	// Broker 3 crashes. Nothing changes until the controller misses its
	// heartbeats for broker.session.timeout.ms (9 s).
	must(t, g.CrashBroker(3))
	mc.Advance(8 * time.Second)
	if m := g.ReplicationMetrics(); m.UnderReplicatedPartitions != 0 {
		t.Fatalf("ISR changed before broker.session.timeout.ms: %+v", m)
	}
	mc.Advance(time.Second)
	parts, _ := g.Partitions(topic)
	ledByThree := 0
	for _, p := range parts {
		if slices.Contains(p.ISR, 3) {
			t.Fatalf("partition %d: ISR %v still holds the fenced broker 3", p.Partition, p.ISR)
		}
		if !slices.Equal(p.OfflineReplicas, []int32{3}) {
			t.Fatalf("partition %d: offline replicas %v, want [3]", p.Partition, p.OfflineReplicas)
		}
		if p.Replicas[0] == 3 {
			ledByThree++
			if p.Leader == 3 || p.LeaderEpoch != 1 {
				t.Fatalf("partition %d was led by broker 3: now leader %d, epoch %d", p.Partition, p.Leader, p.LeaderEpoch)
			}
		}
		t.Logf("partition %d: leader %d (epoch %d), ISR %v, offline %v", p.Partition, p.Leader, p.LeaderEpoch, p.ISR, p.OfflineReplicas)
	}
	if m := g.ReplicationMetrics(); m.UnderReplicatedPartitions != 3 || m.OfflinePartitions != 0 {
		t.Fatalf("metrics after losing broker 3: %+v; want all 3 partitions under-replicated, none offline", m)
	}
	if ledByThree != 1 {
		t.Fatalf("broker 3 led %d partitions; the round-robin placement gives each broker one", ledByThree)
	}

	// Writes go on to the new leaders.
	for i := range 30 {
		c.produce(prod, &kgo.Record{Key: []byte{byte(i)}, Value: []byte("more stock")})
	}

	// Broker 3 returns: it copies what it missed and rejoins every ISR.
	must(t, g.StartBroker(3))
	for p := range int32(3) {
		must(t, g.WaitForISR(c.ctx, topic, p, 1, 2, 3))
	}
	if m := g.ReplicationMetrics(); m.UnderReplicatedPartitions != 0 {
		t.Fatalf("under-replicated partitions after broker 3 caught up: %d", m.UnderReplicatedPartitions)
	}
	parts, _ = g.Partitions(topic)
	for _, p := range parts {
		leader, _ := p.LeaderReplica()
		if r := p.Replica[3]; r.LogEndOffset != leader.LogEndOffset {
			t.Fatalf("partition %d: broker 3 at offset %d, leader at %d", p.Partition, r.LogEndOffset, leader.LogEndOffset)
		}
	}
}

// A follower that is alive but stops copying (a slow disk, a long pause)
// leaves the ISR once it has not caught up for replica.lag.time.max.ms
// (30 s); the leader checks every 15 s.
func TestScenario07_LaggingFollowerBecomesOutOfSync(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startCluster(t, broker.Brokers(3), broker.Clock(mc))
	g := c.needGregor("pausing a follower")
	topic := c.createTopic("clicks", 1, 3, nil)
	prod := c.client(kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	p, _ := g.Partition(topic, 0)
	slow := p.Replicas[1]
	must(t, g.PauseReplication(topic, 0, slow))
	c.produce(prod, &kgo.Record{Value: []byte("click")})

	mc.Advance(30 * time.Second)
	if p, _ := g.Partition(topic, 0); !slices.Contains(p.ISR, slow) {
		t.Fatalf("broker %d left the ISR before lagging more than replica.lag.time.max.ms", slow)
	}
	mc.Advance(15 * time.Second)
	p, _ = g.Partition(topic, 0)
	if slices.Contains(p.ISR, slow) {
		t.Fatalf("ISR %v still holds broker %d, 45 s behind", p.ISR, slow)
	}
	t.Logf("broker %d is out of sync: ISR %v", slow, p.ISR)

	must(t, g.ResumeReplication(topic, 0, slow))
	must(t, g.WaitForISR(c.ctx, topic, 0, p.Replicas...))
}

// min.insync.replicas=2 with two of three brokers down: acks=all writes
// are refused, reads of the committed records go on.
func TestScenario07_MinInsyncReplicas(t *testing.T) {
	c := startCluster(t, broker.Brokers(3))
	g := c.needGregor("stopping brokers")
	topic := c.createTopic("ledger", 1, 3, map[string]*string{"min.insync.replicas": ptr("2")})
	prod := c.client(kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()))
	c.produce(prod, &kgo.Record{Value: []byte("debit")}, &kgo.Record{Value: []byte("credit")})

	p, _ := g.Partition(topic, 0)
	for _, id := range p.Replicas {
		if id != p.Leader {
			must(t, g.StopBroker(id))
		}
	}
	// kgo retries NOT_ENOUGH_REPLICAS (it is retriable), refreshing
	// metadata first; short limits make it give up quickly.
	late := c.client(kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordRetries(2),
		kgo.RetryBackoffFn(func(int) time.Duration { return time.Millisecond }), kgo.MetadataMinAge(10*time.Millisecond))
	err := late.ProduceSync(c.ctx, &kgo.Record{Value: []byte("refused")}).FirstErr()
	if !errors.Is(err, kerr.NotEnoughReplicas) {
		t.Fatalf("acks=all with one in-sync replica: %v; want NOT_ENOUGH_REPLICAS", err)
	}
	cons := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if got := values(c.consume(cons, 2)); !slices.Equal(got, []string{"debit", "credit"}) {
		t.Fatalf("reading with two brokers down: %v", got)
	}
}
