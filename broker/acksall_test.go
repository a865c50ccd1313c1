package broker_test

// acks=all over the wire: what a producer waits for, and what a consumer
// learns when a failover takes back records it had already read.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// An acks=all produce waits for every in-sync replica. A follower that
// stopped copying but is still in the ISR holds it until the request's
// timeout passes on the cluster clock: REQUEST_TIMED_OUT, though the
// leader wrote the batch (Kafka's DelayedProduce). Once the follower has
// left the ISR (replica.lag.time.max.ms), acks=all no longer waits for it.
func TestAcksAllWaitsForISRUntilTimeout(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("w", 1, 3, nil))
	cl := replClient(t, c)
	pi := partitionInfo(t, c, "w", 0)
	produce := func(v string) kmsg.ProduceResponseTopicPartition {
		batch := testBatch(t, record.BatchOptions{}, valueRecords(time.Now().UnixMilli(), v)...)
		req := produceReq(-1, producePart{"w", 0, batch}) // timeout_ms 10000
		resp, err := cl.Broker(int(pi.Leader)).Request(apiCtx(t), req)
		if err != nil {
			t.Error(err)
			return kmsg.ProduceResponseTopicPartition{}
		}
		return producePartition(t, resp.(*kmsg.ProduceResponse), "w", 0)
	}
	// The first produce opens the client's produce connection, and with
	// it the connection's idle timer.
	if r := produce("warm"); r.ErrorCode != 0 || r.BaseOffset != 0 {
		t.Fatalf("first produce: %+v", r)
	}
	lagging := pi.Replicas[2]
	mustDo(t, c.PauseReplication("w", 0, lagging))

	parked := mc.Pending() + 1 // the produce's timeout will be one more timer
	answer := make(chan kmsg.ProduceResponseTopicPartition, 1)
	go func() { answer <- produce("a") }()
	// The batch is written at once; the answer waits on a timer of the
	// cluster clock, which nothing else creates meanwhile.
	if err := mc.WaitForPending(apiCtx(t), parked); err != nil {
		t.Fatalf("the produce was never parked: %v", err)
	}
	if lr, _ := partitionInfo(t, c, "w", 0).LeaderReplica(); lr.LogEndOffset != 2 || lr.HighWatermark != 1 {
		t.Fatalf("leader log end %d high watermark %d, want 2 and 1: written, not committed", lr.LogEndOffset, lr.HighWatermark)
	}
	mc.Advance(10*time.Second - time.Millisecond)
	select {
	case got := <-answer:
		t.Fatalf("answered before the request's timeout: %+v", got)
	default:
	}
	mc.Advance(time.Millisecond)
	var got kmsg.ProduceResponseTopicPartition
	select {
	case got = <-answer:
	case <-apiCtx(t).Done():
		t.Fatal("no answer after the request's timeout")
	}
	wantCode(t, "acks=all with an in-sync follower not copying", got.ErrorCode, kerr.RequestTimedOut)
	if lr, _ := partitionInfo(t, c, "w", 0).LeaderReplica(); lr.LogEndOffset != 2 || lr.HighWatermark != 1 {
		t.Fatalf("after the timeout: leader log end %d high watermark %d, want 2 and 1", lr.LogEndOffset, lr.HighWatermark)
	}

	mc.Advance(35 * time.Second) // 45 s: replica.lag.time.max.ms and the next ISR check
	if isr := partitionInfo(t, c, "w", 0).ISR; slices.Contains(isr, lagging) {
		t.Fatalf("ISR %v still holds the follower that stopped copying", isr)
	}
	produceValues(t, cl, "w", 0, "b")
	if got := consumeValues(t, c, "w", 0, 3); !slices.Equal(got, []string{"warm", "a", "b"}) {
		t.Fatalf("records %v", got)
	}
}

