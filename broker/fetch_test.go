package broker_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const fetchKey = 1

type fetchPart struct {
	topic     string
	id        [16]byte
	partition int32
	offset    int64
	maxBytes  int32
}

func fetchReq(sessionID, epoch, maxBytes int32, parts ...fetchPart) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxBytes = maxBytes
	req.MinBytes = 1
	req.SessionID, req.SessionEpoch = sessionID, epoch
	for _, p := range parts {
		if n := len(req.Topics); n == 0 || req.Topics[n-1].Topic != p.topic || req.Topics[n-1].TopicID != p.id {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = p.topic, p.id
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p.partition, p.offset, p.maxBytes
		rp.CurrentLeaderEpoch, rp.LastFetchedEpoch, rp.LogStartOffset = -1, -1, -1
		last := &req.Topics[len(req.Topics)-1]
		last.Partitions = append(last.Partitions, rp)
	}
	return req
}

// fetched maps "partition" to its answer, for a response about one topic.
func fetched(t testing.TB, resp *kmsg.FetchResponse) map[int32]kmsg.FetchResponseTopicPartition {
	t.Helper()
	if resp == nil {
		t.Fatal("no fetch response")
	}
	out := map[int32]kmsg.FetchResponseTopicPartition{}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if _, dup := out[rp.Partition]; dup {
				t.Fatalf("partition %d answered twice", rp.Partition)
			}
			out[rp.Partition] = rp
		}
	}
	return out
}

// batchOffsets lists the base offsets of the batches in a fetch answer.
func batchOffsets(t testing.TB, b []byte) []int64 {
	t.Helper()
	batches, whole, err := record.SplitBatches(b)
	if err != nil || whole != len(b) {
		t.Fatalf("fetch returned a partial batch: %v (%d of %d bytes)", err, whole, len(b))
	}
	var out []int64
	for _, bt := range batches {
		h, err := record.ReadHeader(bt)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h.BaseOffset)
	}
	return out
}

// produceBatches writes n one-record batches of size bytes each to a
// partition.
func produceBatches(t testing.TB, cl *kgo.Client, topic string, partition int32, n, size int) {
	t.Helper()
	for i := 0; i < n; i++ {
		r := &kgo.Record{Topic: topic, Partition: partition, Value: bytes.Repeat([]byte{byte('a' + i)}, size)}
		if err := cl.ProduceSync(apiCtx(t), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func rawProducer(t testing.TB, c *broker.Cluster) *kgo.Client {
	return apiClient(t, c, manualPartitioner(), kgo.DisableIdempotentWrite(), kgo.ProducerBatchCompression(kgo.NoCompression()))
}

// Byte limits per partition and per response, with KIP-74: the first
// batch of the first non-empty partition comes back whole even when it is
// larger than both limits, later partitions only get what fits.
func TestFetchByteLimits(t *testing.T) {
	c := startAPICluster(t, broker.Topic("big", 2, 1, nil))
	prod := rawProducer(t, c)
	produceBatches(t, prod, "big", 0, 3, 1000)
	produceBatches(t, prod, "big", 1, 3, 1000)
	cl := pinnedClient(t, c, fetchKey, 12)

	cases := []struct {
		what         string
		maxBytes     int32
		partMaxBytes int32
		want0, want1 []int64
	}{
		{"everything fits", 1 << 20, 1 << 20, []int64{0, 1, 2}, []int64{0, 1, 2}},
		{"partition limit fits one batch", 1 << 20, 1500, []int64{0}, []int64{0}},
		{"partition limit below one batch", 1 << 20, 100, []int64{0}, nil},
		{"response limit fits one batch", 1500, 1 << 20, []int64{0}, nil},
		{"response limit below one batch", 10, 1 << 20, []int64{0}, nil},
		{"response limit fits three batches", 3500, 1 << 20, []int64{0, 1, 2}, nil},
		{"response limit fits four batches", 4500, 1 << 20, []int64{0, 1, 2}, []int64{0}},
	}
	for _, tc := range cases {
		resp := sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, tc.maxBytes,
			fetchPart{topic: "big", partition: 0, maxBytes: tc.partMaxBytes},
			fetchPart{topic: "big", partition: 1, maxBytes: tc.partMaxBytes}))
		got := fetched(t, resp)
		if g := batchOffsets(t, got[0].RecordBatches); !equalOffsets(g, tc.want0) {
			t.Errorf("%s: partition 0 batches %v, want %v", tc.what, g, tc.want0)
		}
		if g := batchOffsets(t, got[1].RecordBatches); !equalOffsets(g, tc.want1) {
			t.Errorf("%s: partition 1 batches %v, want %v", tc.what, g, tc.want1)
		}
	}

	// fetch.max.bytes caps what a request may ask for.
	c2 := startAPICluster(t, broker.Topic("big", 1, 1, nil), broker.Config("fetch.max.bytes", "2048"))
	produceBatches(t, rawProducer(t, c2), "big", 0, 3, 1000)
	resp := sendTo[*kmsg.FetchResponse](t, pinnedClient(t, c2, fetchKey, 12), 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "big", partition: 0, maxBytes: 1 << 20}))
	if g := batchOffsets(t, fetched(t, resp)[0].RecordBatches); !equalOffsets(g, []int64{0}) {
		t.Errorf("fetch.max.bytes=2048: batches %v, want [0]", g)
	}
}

