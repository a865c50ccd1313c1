package broker

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// What a connection does with bad input, with pipelined requests and
// when it sits idle. Raw connections write bytes no client library would;
// a franz-go client in the same test shows that nobody else notices.

// startConnTestCluster starts a cluster that is closed when the test
// ends; it is how every test inside package broker starts one (the
// connection tests were the first).
func startConnTestCluster(t *testing.T, opts ...Option) *Cluster {
	t.Helper()
	c, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dialRaw(t *testing.T, c *Cluster) net.Conn {
	t.Helper()
	nc, err := c.Dial(context.Background(), "tcp", c.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

func frameOf(req kmsg.Request, version int16, correlationID int32) []byte {
	req.SetVersion(version)
	return kmsg.NewRequestFormatter(kmsg.FormatterClientID("raw")).AppendRequest(nil, req, correlationID)
}

// expectClosed reads until the broker closes the connection. The read
// deadline only keeps a broken broker from hanging the test.
func expectClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the broker kept the connection open (read %d bytes)", n)
	}
	if n != 0 {
		t.Fatalf("the broker answered %d bytes before closing, want none", n)
	}
}

// produceAndConsume proves the cluster serves a real client: one record
// produced, and read back at the offset the produce returned.
func produceAndConsume(t *testing.T, cl *kgo.Client, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte(value)}).First()
	if err != nil {
		t.Fatalf("producing %q: %v", value, err)
	}
	for {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("consuming %q: %v", value, err)
		}
		for _, r := range fs.Records() {
			if r.Offset == res.Offset {
				if string(r.Value) != value {
					t.Fatalf("offset %d holds %q, want %q", r.Offset, r.Value, value)
				}
				return
			}
		}
	}
}

