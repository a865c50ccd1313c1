package examples

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
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
	// Below the active segment (z=3 and z=4, at 10 and 11) each key
	// keeps its latest value outside the aborted transaction.
	want := "[0:a=committed-1 6:b=committed-2 9:z=2 10:z=3 11:z=4]"
	c.eventually("the log cleaned to "+want, func() bool {
		var seen []string
		for _, r := range readCompactedAt(c, topic, kgo.ReadUncommitted()) {
			seen = append(seen, fmt.Sprintf("%d:%s=%s", r.Offset, r.Key, r.Value))
		}
		return fmt.Sprint(seen) == want
	})
	got := view(kgo.ReadCommitted())
	if got["a"] != "committed-1" || got["b"] != "committed-2" || got["z"] != "4" || len(got) != 3 {
		t.Fatalf("read_committed after cleaning sees %v, want a=committed-1 b=committed-2 z=4", got)
	}
	// The batches left, as Kafka's cleaner leaves them: the aborted
	// transaction's two are gone, its ABORT marker (5) stays for
	// delete.retention.ms, and each COMMIT marker (2, 7) stays while its
	// transaction's record does.
	if got, want := fmt.Sprint(batchLayout(c, topic)), "[0-0/1 2-2/1C 5-5/1C 6-6/1 7-7/1C 9-9/1 10-10/1 11-11/1]"; got != want {
		t.Fatalf("batches after cleaning %s, want %s", got, want)
	}
}

// batchLayout is the partition's batches as a raw Fetch returns them:
// "first-last/records", with C for a control batch.
func batchLayout(c *cluster, topic string) []string {
	c.t.Helper()
	cl := c.client(kgo.MaxVersions(kversion.V3_0_0()))
	var out []string
	for offset, hw := int64(0), int64(1); offset < hw; {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MaxBytes, req.ReplicaID = 0, 1<<20, -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.FetchOffset, rp.PartitionMaxBytes = offset, 1<<20
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(c.ctx, cl)
		if err != nil {
			c.t.Fatal(err)
		}
		p := resp.Topics[0].Partitions[0]
		hw = p.HighWatermark
		b := p.RecordBatches
		if len(b) < 12 {
			c.t.Fatalf("fetch at %d below the high watermark %d returned no batch", offset, hw)
		}
		for len(b) >= 12 {
			n := 12 + int(int32(binary.BigEndian.Uint32(b[8:])))
			var rb kmsg.RecordBatch
			if err := rb.ReadFrom(b[:n]); err != nil {
				c.t.Fatal(err)
			}
			kind := ""
			if rb.Attributes&0x20 != 0 {
				kind = "C"
			}
			last := rb.FirstOffset + int64(rb.LastOffsetDelta)
			out = append(out, fmt.Sprintf("%d-%d/%d%s", rb.FirstOffset, last, rb.NumRecords, kind))
			offset = last + 1
			b = b[n:]
		}
	}
	return out
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
