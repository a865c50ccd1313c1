package broker_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const produceKey = 0

// testBatch encodes one v2 batch of records as a producer would.
func testBatch(t testing.TB, opts record.BatchOptions, recs ...record.Record) []byte {
	t.Helper()
	b, err := record.Build(opts, recs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// valueRecords makes keyed records with the given timestamp.
func valueRecords(ts int64, values ...string) []record.Record {
	var out []record.Record
	for _, v := range values {
		out = append(out, record.Record{Timestamp: ts, Key: []byte("k-" + v), Value: []byte(v)})
	}
	return out
}

type producePart struct {
	topic     string
	partition int32
	records   []byte
}

func produceReq(acks int16, parts ...producePart) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.Acks = acks
	req.TimeoutMillis = 10000
	for _, p := range parts {
		var rt *kmsg.ProduceRequestTopic
		for i := range req.Topics {
			if req.Topics[i].Topic == p.topic {
				rt = &req.Topics[i]
			}
		}
		if rt == nil {
			req.Topics = append(req.Topics, kmsg.NewProduceRequestTopic())
			rt = &req.Topics[len(req.Topics)-1]
			rt.Topic = p.topic
		}
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p.partition, p.records
		rt.Partitions = append(rt.Partitions, rp)
	}
	return req
}

// producePartition returns the answer for one partition.
func producePartition(t testing.TB, resp *kmsg.ProduceResponse, topic string, partition int32) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if rt.Topic == topic && rp.Partition == partition {
				return rp
			}
		}
	}
	t.Fatalf("no answer for %s-%d", topic, partition)
	return kmsg.ProduceResponseTopicPartition{}
}

func nowMs() int64 { return time.Now().UnixMilli() }

// acks=1 and acks=-1 answer with the batch's base offset; acks=0 gets no
// answer at all, and the records are there all the same.
func TestProduceAcks(t *testing.T) {
	c := startAPICluster(t, broker.Topic("acks", 1, 1, nil))
	for _, tc := range []struct {
		name string
		acks kgo.Acks
	}{
		{"acks=1", kgo.LeaderAck()},
		{"acks=-1", kgo.AllISRAcks()},
	} {
		cl := apiClient(t, c, kgo.RequiredAcks(tc.acks), kgo.DisableIdempotentWrite(), manualPartitioner())
		recs := produceValues(t, cl, "acks", 0, "a", "b")
		if recs[1].Offset != recs[0].Offset+1 {
			t.Fatalf("%s: offsets %d, %d", tc.name, recs[0].Offset, recs[1].Offset)
		}
	}

	// A raw acks=0 request is followed on the same connection by an
	// ApiVersions request: the first answer that arrives is for the
	// second request, so the produce had none.
	w := dialWire(t, c, c.Addrs()[0])
	req := produceReq(0, producePart{"acks", 0, testBatch(t, record.BatchOptions{}, valueRecords(nowMs(), "c", "d", "e")...)})
	req.SetVersion(11)
	w.send(req)
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(0)
	avResp := kmsg.NewPtrApiVersionsResponse()
	avResp.SetVersion(0)
	w.roundTrip(av, avResp) // fails on a correlation id mismatch
	if p, _ := c.Partition("acks", 0); p.Replica[1].LogEndOffset != 7 {
		t.Fatalf("log end offset %d after 4 acked and 3 unacknowledged records, want 7", p.Replica[1].LogEndOffset)
	}

	// kgo's fire-and-forget producer works the same way.
	cl := apiClient(t, c, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite(), manualPartitioner())
	produceValues(t, cl, "acks", 0, "f")
	adm := apiAdmin(t, c)
	for {
		offs, err := adm.ListEndOffsets(apiCtx(t), "acks")
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := offs.Lookup("acks", 0); o.Offset == 8 {
			break
		}
	}
}

// With acks=0 the producer cannot be told about an error, so Kafka
// closes the connection instead.
func TestProduceAcksZeroErrorClosesConnection(t *testing.T) {
	c := startAPICluster(t, broker.Topic("exists", 1, 1, nil))
	w := dialWire(t, c, c.Addrs()[0])
	req := produceReq(0, producePart{"missing", 0, testBatch(t, record.BatchOptions{}, valueRecords(nowMs(), "x")...)})
	req.SetVersion(9)
	w.send(req)
	w.expectClosed()
}