// A request the broker cannot serve closes that connection and only that
// one: a franz-go client keeps producing and consuming, and another raw
// connection opened before keeps being answered.
func TestBadRequestClosesOnlyItsConnection(t *testing.T) {
	c := startConnTestCluster(t, Topic("orders", 1, 1, nil), Config("socket.request.max.bytes", "4096"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"orders": {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produceAndConsume(t, cl, "before")
	bystander := dialRaw(t, c)

	header := func(key, version int16) []byte {
		b := binary.BigEndian.AppendUint16(nil, uint16(key))
		b = binary.BigEndian.AppendUint16(b, uint16(version))
		b = binary.BigEndian.AppendUint32(b, 42)
		return binary.BigEndian.AppendUint16(b, 0xffff) // null client id
	}
	sized := func(body []byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
	}
	for _, tc := range []struct {
		name  string
		bytes []byte
	}{
		{"garbage body of Produce v7", sized(append(header(0, 7), "garbage, not a produce request"...))},
		{"garbage body of Metadata v9", sized(append(header(3, 9), 0x80, 0x80, 0x80, 0x80, 0x08))},
		{"unknown API key 9999", sized(header(9999, 0))},
		{"Fetch v3, removed in Kafka 4", frameOf(kmsg.NewPtrFetchRequest(), 3, 1)},
		{"Produce v2, removed in Kafka 4", frameOf(kmsg.NewPtrProduceRequest(), 2, 1)},
		{"frame over socket.request.max.bytes", append(binary.BigEndian.AppendUint32(nil, 4097), make([]byte, 100)...)},
		{"negative frame size", binary.BigEndian.AppendUint32(nil, 0xfffffff0)},
		{"frame too short for a header", sized([]byte{0, 3, 0, 1, 0})},
		{"client id longer than the frame", sized(append(header(18, 3)[:8], 0x7f, 0xff, 'x'))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := dialRaw(t, c)
			if _, err := nc.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, nc)
			produceAndConsume(t, cl, "after "+tc.name)
			var resp kmsg.MetadataResponse
			if err := rawRoundTrip(bystander, withVersion(kmsg.NewPtrMetadataRequest(), 12), &resp); err != nil || len(resp.Brokers) != 1 {
				t.Fatalf("the other raw connection: %v (%d brokers)", err, len(resp.Brokers))
			}
		})
	}
}

func withVersion[R interface{ SetVersion(int16) }](r R, v int16) R {
	r.SetVersion(v)
	return r
}

// KIP-511: an ApiVersions request of a version the broker does not know is
// answered at version 0 with UNSUPPORTED_VERSION and the supported range,
// and the connection stays open for the client to retry.
func TestApiVersionsOfUnknownVersionIsAnsweredAtV0(t *testing.T) {
	c := startConnTestCluster(t)
	nc := dialRaw(t, c)
	if _, err := nc.Write(frameOf(kmsg.NewPtrApiVersionsRequest(), 99, 5)); err != nil {
		t.Fatal(err)
	}
	b, err := readResponseFrame(nc)
	if err != nil {
		t.Fatal(err)
	}
	resp := withVersion(kmsg.NewPtrApiVersionsResponse(), 0)
	if err := resp.ReadFrom(b[4:]); err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != kerr.UnsupportedVersion.Code || len(resp.ApiKeys) == 0 {
		t.Fatalf("error code %d with %d API keys, want UNSUPPORTED_VERSION and the list", resp.ErrorCode, len(resp.ApiKeys))
	}
	var v3 kmsg.ApiVersionsResponse
	av := withVersion(kmsg.NewPtrApiVersionsRequest(), 3)
	av.ClientSoftwareName, av.ClientSoftwareVersion = "raw", "1"
	if err := rawRoundTrip(nc, av, &v3); err != nil || v3.ErrorCode != 0 {
		t.Fatalf("retry at v3 on the same connection: %v (error code %d)", err, v3.ErrorCode)
	}
}

// quietConfigs turn off the broker's periodic timers, so that a manual
// clock's pending timers are the test's own.
func quietConfigs() Option {
	return Configs(map[string]string{
		"replica.lag.time.max.ms":      "1000000000000",
		"auto.leader.rebalance.enable": "false",
	})
}

// Requests written back to back on one connection, before any answer is
// read, are answered in the order they were sent (Kafka guarantees it per
// connection), even when one of them waits: a fetch parked for
// fetch.max.wait.ms holds back the answers behind it, and a produce with
// acks=0 takes its place in the order without an answer.
func TestPipelinedRequestsAreAnsweredInOrder(t *testing.T) {
	clk := clock.NewManual(time.Time{})
	c := startConnTestCluster(t, Clock(clk), Topic("orders", 1, 1, nil), quietConfigs(),
		Config("connections.max.idle.ms", "-1"))
	nc := dialRaw(t, c)
	now := clk.Now().UnixMilli()
	produce := func(acks int16, value string) *kmsg.ProduceRequest {
		batch, err := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: now, Value: []byte(value)}})
		if err != nil {
			t.Fatal(err)
		}
		req := kmsg.NewPtrProduceRequest()
		req.Acks, req.TimeoutMillis = acks, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "orders"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = batch
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return req
	}
	fetch := kmsg.NewPtrFetchRequest()
	fetch.ReplicaID, fetch.MaxWaitMillis, fetch.MinBytes, fetch.MaxBytes, fetch.SessionEpoch = -1, 500, 1<<20, 1<<20, -1
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "orders"
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes, fp.CurrentLeaderEpoch = 1<<20, -1
	ft.Partitions = append(ft.Partitions, fp)
	fetch.Topics = append(fetch.Topics, ft)
	listEnd := kmsg.NewPtrListOffsetsRequest()
	listEnd.ReplicaID = -1
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = "orders"
	lp := kmsg.NewListOffsetsRequestTopicPartition()
	lp.Timestamp, lp.CurrentLeaderEpoch = -1, -1
	lt.Partitions = append(lt.Partitions, lp)
	listEnd.Topics = append(listEnd.Topics, lt)
	av := kmsg.NewPtrApiVersionsRequest()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "raw", "1"

	requests := []struct {
		req     kmsg.Request
		version int16
	}{
		{av, 3},
		{kmsg.NewPtrMetadataRequest(), 12},
		{produce(1, "first"), 9},
		{produce(0, "second"), 9}, // acks=0: no answer
		{fetch, 12},               // parks: min_bytes cannot be met
		{listEnd, 8},
		{kmsg.NewPtrMetadataRequest(), 1},
	}
	var wire []byte
	for i, r := range requests {
		wire = append(wire, frameOf(r.req, r.version, int32(i+1))...)
	}
	if _, err := nc.Write(wire); err != nil {
		t.Fatal(err)
	}
	read := func() (int32, []byte) {
		t.Helper()
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := readResponseFrame(nc)
		if err != nil {
			t.Fatal(err)
		}
		return int32(binary.BigEndian.Uint32(b)), b[4:]
	}
	for want := int32(1); want <= 3; want++ {
		if got, _ := read(); got != want {
			t.Fatalf("response %d arrived with correlation id %d", want, got)
		}
	}
	// The fetch is parked once its fetch.max.wait.ms timer is pending
	// (the broker's own periodic timers are much further away).
	parked, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := clk.WaitForTimer(parked, 500*time.Millisecond); err != nil {
		t.Fatalf("the request never parked: %v", err)
	}
	clk.Advance(500 * time.Millisecond)
	var order []int32
	bodies := map[int32][]byte{}
	for range 3 {
		id, body := read()
		order = append(order, id)
		bodies[id] = body
	}
	if fmt.Sprint(order) != "[5 6 7]" {
		t.Fatalf("after the parked fetch, responses came as %v, want [5 6 7]", order)
	}
	fr := withVersion(kmsg.NewPtrFetchResponse(), 12)
	fbody, _ := skipTaggedFields(bodies[5])
	if err := fr.ReadFrom(fbody); err != nil {
		t.Fatal(err)
	}
	batches, _, _ := record.SplitBatches(fr.Topics[0].Partitions[0].RecordBatches)
	if len(batches) != 2 {
		t.Fatalf("the fetch returned %d batches, want both produced ones", len(batches))
	}
	lr := withVersion(kmsg.NewPtrListOffsetsResponse(), 8)
	lbody, _ := skipTaggedFields(bodies[6])
	if err := lr.ReadFrom(lbody); err != nil {
		t.Fatal(err)
	}
	if off := lr.Topics[0].Partitions[0].Offset; off != 2 {
		t.Fatalf("ListOffsets after both produces says the end is %d, want 2", off)
	}
}

