package examples

// Scenario 3: producer acks and durability, on a topic with replication
// factor 3.
//
//   - acks=0: the producer does not wait for the broker at all. It cannot
//     even learn that the broker refused a record.
//   - acks=1: the leader alone acknowledges. If it dies before its
//     followers copied the record, a follower becomes leader without it,
//     and when the old leader comes back it truncates its log to match:
//     the acknowledged record is gone for good.
//   - acks=all: the leader acknowledges once every in-sync replica has
//     the record (the high watermark has passed it), so losing any one
//     broker loses nothing.
//
// Stopping brokers and moving the clock need gregor's control surface;
// those steps skip against a real cluster.

import (
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kgo"
)

// acksCluster starts three brokers on a manual clock: replication factor 3
// needs three brokers, and crashing one is only noticed after
// broker.session.timeout.ms, which the test skips with the clock.
func acksCluster(t *testing.T) (*cluster, *clock.Manual) {
	mc := clock.NewManual(time.Time{})
	return startCluster(t, broker.Brokers(3), broker.Clock(mc)), mc
}

// A refused record looks like a success to an acks=0 producer: the broker
// sends no response, so all it can do is close the connection.
func TestScenario03_AcksZeroDoesNotWaitForTheBroker(t *testing.T) {
	c := startCluster(t, broker.Brokers(3))
	c.needBrokers(3)
	topic := c.createTopic("fire-and-forget", 1, 3, map[string]*string{"max.message.bytes": ptr("1000")})
	prod := c.client(kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite(), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchMaxBytes(1<<20))

	small := &kgo.Record{Value: []byte("small enough")}
	// Random bytes, so that compression cannot shrink the batch below
	// max.message.bytes.
	noise := make([]byte, 5000)
	_, _ = rand.Read(noise)
	tooBig := &kgo.Record{Value: noise}
	for _, r := range []*kgo.Record{small, tooBig} {
		if err := prod.ProduceSync(c.ctx, r).FirstErr(); err != nil {
			t.Fatalf("acks=0 producer saw an error: %v", err)
		}
	}
	// Both "succeeded", but only the small record is in the log. (The
	// producer did not wait for the broker, so neither does the test: it
	// reads until the small record arrives. The broker handles a
	// connection's requests in order, and nothing can follow the refused
	// one, so the log ends after the small record for good.)
	cons := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if got := c.consume(cons, 1); string(got[0].Value) != "small enough" {
		t.Fatalf("log holds %v; want the small record first", values(got))
	}
	ends, err := c.admin.ListEndOffsets(c.ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if end, _ := ends.Lookup(topic, 0); end.Offset != 1 {
		t.Fatalf("log end offset %d; want 1: the large record was refused, silently", end.Offset)
	}
}

// acks=1 loses an acknowledged record when the leader dies before its
// followers copied it.
func TestScenario03_AcksOneLosesWhatOnlyTheLeaderHad(t *testing.T) {
	c, mc := acksCluster(t)
	g := c.needGregor("pausing followers and crashing a broker")
	topic := c.createTopic("payments", 1, 3, nil)
	prod := c.client(kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(), kgo.DefaultProduceTopic(topic),
		kgo.MetadataMinAge(10*time.Millisecond))
	c.produce(prod, &kgo.Record{Value: []byte("replicated")})
	if err := g.WaitForReplication(c.ctx); err != nil {
		t.Fatal(err)
	}

	// The followers fall behind (a slow disk, a long GC pause...).
	p, _ := g.Partition(topic, 0)
	leader := p.Leader
	for _, id := range p.Replicas {
		if id != leader {
			must(t, g.PauseReplication(topic, 0, id))
		}
	}
	c.produce(prod, &kgo.Record{Value: []byte("acknowledged by the leader alone")})
	p, _ = g.Partition(topic, 0)
	lr, _ := p.LeaderReplica()
	t.Logf("leader %d: log end offset %d, high watermark %d: the second record is not committed yet", leader, lr.LogEndOffset, lr.HighWatermark)

	// The leader crashes. After broker.session.timeout.ms without a
	// heartbeat the controller fences it and elects a follower.
	must(t, g.CrashBroker(leader))
	for _, id := range p.Replicas {
		if id != leader {
			must(t, g.ResumeReplication(topic, 0, id))
		}
	}
	mc.Advance(9 * time.Second)
	p, _ = g.Partition(topic, 0)
	if p.Leader == leader || p.Leader < 0 {
		t.Fatalf("no new leader after the crash: leader %d", p.Leader)
	}
	t.Logf("broker %d crashed; broker %d leads now, in leader epoch %d", leader, p.Leader, p.LeaderEpoch)

	// The old leader comes back as a follower and truncates its log to
	// the new leader's: the record it alone had disappears.
	must(t, g.StartBroker(leader))
	must(t, g.WaitForISR(c.ctx, topic, 0, p.Replicas...))
	p, _ = g.Partition(topic, 0)
	for id, r := range p.Replica {
		if r.LogEndOffset != 1 {
			t.Fatalf("broker %d holds %d records; every replica should hold only the replicated one", id, r.LogEndOffset)
		}
	}
	cons := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if got := c.consume(cons, 1); string(got[0].Value) != "replicated" {
		t.Fatalf("after the failover the log holds %v; want only the replicated record", values(got))
	}
}

// acks=all: acknowledged means every in-sync replica has it; stopping any
// one broker, even the leader, loses nothing.
func TestScenario03_AcksAllSurvivesAnyOneBroker(t *testing.T) {
	c, mc := acksCluster(t)
	g := c.needGregor("crashing brokers")
	topic := c.createTopic("orders", 1, 3, nil)
	prod := c.client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic(topic), kgo.MetadataMinAge(10*time.Millisecond))
	var want []string
	for i := range 5 {
		v := "order-" + string(rune('a'+i))
		want = append(want, v)
		c.produce(prod, &kgo.Record{Value: []byte(v)})
	}
	// No waiting needed: acks=all returned, so every replica has them.
	p, _ := g.Partition(topic, 0)
	for id, r := range p.Replica {
		if r.LogEndOffset != 5 {
			t.Fatalf("broker %d has %d records after acks=all, want 5", id, r.LogEndOffset)
		}
	}
	must(t, g.CrashBroker(p.Leader))
	mc.Advance(9 * time.Second) // broker.session.timeout.ms
	// A new consumer finds the new leader and reads everything.
	cons := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if got := values(c.consume(cons, len(want))); !slices.Equal(got, want) {
		t.Fatalf("after losing the leader: %v, want %v", got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr(s string) *string { return &s }