func equalOffsets(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Each partition answer carries the high watermark, last stable offset
// and log start offset; an offset outside the log is OFFSET_OUT_OF_RANGE.
func TestFetchOffsetsAndOutOfRange(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	produceValues(t, rawProducer(t, c), "t", 0, "a", "b", "c")
	cl := pinnedClient(t, c, fetchKey, 12)
	for _, tc := range []struct {
		offset  int64
		want    *kerr.Error
		batches int
	}{
		{0, nil, 3},
		{2, nil, 1},
		{3, nil, 0}, // at the log end: nothing yet, no error
		{4, kerr.OffsetOutOfRange, 0},
		{-1, kerr.OffsetOutOfRange, 0},
	} {
		resp := sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "t", partition: 0, offset: tc.offset, maxBytes: 1 << 20}))
		rp := fetched(t, resp)[0]
		wantCode(t, "fetch at "+strconv.FormatInt(tc.offset, 10), rp.ErrorCode, tc.want)
		if n := len(batchOffsets(t, rp.RecordBatches)); n != tc.batches {
			t.Errorf("offset %d: %d batches, want %d", tc.offset, n, tc.batches)
		}
		wantHW, wantLSO, wantStart := int64(3), int64(3), int64(0)
		if tc.want != nil {
			wantHW, wantLSO, wantStart = -1, -1, -1
		}
		if rp.HighWatermark != wantHW || rp.LastStableOffset != wantLSO || rp.LogStartOffset != wantStart {
			t.Errorf("offset %d: hw %d lso %d log start %d, want %d %d %d", tc.offset, rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset, wantHW, wantLSO, wantStart)
		}
	}
}

// KIP-516: from v13 topics are named by id; an id the broker does not
// know is UNKNOWN_TOPIC_ID for each of its partitions.
func TestFetchTopicIDs(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 2, 1, nil))
	id := topicNames(c)["t"].ID
	produceValues(t, rawProducer(t, c), "t", 1, "a")
	cl := pinnedClient(t, c, fetchKey, 13)
	unknown := [16]byte{7}
	resp := sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1<<20,
		fetchPart{id: id, partition: 1, maxBytes: 1 << 20},
		fetchPart{id: id, partition: 5, maxBytes: 1 << 20},
		fetchPart{id: unknown, partition: 0, maxBytes: 1 << 20},
		fetchPart{id: unknown, partition: 1, maxBytes: 1 << 20}))
	if len(resp.Topics) != 2 || resp.Topics[0].TopicID != id || resp.Topics[1].TopicID != unknown {
		t.Fatalf("topics %+v", resp.Topics)
	}
	known := resp.Topics[0].Partitions
	wantCode(t, "partition 1 by id", known[0].ErrorCode, nil)
	if len(batchOffsets(t, known[0].RecordBatches)) != 1 || known[0].HighWatermark != 1 {
		t.Fatalf("partition 1 by id: %+v", known[0])
	}
	wantCode(t, "partition 5 by id", known[1].ErrorCode, kerr.UnknownTopicOrPartition)
	for _, rp := range resp.Topics[1].Partitions {
		wantCode(t, "unknown topic id", rp.ErrorCode, kerr.UnknownTopicID)
	}
	if len(resp.Topics[1].Partitions) != 2 {
		t.Fatalf("unknown id answered for %d partitions", len(resp.Topics[1].Partitions))
	}

	// Before v13 the same read is by name.
	resp = sendTo[*kmsg.FetchResponse](t, pinnedClient(t, c, fetchKey, 12), 1, fetchReq(0, -1, 1<<20,
		fetchPart{topic: "t", partition: 1, maxBytes: 1 << 20}, fetchPart{topic: "missing", partition: 0, maxBytes: 1 << 20}))
	if resp.Topics[0].Topic != "t" || len(resp.Topics[0].Partitions[0].RecordBatches) == 0 {
		t.Fatalf("fetch by name: %+v", resp.Topics[0])
	}
	wantCode(t, "unknown topic by name", resp.Topics[1].Partitions[0].ErrorCode, kerr.UnknownTopicOrPartition)
}

// awaitParked returns once the manual clock has more timers than before:
// the broker has parked the fetch the test just sent.
func awaitParked(t testing.TB, m *clock.Manual, before int) {
	t.Helper()
	if err := m.WaitForPending(apiCtx(t), before+1); err != nil {
		t.Fatalf("the fetch was never parked: %v", err)
	}
}

