package broker

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Regression tests for what FuzzRequestFrames and the bad-input review
// found in the request handlers.

// A Produce request naming no partition made the handler index an empty
// slice (jobs[1:]); the panic was recovered and the connection closed.
// Kafka answers it with an empty response.
func TestProduceWithoutPartitionsIsAnswered(t *testing.T) {
	c := startConnTestCluster(t, Topic("orders", 1, 1, nil))
	nc := dialRaw(t, c)
	for _, topics := range [][]kmsg.ProduceRequestTopic{nil, {{Topic: "orders"}}} {
		req := kmsg.NewPtrProduceRequest()
		req.SetVersion(9)
		req.Acks, req.TimeoutMillis, req.Topics = 1, 1000, topics
		var resp kmsg.ProduceResponse
		if err := rawRoundTrip(nc, req, &resp); err != nil {
			t.Fatalf("produce with topics %v: %v", topics, err)
		}
		if len(resp.Topics) != len(topics) || (len(topics) > 0 && len(resp.Topics[0].Partitions) != 0) {
			t.Fatalf("response %+v to a request with topics %+v", resp.Topics, topics)
		}
	}
}

// CreateTopics and CreatePartitions accepted any partition count: 2^30
// partitions allocated the broker to death. Like KRaft's controller
// (10000 records per operation), gregor answers POLICY_VIOLATION.
func TestHugePartitionCountsArePolicyViolations(t *testing.T) {
	c := startConnTestCluster(t, Topic("orders", 1, 1, nil))
	adm := kadm.NewClient(newTestClient(t, c))
	ctx := testContext(t)
	created, err := adm.CreateTopic(ctx, 1<<30, 1, nil, "huge")
	if err == nil {
		err = created.Err
	}
	if !errorIs(err, kerr.PolicyViolation) {
		t.Fatalf("creating a topic with 2^30 partitions: %v, want POLICY_VIOLATION", err)
	}
	grown, err := adm.CreatePartitions(ctx, 1<<30, "orders")
	if err == nil {
		err = grown.Error()
	}
	if !errorIs(err, kerr.PolicyViolation) {
		t.Fatalf("adding 2^30 partitions: %v, want POLICY_VIOLATION", err)
	}
	if p, err := c.Partitions("orders"); err != nil || len(p) != 1 {
		t.Fatalf("orders has %d partitions (%v), want 1", len(p), err)
	}
}

func errorIs(err error, want *kerr.Error) bool {
	for e := err; e != nil; {
		if e == want {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// acks=all waits for every partition of a request under one timeout, as
// Kafka's DelayedProduce does. (Appending with a bounded pool of workers,
// introduced against the one-goroutine-per-partition fan-out, must not
// turn the waits into one timeout after the other.)
func TestAcksAllTimesOutOnceForAllPartitions(t *testing.T) {
	clk := clock.NewManual(time.Time{})
	c := startConnTestCluster(t, Clock(clk), Brokers(2), quietConfigs())
	// Four partitions led by broker 1, followed by broker 2.
	create := kmsg.NewPtrCreateTopicsRequest()
	ct := kmsg.NewCreateTopicsRequestTopic()
	ct.Topic, ct.NumPartitions, ct.ReplicationFactor = "orders", -1, -1
	for p := range int32(4) {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = p, []int32{1, 2}
		ct.ReplicaAssignment = append(ct.ReplicaAssignment, a)
	}
	create.Topics = append(create.Topics, ct)
	nc := dialRaw(t, c)
	var created kmsg.CreateTopicsResponse
	if err := rawRoundTrip(nc, withVersion(create, 5), &created); err != nil || created.Topics[0].ErrorCode != 0 {
		t.Fatalf("creating orders: %v %+v", err, created.Topics)
	}
	for p := range int32(4) {
		if err := c.PauseReplication("orders", p, 2); err != nil {
			t.Fatal(err)
		}
	}
	batch, _ := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: clk.Now().UnixMilli(), Value: []byte("v")}})
	req := withVersion(kmsg.NewPtrProduceRequest(), 9)
	req.Acks, req.TimeoutMillis = -1, 1000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "orders"
	for p := range int32(4) {
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p, batch
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	if _, err := nc.Write(frameOf(req, 9, 77)); err != nil {
		t.Fatal(err)
	}
	// Parked: the request's one timeout is the next timer due.
	parked, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := clk.WaitForTimer(parked, time.Second); err != nil {
		t.Fatalf("the request never parked: %v", err)
	}
	clk.Advance(time.Second)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := readResponseFrame(nc)
	if err != nil {
		t.Fatalf("no answer once the produce timeout passed: %v", err)
	}
	if id := int32(binary.BigEndian.Uint32(b)); id != 77 {
		t.Fatalf("correlation id %d", id)
	}
	resp := withVersion(kmsg.NewPtrProduceResponse(), 9)
	body, _ := skipTaggedFields(b[4:])
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	for _, p := range resp.Topics[0].Partitions {
		if p.ErrorCode != kerr.RequestTimedOut.Code || p.BaseOffset != 0 {
			t.Errorf("partition %d: error code %d, base offset %d; want REQUEST_TIMED_OUT after appending at 0", p.Partition, p.ErrorCode, p.BaseOffset)
		}
	}
}

// An error message quoting a long config value overflowed the 16-bit
// length of a non-flexible response's string field, and the response no
// longer decoded (found by FuzzRequestFrames, CreateTopics v2). Messages
// are now cut to kafkaerr.MaxMessageBytes. (A 10000-byte value of zero
// bytes is quoted as 40000 bytes.)
func TestLongErrorMessageStillMakesADecodableResponse(t *testing.T) {
	c := startConnTestCluster(t)
	req := kmsg.NewPtrCreateTopicsRequest()
	ct := kmsg.NewCreateTopicsRequestTopic()
	ct.Topic, ct.NumPartitions, ct.ReplicationFactor = "orders", 1, 1
	cfg := kmsg.NewCreateTopicsRequestTopicConfig()
	cfg.Name, cfg.Value = "retention.ms", kmsg.StringPtr(strings.Repeat("\x00", 10000)) // quoted, 40000 bytes
	ct.Configs = append(ct.Configs, cfg)
	req.Topics = append(req.Topics, ct)
	var resp kmsg.CreateTopicsResponse
	if err := rawRoundTrip(dialRaw(t, c), withVersion(req, 2), &resp); err != nil {
		t.Fatalf("the response does not decode: %v", err)
	}
	got := resp.Topics[0]
	if got.ErrorCode != kerr.InvalidConfig.Code || got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, "retention.ms") {
		t.Fatalf("error code %d, message %v", got.ErrorCode, got.ErrorMessage)
	}
}
