package broker_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

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