func TestProduceRequestErrors(t *testing.T) {
	c := startAPICluster(t, broker.Topic("plain", 1, 1, nil), broker.Topic("compacted", 1, 1, map[string]string{"cleanup.policy": "compact"}))
	if err := broker.CreateInternalTopicForTest(c, "__consumer_offsets", 1); err != nil {
		t.Fatal(err)
	}
	good := testBatch(t, record.BatchOptions{}, valueRecords(nowMs(), "v")...)
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-1] ^= 0xff // inside the CRC-32C'd part
	offsetFive := testBatch(t, record.BatchOptions{BaseOffset: 5}, valueRecords(nowMs(), "v")...)
	twoBatches := append(bytes.Clone(good), good...)
	oldMagic := bytes.Clone(good)
	oldMagic[16] = 1 // the magic byte

	// kgo sets acks from its own configuration, so these requests go
	// over a bare connection.
	w := dialWire(t, c, c.Addrs()[0])
	cases := []struct {
		what string
		acks int16
		part producePart
		want *kerr.Error
	}{
		{"unknown topic", 1, producePart{"missing", 0, good}, kerr.UnknownTopicOrPartition},
		{"partition out of range", 1, producePart{"plain", 1, good}, kerr.UnknownTopicOrPartition},
		{"internal topic", 1, producePart{"__consumer_offsets", 0, good}, kerr.InvalidTopicException},
		{"invalid acks", 2, producePart{"plain", 0, good}, kerr.InvalidRequiredAcks},
		{"unknown topic beats invalid acks", 2, producePart{"missing", 0, good}, kerr.UnknownTopicOrPartition},
		{"flipped byte", 1, producePart{"plain", 0, corrupt}, kerr.CorruptMessage},
		{"non-zero base offset", 1, producePart{"plain", 0, offsetFive}, kerr.InvalidRecord},
		{"no batch", 1, producePart{"plain", 0, []byte{}}, kerr.InvalidRecord},
		{"two batches", 1, producePart{"plain", 0, twoBatches}, kerr.InvalidRecord},
		{"magic 1", 1, producePart{"plain", 0, oldMagic}, kerr.InvalidRecord},
	}
	for _, tc := range cases {
		req := produceReq(tc.acks, tc.part)
		req.SetVersion(11)
		resp := kmsg.NewPtrProduceResponse()
		resp.SetVersion(11)
		w.roundTrip(req, resp)
		rp := producePartition(t, resp, tc.part.topic, tc.part.partition)
		wantCode(t, tc.what, rp.ErrorCode, tc.want)
		if rp.ErrorMessage == nil || *rp.ErrorMessage == "" {
			t.Errorf("%s: no error message", tc.what)
		}
		if rp.BaseOffset != -1 {
			t.Errorf("%s: base offset %d on an error", tc.what, rp.BaseOffset)
		}
	}
	if p, _ := c.Partition("plain", 0); p.Replica[1].LogEndOffset != 0 {
		t.Fatalf("refused batches were appended: log end offset %d", p.Replica[1].LogEndOffset)
	}
}

// max.message.bytes bounds a batch; kgo surfaces MESSAGE_TOO_LARGE.
func TestProduceMessageTooLarge(t *testing.T) {
	c := startAPICluster(t, broker.Topic("small", 1, 1, map[string]string{"max.message.bytes": "1000"}))
	cl := apiClient(t, c, kgo.DisableIdempotentWrite(), kgo.ProducerBatchCompression(kgo.NoCompression()))
	err := cl.ProduceSync(apiCtx(t), &kgo.Record{Topic: "small", Value: bytes.Repeat([]byte("x"), 2000)}).FirstErr()
	if !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("2000-byte record on max.message.bytes=1000: %v", err)
	}
	if err := cl.ProduceSync(apiCtx(t), &kgo.Record{Topic: "small", Value: []byte("fits")}).FirstErr(); err != nil {
		t.Fatalf("small record: %v", err)
	}
}

// KIP-467 (v8+): a refused batch names the records that broke the rules.
func TestProduceRecordErrors(t *testing.T) {
	now := time.Now()
	c := startAPICluster(t, broker.Clock(clock.NewManual(now)),
		broker.Topic("compacted", 1, 1, map[string]string{"cleanup.policy": "compact"}),
		broker.Topic("recent", 1, 1, map[string]string{"message.timestamp.before.max.ms": "60000"}),
		broker.Topic("plain", 1, 1, nil))
	ms := now.UnixMilli()

	noKey := []record.Record{
		{Timestamp: ms, Key: []byte("a"), Value: []byte("1")},
		{Timestamp: ms, Value: []byte("2")},
		{Timestamp: ms, Key: []byte("c"), Value: []byte("3")},
	}
	future := valueRecords(ms, "now", "later")
	future[1].Timestamp = ms + 2*time.Hour.Milliseconds() // message.timestamp.after.max.ms is 1h
	past := valueRecords(ms-2*time.Minute.Milliseconds(), "old")

	cases := []struct {
		what    string
		topic   string
		recs    []record.Record
		want    *kerr.Error
		indexes []int32
		message string
	}{
		{"compacted topic without key", "compacted", noKey, kerr.InvalidRecord, []int32{1}, "compacted topic cannot accept message without key"},
		{"timestamp too far ahead", "plain", future, kerr.InvalidTimestamp, []int32{1}, "out of range"},
		{"timestamp too far behind", "recent", past, kerr.InvalidTimestamp, []int32{0}, "out of range"},
	}
	for _, tc := range cases {
		for _, v := range []int16{7, 8, 11} {
			cl := pinnedClient(t, c, produceKey, v)
			resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{tc.topic, 0, testBatch(t, record.BatchOptions{}, tc.recs...)}))
			rp := producePartition(t, resp, tc.topic, 0)
			wantCode(t, tc.what, rp.ErrorCode, tc.want)
			if v < 8 {
				continue // no record errors before v8
			}
			var idx []int32
			for _, re := range rp.ErrorRecords {
				idx = append(idx, re.RelativeOffset)
				if re.ErrorMessage == nil || !strings.Contains(*re.ErrorMessage, tc.message) {
					t.Errorf("%s v%d: record message %v, want %q", tc.what, v, re.ErrorMessage, tc.message)
				}
			}
			if len(idx) != len(tc.indexes) || (len(idx) > 0 && idx[0] != tc.indexes[0]) {
				t.Errorf("%s v%d: record errors at %v, want %v", tc.what, v, idx, tc.indexes)
			}
		}
	}
}

