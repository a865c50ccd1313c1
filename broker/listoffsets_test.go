package broker_test

import (
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const listOffsetsKey = 2

type offsetQuery struct {
	topic     string
	partition int32
	timestamp int64
	epoch     int32
}

func listOffsetsReq(qs ...offsetQuery) *kmsg.ListOffsetsRequest {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	for _, q := range qs {
		if n := len(req.Topics); n == 0 || req.Topics[n-1].Topic != q.topic {
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = q.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = q.partition, q.timestamp, q.epoch
		last := &req.Topics[len(req.Topics)-1]
		last.Partitions = append(last.Partitions, rp)
	}
	return req
}

func listOffsetsAnswers(resp *kmsg.ListOffsetsResponse) []kmsg.ListOffsetsResponseTopicPartition {
	var out []kmsg.ListOffsetsResponseTopicPartition
	for _, rt := range resp.Topics {
		out = append(out, rt.Partitions...)
	}
	return out
}

// GetOffsetShell --time -2 / -1: earliest and latest offsets per
// partition, as kadm lists them.
func TestListOffsetsEarliestAndLatest(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 3, 1, nil))
	cl := rawProducer(t, c)
	produceValues(t, cl, "t", 0, "a", "b", "c")
	produceValues(t, cl, "t", 2, "d")
	adm := apiAdmin(t, c)
	starts, err := adm.ListStartOffsets(apiCtx(t), "t")
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(apiCtx(t), "t")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range []int64{3, 0, 1} {
		s, _ := starts.Lookup("t", int32(p))
		e, _ := ends.Lookup("t", int32(p))
		if s.Err != nil || e.Err != nil || s.Offset != 0 || e.Offset != want {
			t.Errorf("partition %d: earliest %d (%v) latest %d (%v), want 0 and %d", p, s.Offset, s.Err, e.Offset, e.Err, want)
		}
		if e.LeaderEpoch != 0 {
			t.Errorf("partition %d: latest offset reported epoch %d, want 0", p, e.LeaderEpoch)
		}
	}
}

// By timestamp: the first record at or after the time, even inside a
// batch, found through the time index across segments; nothing when
// every record is older. MAX_TIMESTAMP (-3, v7+) finds the newest record.
func TestListOffsetsByTimestamp(t *testing.T) {
	// Small segments and an index entry for every batch, so lookups go
	// through several segments' time indexes.
	c := startAPICluster(t, broker.Topic("t", 1, 1, map[string]string{"internal.segment.bytes": "200", "index.interval.bytes": "1"}))
	base := time.Now().Add(-time.Hour).UnixMilli()
	cl := pinnedClient(t, c, produceKey, 11)
	// Five batches of three records each: batch i has timestamps
	// base+100i+{0,10,20}, except batch 3 whose newest record is far
	// newer than all others (but not the last).
	for i := int64(0); i < 5; i++ {
		recs := valueRecords(base+100*i, "x", "y", "z")
		recs[1].Timestamp += 10
		recs[2].Timestamp += 20
		if i == 3 {
			recs[1].Timestamp = base + 5000
		}
		resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{"t", 0, testBatch(t, record.BatchOptions{}, recs...)}))
		wantCode(t, "produce", producePartition(t, resp, "t", 0).ErrorCode, nil)
	}
	if p, _ := c.Partition("t", 0); len(p.Replica[1].Segments) < 3 {
		t.Fatalf("only %d segments; the test needs several", len(p.Replica[1].Segments))
	}

	lo := pinnedClient(t, c, listOffsetsKey, 10)
	cases := []struct {
		ts        int64
		offset    int64
		foundTime int64
		comment   string
	}{
		{base - 1000, 0, base, "older than everything: the first record"},
		{base, 0, base, "exact match"},
		{base + 5, 1, base + 10, "inside the first batch"},
		{base + 215, 8, base + 220, "last record of the third batch"},
		{base + 221, 9, base + 300, "first record of the fourth batch"},
		{base + 405, 10, base + 5000, "batch 3's late record comes before batch 4"},
		{base + 5000, 10, base + 5000, "the newest timestamp"},
		{base + 5001, -1, -1, "newer than everything: none"},
		{-3, 10, base + 5000, "MAX_TIMESTAMP"},
	}
	for _, tc := range cases {
		resp := sendTo[*kmsg.ListOffsetsResponse](t, lo, 1, listOffsetsReq(offsetQuery{"t", 0, tc.ts, -1}))
		a := listOffsetsAnswers(resp)[0]
		wantCode(t, tc.comment, a.ErrorCode, nil)
		if a.Offset != tc.offset || a.Timestamp != tc.foundTime {
			t.Errorf("%s (ts %d): offset %d timestamp %d, want %d and %d", tc.comment, tc.ts-base, a.Offset, a.Timestamp, tc.offset, tc.foundTime)
		}
	}

	// kadm's offsets-for-times agrees.
	adm := apiAdmin(t, c)
	got, err := adm.ListOffsetsAfterMilli(apiCtx(t), base+215, "t")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := got.Lookup("t", 0); o.Offset != 8 {
		t.Errorf("kadm ListOffsetsAfterMilli: %+v", o)
	}
}

func TestListOffsetsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("t", 1, 1, nil))
	p, _ := c.Partition("t", 0)
	follower := 3 - p.Leader
	for _, tc := range []struct {
		what    string
		version int16
		broker  int32
		q       []offsetQuery
		want    *kerr.Error
	}{
		{"unknown topic", 10, p.Leader, []offsetQuery{{"missing", 0, -1, -1}}, kerr.UnknownTopicOrPartition},
		{"unknown partition", 10, p.Leader, []offsetQuery{{"t", 3, -1, -1}}, kerr.UnknownTopicOrPartition},
		{"not the leader", 10, follower, []offsetQuery{{"t", 0, -1, -1}}, kerr.NotLeaderForPartition},
		{"epoch from the future", 10, p.Leader, []offsetQuery{{"t", 0, -1, 5}}, kerr.UnknownLeaderEpoch},
		{"partition twice", 10, p.Leader, []offsetQuery{{"t", 0, -1, -1}, {"t", 0, -2, -1}}, kerr.InvalidRequest},
		{"MAX_TIMESTAMP before v7", 6, p.Leader, []offsetQuery{{"t", 0, -3, -1}}, kerr.UnsupportedVersion},
		{"EARLIEST_LOCAL before v8", 7, p.Leader, []offsetQuery{{"t", 0, -4, -1}}, kerr.UnsupportedVersion},
		{"LATEST_TIERED before v9", 8, p.Leader, []offsetQuery{{"t", 0, -5, -1}}, kerr.UnsupportedVersion},
	} {
		cl := pinnedClient(t, c, listOffsetsKey, tc.version)
		resp := sendTo[*kmsg.ListOffsetsResponse](t, cl, tc.broker, listOffsetsReq(tc.q...))
		for _, a := range listOffsetsAnswers(resp) {
			wantCode(t, tc.what, a.ErrorCode, tc.want)
			if a.Offset != -1 || a.Timestamp != -1 {
				t.Errorf("%s: offset %d timestamp %d on an error", tc.what, a.Offset, a.Timestamp)
			}
		}
	}

	// Without tiered storage: EARLIEST_LOCAL is the log start offset and
	// LATEST_TIERED finds nothing.
	cl := pinnedClient(t, c, listOffsetsKey, 10)
	resp := sendTo[*kmsg.ListOffsetsResponse](t, cl, p.Leader, listOffsetsReq(offsetQuery{"t", 0, -4, -1}))
	if a := listOffsetsAnswers(resp)[0]; a.ErrorCode != 0 || a.Offset != 0 {
		t.Errorf("EARLIEST_LOCAL: %+v", a)
	}
	resp = sendTo[*kmsg.ListOffsetsResponse](t, cl, p.Leader, listOffsetsReq(offsetQuery{"t", 0, -5, -1}))
	if a := listOffsetsAnswers(resp)[0]; a.ErrorCode != 0 || a.Offset != -1 {
		t.Errorf("LATEST_TIERED: %+v", a)
	}
}