// asyncFetch sends a fetch on its own goroutine.
func asyncFetch(t testing.TB, cl *kgo.Client, req *kmsg.FetchRequest) <-chan *kmsg.FetchResponse {
	out := make(chan *kmsg.FetchResponse, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), apiTestTimeout)
		defer cancel()
		resp, err := cl.Broker(1).Request(ctx, req)
		if err != nil {
			t.Errorf("fetch: %v", err)
			close(out)
			return
		}
		out <- resp.(*kmsg.FetchResponse)
	}()
	return out
}

// A fetch with less than min_bytes available waits, on the cluster clock,
// until data arrives or max_wait_ms passes.
func TestFetchLongPoll(t *testing.T) {
	m := clock.NewManual(time.Now())
	c := startAPICluster(t, broker.Clock(m), broker.Topic("t", 1, 1, nil))
	prod := rawProducer(t, c)
	cl := pinnedClient(t, c, fetchKey, 12)
	// Connect both clients before counting timers: each connection has
	// an idle timer (connections.max.idle.ms).
	sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1, fetchPart{topic: "t", maxBytes: 1}))
	produceValues(t, prod, "t", 0, "first")

	wait := func(offset int64, minBytes int32) *kmsg.FetchRequest {
		req := fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: offset, maxBytes: 1 << 20})
		req.MinBytes, req.MaxWaitMillis = minBytes, 500
		return req
	}

	// Data arriving ends the wait; the clock never moves.
	idle := m.Pending()
	done := asyncFetch(t, cl, wait(1, 1))
	awaitParked(t, m, idle)
	produceValues(t, prod, "t", 0, "wake up")
	resp := <-done
	if rp := fetched(t, resp)[0]; len(batchOffsets(t, rp.RecordBatches)) != 1 {
		t.Fatalf("woken fetch returned %+v", rp)
	}

	// Nothing arrives: max_wait_ms on the manual clock ends it, empty.
	done = asyncFetch(t, cl, wait(2, 1))
	awaitParked(t, m, idle)
	m.Advance(499 * time.Millisecond)
	select {
	case resp := <-done:
		t.Fatalf("fetch answered before max_wait_ms: %+v", resp)
	default:
	}
	m.Advance(time.Millisecond)
	resp = <-done
	if rp := fetched(t, resp)[0]; rp.ErrorCode != 0 || len(rp.RecordBatches) != 0 || rp.HighWatermark != 2 {
		t.Fatalf("expired fetch returned %+v", rp)
	}

	// Too little data for min_bytes: the records wait for max_wait_ms.
	done = asyncFetch(t, cl, wait(2, 1<<20))
	awaitParked(t, m, idle)
	produceValues(t, prod, "t", 0, "small")
	m.Advance(500 * time.Millisecond)
	resp = <-done
	if rp := fetched(t, resp)[0]; len(batchOffsets(t, rp.RecordBatches)) != 1 {
		t.Fatalf("min_bytes fetch returned %+v", rp)
	}

	// A fetch for no partitions at all (a session's closing fetch) has
	// nothing to wait for: answered at once, as ReplicaManager does.
	empty := fetchReq(0, -1, 1<<20)
	empty.MinBytes, empty.MaxWaitMillis = 1, 500
	if resp := sendTo[*kmsg.FetchResponse](t, cl, 1, empty); resp.ErrorCode != 0 || len(resp.Topics) != 0 {
		t.Fatalf("empty fetch returned %+v", resp)
	}

	// An error answers at once, whatever min_bytes says.
	req := fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: 3, maxBytes: 1 << 20}, fetchPart{topic: "t", partition: 9, maxBytes: 1 << 20})
	req.MinBytes, req.MaxWaitMillis = 1<<20, 500
	resp = sendTo[*kmsg.FetchResponse](t, cl, 1, req)
	wantCode(t, "unknown partition in a long poll", fetched(t, resp)[9].ErrorCode, kerr.UnknownTopicOrPartition)
}

// A kgo consumer whose fetch is parked on the manual clock (which never
// moves here) is woken by records produced while it waits.
func TestFetchLongPollWithKgoConsumer(t *testing.T) {
	m := clock.NewManual(time.Now())
	c := startAPICluster(t, broker.Clock(m), broker.Topic("t", 1, 1, nil))
	cons := apiClient(t, c, kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(time.Second))
	prod := rawProducer(t, c)
	produceValues(t, prod, "t", 0, "first")
	if fs := cons.PollFetches(apiCtx(t)); fs.NumRecords() != 1 {
		t.Fatalf("first poll: %d records %v", fs.NumRecords(), fs.Errors())
	}
	produceValues(t, prod, "t", 0, "second")
	if fs := cons.PollFetches(apiCtx(t)); fs.NumRecords() != 1 || string(fs.Records()[0].Value) != "second" {
		t.Fatalf("second poll: %d records %v", fs.NumRecords(), fs.Errors())
	}
}