// A LogAppendTime topic stamps batches with the broker's clock and says
// so in the answer; consumers see the broker's time.
func TestProduceLogAppendTime(t *testing.T) {
	brokerNow := time.Now().Add(-30 * time.Minute).Truncate(time.Millisecond)
	manual := clock.NewManual(brokerNow)
	c := startAPICluster(t, broker.Clock(manual),
		broker.Topic("stamped", 1, 1, map[string]string{"message.timestamp.type": "LogAppendTime"}),
		broker.Topic("created", 1, 1, nil))
	cl := pinnedClient(t, c, produceKey, 11)
	producerTime := brokerNow.Add(-time.Minute).UnixMilli()
	for _, tc := range []struct {
		topic         string
		wantAppend    int64
		wantTimestamp int64
	}{
		{"stamped", brokerNow.UnixMilli(), brokerNow.UnixMilli()},
		{"created", -1, producerTime},
	} {
		resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(-1, producePart{tc.topic, 0, testBatch(t, record.BatchOptions{}, valueRecords(producerTime, "a", "b")...)}))
		rp := producePartition(t, resp, tc.topic, 0)
		wantCode(t, tc.topic, rp.ErrorCode, nil)
		if rp.LogAppendTime != tc.wantAppend || rp.BaseOffset != 0 || rp.LogStartOffset != 0 {
			t.Fatalf("%s: log append time %d base offset %d log start %d, want %d, 0, 0", tc.topic, rp.LogAppendTime, rp.BaseOffset, rp.LogStartOffset, tc.wantAppend)
		}
		cons := apiClient(t, c, kgo.ConsumeTopics(tc.topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		fs := cons.PollFetches(apiCtx(t))
		if fs.NumRecords() != 2 {
			t.Fatalf("%s: consumed %d records: %v", tc.topic, fs.NumRecords(), fs.Errors())
		}
		for _, r := range fs.Records() {
			if r.Timestamp.UnixMilli() != tc.wantTimestamp {
				t.Fatalf("%s: record timestamp %d, want %d", tc.topic, r.Timestamp.UnixMilli(), tc.wantTimestamp)
			}
		}
	}
}

// KIP-951 (v10+): a broker that does not lead the partition names the
// leader, so the producer can go there without a metadata refresh.
func TestProduceNotLeaderNamesLeader(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("led", 1, 1, nil))
	p, _ := c.Partition("led", 0)
	other := 3 - p.Leader
	batch := testBatch(t, record.BatchOptions{}, valueRecords(nowMs(), "v")...)
	for _, v := range []int16{9, 10} {
		cl := pinnedClient(t, c, produceKey, v)
		ctx, cancel := context.WithTimeout(context.Background(), apiTestTimeout)
		defer cancel()
		kresp, err := cl.Broker(int(other)).Request(ctx, produceReq(1, producePart{"led", 0, batch}))
		if err != nil {
			t.Fatal(err)
		}
		resp := kresp.(*kmsg.ProduceResponse)
		rp := producePartition(t, resp, "led", 0)
		wantCode(t, "produce to a follower-less broker", rp.ErrorCode, kerr.NotLeaderForPartition)
		if v < 10 {
			continue
		}
		if rp.CurrentLeader.LeaderID != p.Leader || rp.CurrentLeader.LeaderEpoch != p.LeaderEpoch {
			t.Fatalf("current leader %+v, want %d at epoch %d", rp.CurrentLeader, p.Leader, p.LeaderEpoch)
		}
		if len(resp.Brokers) != 1 || resp.Brokers[0].NodeID != p.Leader {
			t.Fatalf("node endpoints %+v", resp.Brokers)
		}
	}
}