// With min.insync.replicas=2 and only the leader left in the ISR, acks=all
// is refused before anything is written (NOT_ENOUGH_REPLICAS), while
// acks=1 is written but stays invisible to consumers: the high watermark
// does not move while the ISR is below min.insync.replicas (Kafka 3.7+,
// KAFKA-15583). When a follower is back in sync, it becomes visible.
func TestUnderMinISR(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("m", 1, 3, map[string]string{"min.insync.replicas": "2"}))
	cl := replClient(t, c)
	produceValues(t, cl, "m", 0, "a")
	pi := partitionInfo(t, c, "m", 0)
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	for _, id := range pi.Replicas[1:] {
		mustDo(t, c.PauseReplication("m", 0, id))
	}
	// Followers at the leader's log end stay in sync however long they
	// are idle; a record they do not copy starts their lag.
	// kgo sends raw produce requests with the client's own acks.
	leaderAck := replClient(t, c, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	produceValues(t, leaderAck, "m", 0, "b")
	mc.Advance(46 * time.Second)
	if isr := partitionInfo(t, c, "m", 0).ISR; !slices.Equal(isr, []int32{pi.Leader}) {
		t.Fatalf("ISR %v, want the leader alone", isr)
	}
	if m := c.ReplicationMetrics(); m.UnderMinISRPartitions != 1 {
		t.Fatalf("metrics %+v", m)
	}
	send := func(acks int16, v string) kmsg.ProduceResponseTopicPartition {
		batch := testBatch(t, record.BatchOptions{}, valueRecords(time.Now().UnixMilli(), v)...)
		via := cl
		if acks == 1 {
			via = leaderAck
		}
		resp := sendTo[*kmsg.ProduceResponse](t, via, pi.Leader, produceReq(acks, producePart{"m", 0, batch}))
		return producePartition(t, resp, "m", 0)
	}
	wantCode(t, "acks=all under min.insync.replicas", send(-1, "refused").ErrorCode, kerr.NotEnoughReplicas)
	if r := send(1, "c"); r.ErrorCode != 0 || r.BaseOffset != 2 {
		t.Fatalf("acks=1 under min.insync.replicas: %+v", r)
	}
	if lr, _ := partitionInfo(t, c, "m", 0).LeaderReplica(); lr.LogEndOffset != 3 || lr.HighWatermark != 1 {
		t.Fatalf("leader log end %d high watermark %d, want 3 and 1", lr.LogEndOffset, lr.HighWatermark)
	}
	mustDo(t, c.ResumeReplication("m", 0, pi.Replicas[1]))
	mustDo(t, c.WaitForISR(apiCtx(t), "m", 0, pi.Leader, pi.Replicas[1]))
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	if lr, _ := partitionInfo(t, c, "m", 0).LeaderReplica(); lr.HighWatermark != 3 {
		t.Fatalf("high watermark %d with the ISR back at min.insync.replicas, want 3", lr.HighWatermark)
	}
	if got := consumeValues(t, c, "m", 0, 3); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("records %v", got)
	}
}

// A consumer that read records an unclean election then took back finds
// out through OffsetForLeaderEpoch (KIP-320): the new leader says the
// epoch of the last record it read ended before its position, so franz-go
// reports the data loss and resumes where the new leader's log diverges,
// reading the records written since instead of skipping them.
func TestConsumerDetectsTruncationAfterUncleanElection(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc),
		broker.Topic("u", 1, 3, map[string]string{"unclean.leader.election.enable": "true"}))
	prod := replClient(t, c, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	produceValues(t, prod, "u", 0, "kept1", "kept2")
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	pi := partitionInfo(t, c, "u", 0)
	for _, id := range pi.Replicas[1:] {
		mustDo(t, c.PauseReplication("u", 0, id))
	}
	produceValues(t, prod, "u", 0, "lost1", "lost2")
	mc.Advance(46 * time.Second) // the followers leave the ISR, the high watermark moves
	if lr, _ := partitionInfo(t, c, "u", 0).LeaderReplica(); lr.HighWatermark != 4 {
		t.Fatalf("high watermark %d with the leader alone in the ISR, want 4", lr.HighWatermark)
	}

	cons := replClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"u": {0: kgo.NewOffset().AtStart()}}))
	var got []string
	var loss *kgo.ErrDataLoss
	poll := func(until int) {
		t.Helper()
		for len(got) < until {
			fs := cons.PollFetches(apiCtx(t))
			fs.EachError(func(_ string, _ int32, err error) {
				if !errors.As(err, &loss) {
					t.Fatalf("consuming: %v", err)
				}
			})
			fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		}
	}
	poll(4)

	mustDo(t, c.CrashBroker(pi.Leader))
	for _, id := range pi.Replicas[1:] {
		mustDo(t, c.ResumeReplication("u", 0, id))
	}
	mc.Advance(9 * time.Second) // fenced: the unclean election picks a follower
	now := partitionInfo(t, c, "u", 0)
	if now.Leader == pi.Leader || now.Leader < 0 {
		t.Fatalf("no unclean election: leader %d", now.Leader)
	}
	produceValues(t, prod, "u", 0, "new1", "new2") // offsets 2 and 3 on the new leader
	poll(6)
	if want := []string{"kept1", "kept2", "lost1", "lost2", "new1", "new2"}; !slices.Equal(got, want) {
		t.Fatalf("consumed %v, want %v", got, want)
	}
	if loss == nil || loss.ConsumedTo != 4 || loss.ResetTo != 2 {
		t.Fatalf("data loss reported as %+v, want consumed to 4, reset to 2", loss)
	}
}

// min.insync.replicas above the replication factor counts as the
// replication factor (Kafka's effectiveMinIsr): such a topic is writable
// with acks=all and not reported under min ISR.
func TestMinInsyncReplicasAboveReplicationFactor(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("x", 1, 2, map[string]string{"min.insync.replicas": "3"}))
	produceValues(t, replClient(t, c), "x", 0, "a")
	if m := c.ReplicationMetrics(); m.UnderMinISRPartitions != 0 {
		t.Fatalf("metrics %+v", m)
	}
}