// connections.max.idle.ms closes a connection that has been quiet that
// long by the cluster clock; any request resets the count.
func TestIdleConnectionIsClosedAfterConnectionsMaxIdleMs(t *testing.T) {
	clk := clock.NewManual(time.Time{})
	c := startConnTestCluster(t, Clock(clk), quietConfigs(), Config("connections.max.idle.ms", "60000"))
	b := c.Broker(1)
	nc := dialRaw(t, c)
	ping := func() {
		t.Helper()
		av := withVersion(kmsg.NewPtrApiVersionsRequest(), 3)
		av.ClientSoftwareName, av.ClientSoftwareVersion = "raw", "1"
		var resp kmsg.ApiVersionsResponse
		if err := rawRoundTrip(nc, av, &resp); err != nil {
			t.Fatalf("request on a connection that should be open: %v", err)
		}
	}
	open := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.conns)
	}
	ping()                        // t=0
	clk.Advance(30 * time.Second) // t=30s
	ping()
	clk.Advance(45 * time.Second) // t=75s: 75s since the first request, 45s since the last
	ping()
	clk.Advance(59 * time.Second) // t=134s: 59s quiet
	if open() != 1 {
		t.Fatalf("a connection quiet for 59s of 60s was closed")
	}
	clk.Advance(time.Second) // t=135s: 60s quiet
	expectClosed(t, nc)
	// A new connection is welcome.
	nc = dialRaw(t, c)
	ping()
}

// A request announcing socket.request.max.bytes was allocated in full as
// soon as its size was read: a client could make the broker allocate
// 100 MB per connection with four bytes. A large body's buffer is now
// allocated only once its first believedBodyBytes have arrived.
func TestAnnouncedRequestSizeIsNotAllocatedUpFront(t *testing.T) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before := m.TotalAlloc
	_, err := readBody(bytes.NewReader([]byte("only a few bytes")), 100<<20, nil)
	runtime.ReadMemStats(&m)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading a cut body: %v, want ErrUnexpectedEOF", err)
	}
	if used := m.TotalAlloc - before; used > 4<<20 {
		t.Fatalf("16 bytes of a body announced as 100 MB allocated %d bytes", used)
	}
	// Whole bodies read back intact, from scratch or into a spare buffer.
	for _, size := range []int{0, 10, believedBodyBytes + 1, 5*believedBodyBytes + 7} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte(i * 7)
		}
		for _, start := range [][]byte{nil, make([]byte, 0, 100), make([]byte, 0, size)} {
			got, err := readBody(iotest.OneByteReader(bytes.NewReader(want)), size, start)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("body of %d bytes into a buffer of %d: %d bytes back, %v", size, cap(start), len(got), err)
			}
		}
	}
}
