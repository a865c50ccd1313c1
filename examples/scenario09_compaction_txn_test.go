package examples

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Scenario 9 with transactions: a compacted topic written by a
// transactional producer, one transaction aborted between two committed
// ones. The cleaner removes the aborted transaction's records (they never
// shadow the committed value of the same key), so once it has run even a
// read_uncommitted consumer no longer sees them, and a read_committed
// one sees each key's latest committed value. The markers stay a while
// (delete.retention.ms); consumers never see them either way.
func TestScenario09CompactionWithTransactions(t *testing.T) {
	c := startCluster(t, broker.Config("log.cleaner.backoff.ms", "10"))
	topic := c.createTopic("scenario09-compacted-txn", 1, 1, map[string]*string{
		"cleanup.policy":            ptr("compact"),
		"internal.segment.bytes":    ptr("160"), // two batches a segment
		"min.cleanable.dirty.ratio": ptr("0.01"),
	})
	txn := c.txnProducer("scenario09-txn", time.Minute)
	inTxn := func(commit bool, kvs ...[2]string) {
		t.Helper()
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, kv := range kvs {
			c.produce(txn, &kgo.Record{Topic: topic, Key: []byte(kv[0]), Value: []byte(kv[1])})
		}
		if err := txn.EndTransaction(c.ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	inTxn(true, [2]string{"a", "committed-1"}, [2]string{"b", "committed-1"})
	inTxn(false, [2]string{"a", "aborted"}, [2]string{"c", "aborted"})
	inTxn(true, [2]string{"b", "committed-2"})
	plain := c.client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := 1; i <= 4; i++ { // the active segment moves past the transactions
		c.produce(plain, &kgo.Record{Topic: topic, Key: []byte("z"), Value: []byte(fmt.Sprint(i))})
	}

	view := func(iso kgo.IsolationLevel) map[string]string {
		latest := map[string]string{}
		for _, r := range readCompactedAt(c, topic, iso) {
			latest[string(r.Key)] = string(r.Value)
		}
		return latest
	}
	var got map[string]string
	c.eventually("the aborted records cleaned away", func() bool {
		got = view(kgo.ReadUncommitted())
		return got["a"] == "committed-1" && got["c"] == "" && !strings.Contains(fmt.Sprint(got), "aborted")
	})
	got = view(kgo.ReadCommitted())
	if got["a"] != "committed-1" || got["b"] != "committed-2" || got["z"] != "4" || len(got) != 3 {
		t.Fatalf("read_committed after cleaning sees %v, want a=committed-1 b=committed-2 z=4", got)
	}
}

// readCompactedAt reads partition 0 from its earliest offset up to its
// end offset at an isolation level (the last record must be one that
// level returns).
func readCompactedAt(c *cluster, topic string, iso kgo.IsolationLevel) []*kgo.Record {
	c.t.Helper()
	ends, err := c.admin.ListEndOffsets(c.ctx, topic)
	if err != nil {
		c.t.Fatal(err)
	}
	end, _ := ends.Lookup(topic, 0)
	cl := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(iso))
	defer cl.Close()
	var got []*kgo.Record
	for len(got) == 0 || got[len(got)-1].Offset < end.Offset-1 {
		fs := cl.PollFetches(c.ctx)
		if err := fs.Err(); err != nil {
			c.t.Fatalf("reading %s: %v", topic, err)
		}
		got = append(got, fs.Records()...)
	}
	return got
}
