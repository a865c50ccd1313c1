package broker_test

import (
	"errors"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func deleteBefore(t *testing.T, adm *kadm.Client, topic string, partition int32, offset int64) kadm.DeleteRecordsResponse {
	t.Helper()
	at := kadm.Offsets{topic: {partition: {Topic: topic, Partition: partition, At: offset, LeaderEpoch: -1}}}
	resps, err := adm.DeleteRecords(apiCtx(t), at)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := resps.Lookup(topic, partition)
	if !ok {
		t.Fatalf("no answer for %s-%d", topic, partition)
	}
	return r
}

// kafka-delete-records.sh: the log start offset moves, consumers start
// from there, and the segments before it are gone.
func TestDeleteRecordsMovesLogStartOffset(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, map[string]string{"internal.segment.bytes": "200"}))
	prod := rawProducer(t, c)
	produceBatches(t, prod, "t", 0, 10, 50) // one batch per segment
	adm := apiAdmin(t, c)

	if r := deleteBefore(t, adm, "t", 0, 4); r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("deleting before 4: %+v", r)
	}
	starts, err := adm.ListStartOffsets(apiCtx(t), "t")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := starts.Lookup("t", 0); o.Offset != 4 {
		t.Fatalf("earliest offset %d, want 4", o.Offset)
	}
	info, _ := c.Partition("t", 0)
	r, _ := info.LeaderReplica()
	if r.LogStartOffset != 4 || r.Segments[0].BaseOffset != 4 {
		t.Fatalf("log start %d, first segment at %d", r.LogStartOffset, r.Segments[0].BaseOffset)
	}

	// Below the log start offset is out of range; from it, records 4..9.
	cl := pinnedClient(t, c, fetchKey, 12)
	resp := sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: 2, maxBytes: 1 << 20}))
	wantCode(t, "fetch below the log start offset", fetched(t, resp)[0].ErrorCode, kerr.OffsetOutOfRange)
	resp = sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: 4, maxBytes: 1 << 20}))
	if rp := fetched(t, resp)[0]; rp.LogStartOffset != 4 || batchOffsets(t, rp.RecordBatches)[0] != 4 {
		t.Fatalf("fetch from 4: log start %d, batches %v", rp.LogStartOffset, batchOffsets(t, rp.RecordBatches))
	}
	cons := apiClient(t, c, kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := 0
	for got < 6 {
		fs := cons.PollFetches(apiCtx(t))
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset < 4 {
				t.Errorf("consumed deleted offset %d", r.Offset)
			}
			got++
		})
	}

	// An earlier offset changes nothing; -1 deletes up to the high
	// watermark.
	if r := deleteBefore(t, adm, "t", 0, 2); r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("deleting before 2 after 4: %+v", r)
	}
	if r := deleteBefore(t, adm, "t", 0, -1); r.Err != nil || r.LowWatermark != 10 {
		t.Fatalf("deleting before the high watermark: %+v", r)
	}
}

func TestDeleteRecordsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("t", 1, 1, nil),
		broker.Topic("compacted", 1, 1, map[string]string{"cleanup.policy": "compact"}),
		broker.Topic("both", 1, 1, map[string]string{"cleanup.policy": "compact,delete"}))
	prod := rawProducer(t, c)
	produceValues(t, prod, "t", 0, "a", "b", "c")
	if err := prod.ProduceSync(apiCtx(t), &kgo.Record{Topic: "both", Key: []byte("k"), Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	adm := apiAdmin(t, c)
	for _, tc := range []struct {
		topic  string
		offset int64
		want   *kerr.Error
	}{
		{"t", 4, kerr.OffsetOutOfRange}, // beyond the high watermark
		{"t", -2, kerr.OffsetOutOfRange},
		{"compacted", -1, kerr.PolicyViolation},
		{"both", 1, nil},
	} {
		r := deleteBefore(t, adm, tc.topic, 0, tc.offset)
		if tc.want == nil && r.Err != nil || tc.want != nil && !errors.Is(r.Err, tc.want) {
			t.Errorf("%s before %d: %v, want %v", tc.topic, tc.offset, r.Err, tc.want)
		}
	}

	// Raw requests: unknown partitions, and a broker that does not lead.
	p, _ := c.Partition("t", 0)
	cl := apiClient(t, c)
	req := kmsg.NewPtrDeleteRecordsRequest()
	for _, name := range []string{"t", "missing"} {
		rt := kmsg.NewDeleteRecordsRequestTopic()
		rt.Topic = name
		rp := kmsg.NewDeleteRecordsRequestTopicPartition()
		rp.Partition, rp.Offset = 0, 1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
	}
	resp := sendTo[*kmsg.DeleteRecordsResponse](t, cl, 3-p.Leader, req)
	wantCode(t, "not the leader", resp.Topics[0].Partitions[0].ErrorCode, kerr.NotLeaderForPartition)
	wantCode(t, "unknown topic", resp.Topics[1].Partitions[0].ErrorCode, kerr.UnknownTopicOrPartition)
	if lw := resp.Topics[0].Partitions[0].LowWatermark; lw != -1 {
		t.Errorf("low watermark %d on an error", lw)
	}
	if info, _ := c.Partition("t", 0); info.Replica[p.Leader].LogStartOffset != 0 {
		t.Fatalf("refused requests moved the log start offset to %d", info.Replica[p.Leader].LogStartOffset)
	}
}

// A fetch session reports the new log start offset as news.
func TestDeleteRecordsSeenByFetchSession(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	produceValues(t, rawProducer(t, c), "t", 0, "a", "b", "c")
	cl := pinnedClient(t, c, fetchKey, 12)
	id := sessionFetch(t, cl, 0, 0, 1<<20, fetchPart{topic: "t", offset: 3, maxBytes: 1 << 20}).SessionID
	if n := len(answeredPartitions(sessionFetch(t, cl, id, 1, 1<<20))); n != 0 {
		t.Fatalf("%d partitions answered with nothing new", n)
	}
	deleteBefore(t, apiAdmin(t, c), "t", 0, 2)
	got := fetched(t, sessionFetch(t, cl, id, 2, 1<<20))
	if rp, ok := got[0]; !ok || rp.LogStartOffset != 2 {
		t.Fatalf("after DeleteRecords: %+v", got)
	}
}
