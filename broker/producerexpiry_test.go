package broker_test

import (
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// describedProducers lists the producers DescribeProducers reports for
// partition 0 of topic, by id: their last sequence.
func describedProducers(t *testing.T, c *broker.Cluster, topic string) map[int64]int32 {
	t.Helper()
	ps, err := apiAdmin(t, c).DescribeProducers(apiCtx(t), kadm.TopicsSet{topic: {0: {}}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int32{}
	ps.EachProducer(func(dp kadm.DescribedProducer) { out[dp.ProducerID] = dp.LastSequence })
	return out
}

// producer.id.expiration.ms on the cluster clock: the periodic check
// (producer.id.expiration.check.interval.ms) forgets an idempotent
// producer once its last timestamp is that old, DescribeProducers stops
// listing it, and its next batch (sequence 1, from a producer the
// partition no longer knows) is accepted as a new producer's, as Kafka
// 4 accepts any sequence of an unknown producer (KIP-360).
func TestProducerIDExpirationOnClusterClock(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc), broker.Topic("e", 1, 1, nil),
		broker.Config("producer.id.expiration.ms", "60000"),
		broker.Config("producer.id.expiration.check.interval.ms", "10000"))
	cl := apiClient(t, c, manualPartitioner())
	produce := func(v string) {
		t.Helper()
		r := &kgo.Record{Topic: "e", Partition: 0, Value: []byte(v), Timestamp: mc.Now()}
		if err := cl.ProduceSync(apiCtx(t), r).FirstErr(); err != nil {
			t.Fatalf("producing %q: %v", v, err)
		}
	}
	produce("a")
	before := describedProducers(t, c, "e")
	if len(before) != 1 {
		t.Fatalf("producers %v, want the client's", before)
	}
	mc.Advance(50 * time.Second) // checks at 10..50 s: 50 s old, kept
	if got := describedProducers(t, c, "e"); len(got) != 1 {
		t.Fatalf("producers after 50 s %v, want the client's still", got)
	}
	mc.Advance(10 * time.Second) // the check at 60 s: expired
	if got := describedProducers(t, c, "e"); len(got) != 0 {
		t.Fatalf("producers after producer.id.expiration.ms %v, want none", got)
	}
	produce("b")
	after := describedProducers(t, c, "e")
	for pid := range before {
		if seq, ok := after[pid]; !ok || seq != 1 {
			t.Fatalf("producers after the late batch %v, want producer %d again at sequence 1", after, pid)
		}
	}
}
