package broker_test

// Cluster.Records: the records of any replica, with their batch metadata.

import (
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kgo"
)

// What a producer sent is on every replica, offsets, timestamps, keys,
// headers and all; after DeleteRecords it is gone from every replica,
// not only hidden from consumers of the leader.
func TestRecordsOfEveryReplica(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.TopicAssignment("r", [][]int32{{2, 1, 3}}, nil))
	cl := replClient(t, c, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	v0 := strings.Repeat("v0", 100) // kgo compresses only what shrinks
	sent := &kgo.Record{Topic: "r", Partition: 0, Key: []byte("k"), Value: []byte(v0),
		Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("hv")}}}
	mustDo(t, cl.ProduceSync(apiCtx(t), sent).FirstErr())
	var batch []*kgo.Record // one batch: v1 at offset 1 to v3 at 3
	for _, v := range []string{"v1", "v2", "v3"} {
		batch = append(batch, &kgo.Record{Topic: "r", Partition: 0, Value: []byte(v)})
	}
	mustDo(t, cl.ProduceSync(apiCtx(t), batch...).FirstErr())
	mustDo(t, c.WaitForReplication(apiCtx(t)))

	for _, id := range []int32{1, 2, 3} {
		recs, err := c.Records("r", 0, id, 0, 100)
		mustDo(t, err)
		if got := values(recs); !slices.Equal(got, []string{v0, "v1", "v2", "v3"}) {
			t.Fatalf("broker %d holds %v", id, got)
		}
		r := recs[0]
		if r.Offset != 0 || string(r.Key) != "k" || len(r.Headers) != 1 || r.Headers[0].Key != "h" || string(r.Headers[0].Value) != "hv" {
			t.Fatalf("broker %d: first record %+v, want offset 0, key k, header h=hv", id, r)
		}
		if r.Timestamp != sent.Timestamp.UnixMilli() {
			t.Fatalf("broker %d: timestamp %d, want the producer's %d", id, r.Timestamp, sent.Timestamp.UnixMilli())
		}
		if b := r.Batch; b.Compression != record.LZ4 || b.TimestampType != record.CreateTime || b.ProducerID < 0 || b.BaseOffset != 0 || b.Control {
			t.Fatalf("broker %d: batch %+v, want an lz4 CreateTime batch of an idempotent producer at offset 0", id, b)
		}
		if recs[3].Offset != 3 || recs[1].Key != nil {
			t.Fatalf("broker %d: record 3 at offset %d, record 1 key %q (want 3 and null)", id, recs[3].Offset, recs[1].Key)
		}
	}
	from2, err := c.Records("r", 0, 3, 2, 1)
	mustDo(t, err)
	if got := values(from2); !slices.Equal(got, []string{"v2"}) || from2[0].Offset != 2 || from2[0].Batch.BaseOffset != 1 {
		t.Fatalf("Records from offset 2, max 1: %v (batch %+v), want v2 of the batch at 1", got, from2[0].Batch)
	}

	deleteBefore(t, apiAdmin(t, c), "r", 0, 2)
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	for _, id := range []int32{1, 2, 3} {
		recs, err := c.Records("r", 0, id, 0, 100)
		mustDo(t, err)
		if got := values(recs); !slices.Equal(got, []string{"v2", "v3"}) {
			t.Fatalf("after DeleteRecords before 2, broker %d holds %v", id, got)
		}
	}
}

func TestRecordsValidatesArguments(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.TopicAssignment("r", [][]int32{{1, 2}}, nil))
	for _, tc := range []struct {
		topic     string
		partition int32
		broker    int32
		max       int
		want      string
	}{
		{"nope", 0, 1, 10, "does not exist"},
		{"r", 4, 1, 10, "no partition 4"},
		{"r", 0, 0, 10, "no broker 0"},
		{"r", 0, 3, 10, "holds no replica"},
		{"r", 0, 1, 0, "max must be at least 1"},
	} {
		_, err := c.Records(tc.topic, tc.partition, tc.broker, 0, tc.max)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Records(%q, %d, %d, 0, %d) = %v, want an error containing %q", tc.topic, tc.partition, tc.broker, tc.max, err, tc.want)
		}
	}
	mustDo(t, c.StopBroker(2))
	if _, err := c.Records("r", 0, 2, 0, 10); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("Records of a stopped broker: %v", err)
	}
}
