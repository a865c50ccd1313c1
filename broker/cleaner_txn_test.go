package broker_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A compacted topic written by franz-go's transactional producer, some
// transactions committed and one aborted: after the cleaner's backoff,
// read_uncommitted consumers see no aborted data any more, and
// read_committed ones see each key's latest committed value.
func TestCompactionRemovesAbortedTransactions(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Config("log.cleaner.backoff.ms", "1000"),
		broker.Topic("t", 1, 1, map[string]string{"cleanup.policy": "compact", "internal.segment.bytes": "300",
			"delete.retention.ms": "60000", "min.cleanable.dirty.ratio": "0.01"}))
	cl := txnClient(t, c, "compacted")
	txn := func(commit bool, kvs ...string) {
		t.Helper()
		ctx := apiCtx(t)
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(kvs); i += 2 {
			r := &kgo.Record{Key: []byte(kvs[i]), Value: []byte(kvs[i+1]), Timestamp: mc.Now()}
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	txn(true, "a", "committed-1", "b", "committed-1")
	txn(false, "a", "aborted", "c", "aborted")
	txn(true, "b", "committed-2")
	plain := rawProducer(t, c)
	produceKeyed(t, plain, mc, "t", "z", "1", "z", "2", "z", "3", "z", "4", "z", "5")
	// The markers are written once every transaction is complete.
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 8); len(got) != 8 {
		t.Fatalf("read_committed before cleaning: %v", got)
	}
	before := fmt.Sprint(readCompacted(t, c, "t"))
	if !strings.Contains(before, "a=aborted") {
		t.Fatalf("read_uncommitted before cleaning %s: the test wants the aborted data there", before)
	}
	r := leaderSegments(t, c, "t")
	if n := len(r.AbortedTransactions); n != 1 {
		t.Fatalf("%d aborted transactions indexed before cleaning", n)
	}

	mc.Advance(time.Second)
	uncommitted := fmt.Sprint(readCompacted(t, c, "t"))
	if strings.Contains(uncommitted, "aborted") {
		t.Fatalf("read_uncommitted after cleaning %s: aborted data is still there", uncommitted)
	}
	committed := readCompacted(t, c, "t", kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	latest := map[string]string{}
	for _, rec := range committed {
		kv := rec[strings.Index(rec, ":")+1:]
		k, v, _ := strings.Cut(kv, "=")
		latest[k] = v
	}
	if latest["a"] != "committed-1" || latest["b"] != "committed-2" || latest["z"] != "5" || latest["c"] != "" {
		t.Fatalf("read_committed after cleaning %v: want a=committed-1, b=committed-2, z=5 and no c", committed)
	}
	if strings.Contains(fmt.Sprint(committed), "b=committed-1") {
		t.Fatalf("read_committed after cleaning %v: b's older value was not cleaned", committed)
	}
	// Sarama's consumers read the cleaned log the same way.
	last := committed[len(committed)-1]
	for _, iso := range []sarama.IsolationLevel{sarama.ReadUncommitted, sarama.ReadCommitted} {
		if got := saramaRead(t, c, iso, last); fmt.Sprint(got) != fmt.Sprint(committed) {
			t.Fatalf("Sarama at isolation level %d reads %v, franz-go's read_committed %v", iso, got, committed)
		}
	}
	// The cleaning that removed the aborted data kept the ABORT marker and
	// its index entry; the next one finds no data of it and drops the
	// entry (the marker waits for delete.retention.ms).
	if n := len(leaderSegments(t, c, "t").AbortedTransactions); n != 1 {
		t.Fatalf("%d aborted transactions indexed after the first cleaning, want 1", n)
	}
	produceKeyed(t, plain, mc, "t", "z", "6", "z", "7", "z", "8", "z", "9")
	mc.Advance(time.Second)
	if n := len(leaderSegments(t, c, "t").AbortedTransactions); n != 0 {
		t.Fatalf("%d aborted transactions indexed once their data is gone, want 0", n)
	}
	if got := fmt.Sprint(readCompacted(t, c, "t", kgo.FetchIsolationLevel(kgo.ReadCommitted()))); !strings.Contains(got, "a=committed-1") || strings.Contains(got, "aborted") {
		t.Fatalf("read_committed after the second cleaning %s", got)
	}
}

// saramaRead consumes partition 0 of topic t with Sarama from the oldest
// offset up to the record last ("offset:key=value"), in the same form.
func saramaRead(t *testing.T, c *broker.Cluster, iso sarama.IsolationLevel, last string) []string {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_6_0_0
	cfg.Consumer.IsolationLevel = iso
	consumer, err := sarama.NewConsumer(c.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := consumer.ConsumePartition("t", 0, sarama.OffsetOldest)
	if err != nil {
		consumer.Close()
		t.Fatal(err)
	}
	// Once it has read everything, the consumer's next fetch waits for
	// fetch.max.wait.ms on the cluster's manual clock, which this test
	// does not advance for it, and Close waits for that fetch: close it
	// on the side; the cluster's shutdown ends the fetch.
	defer func() {
		go func() {
			pc.Close()
			consumer.Close()
		}()
	}()
	ctx := apiCtx(t)
	var out []string
	for len(out) == 0 || out[len(out)-1] != last {
		select {
		case m := <-pc.Messages():
			out = append(out, fmt.Sprintf("%d:%s=%s", m.Offset, m.Key, m.Value))
		case <-ctx.Done():
			t.Fatalf("Sarama read %v, not yet %s", out, last)
		}
	}
	return out
}
