package gregor_test

// The manual clock: broker time moves only when the test says so. The
// clients keep their own real-time timeouts, so each test moves the clock
// as soon as the broker is in the state it wants, and never waits out a
// Kafka timeout in wall time.

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startManual starts a cluster on a manual clock. Idle connections are
// never closed (connections.max.idle.ms=-1, as in Kafka), so besides the
// brokers' own periodic tasks (the ISR check every
// replica.lag.time.max.ms/2, the leader balance check every
// leader.imbalance.check.interval.seconds), whose number it returns, the
// timers on the clock are the ones a test is about.
func startManual(t *testing.T, opts ...broker.Option) (*broker.Cluster, *clock.Manual, int) {
	t.Helper()
	mc := clock.NewManual(time.Time{})
	opts = append([]broker.Option{broker.Clock(mc), broker.Config("connections.max.idle.ms", "-1")}, opts...)
	c := gregor.Start(t, opts...)
	return c, mc, mc.Pending()
}

// waitFor fails the test if a wait on the clock ends without its
// condition holding.
func waitFor(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("gave up waiting until %s: %v", what, err)
	}
}

// A fetch with fetch.min.bytes=1 on an empty partition parks on the broker
// for fetch.max.wait.ms; the broker answers (with no records) once that
// time has passed on its clock.
func TestManualClockReleasesParkedFetchAfterMaxWait(t *testing.T) {
	c, mc, base := startManual(t, broker.Topic("events", 1, 1, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	// The request a consumer sends, with fetch.max.wait.ms=500 and
	// fetch.min.bytes=1.
	const maxWait = 500 * time.Millisecond
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis = int32(maxWait / time.Millisecond)
	req.MinBytes = 1
	req.MaxBytes = 1 << 20
	req.SessionEpoch = -1 // no fetch session
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = "events", c.Topics()[0].ID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch = 0, 0, 1<<20, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)

	if n := mc.Pending(); n != base {
		t.Fatalf("%d timers pending before the fetch", n)
	}
	type answer struct {
		resp kmsg.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := cl.Broker(1).Request(ctx, req)
		answered <- answer{resp, err}
	}()

	// Parked: the broker has set a fetch.max.wait.ms timer and not answered.
	waitFor(t, "the fetch parks", mc.WaitForPending(ctx, base+1))
	if d, _ := mc.NextDeadline(); d != mc.Now().Add(maxWait) {
		t.Fatalf("the parked fetch is due at %v, want now+%v", d, maxWait)
	}
	select {
	case a := <-answered:
		t.Fatalf("the fetch was answered before fetch.max.wait.ms passed: %+v", a)
	default:
	}

	mc.Advance(maxWait - time.Millisecond)
	if mc.Pending() != base+1 {
		t.Fatalf("the fetch left before fetch.max.wait.ms passed")
	}
	mc.Advance(time.Millisecond)

	var a answer
	select {
	case a = <-answered:
	case <-ctx.Done():
		t.Fatal("the fetch was not answered after the clock passed fetch.max.wait.ms")
	}
	if a.err != nil {
		t.Fatalf("fetch: %v", a.err)
	}
	resp := a.resp.(*kmsg.FetchResponse)
	p := resp.Topics[0].Partitions[0]
	if resp.ErrorCode != 0 || p.ErrorCode != 0 || len(p.RecordBatches) != 0 || p.HighWatermark != 0 {
		t.Fatalf("released fetch: error %d/%d, %d record bytes, high watermark %d; want an empty answer at high watermark 0",
			resp.ErrorCode, p.ErrorCode, len(p.RecordBatches), p.HighWatermark)
	}
	if mc.Pending() != base {
		t.Fatalf("%d timers still pending after the fetch was answered", mc.Pending()-base)
	}
}

// A consumer's parked fetch is also released, without the clock moving,
// as soon as a producer appends what it waits for.
func TestManualClockParkedConsumerWakesOnProduce(t *testing.T) {
	c, mc, base := startManual(t, broker.Topic("events", 1, 1, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const maxWait = 2 * time.Second
	consumer, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ConsumeTopics("events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(maxWait))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	polled := make(chan kgo.Fetches, 1)
	go func() { polled <- consumer.PollFetches(ctx) }()

	waitFor(t, "the consumer's fetch parks", mc.WaitForPending(ctx, base+1))
	parkedAt := mc.Now()

	// fetch.max.wait.ms passes: the broker answers with nothing, and the
	// consumer, still hungry, sends its next fetch, which parks anew.
	mc.Advance(maxWait)
	waitFor(t, "the consumer's next fetch parks", mc.WaitForTimer(ctx, maxWait))
	select {
	case fs := <-polled:
		t.Fatalf("the poll returned from an empty topic: %d records, %v", fs.NumRecords(), fs.Err())
	default:
	}

	producer, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("events"))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	if err := producer.ProduceSync(ctx, &kgo.Record{Value: []byte("wake up")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	fs := <-polled
	if fs.NumRecords() != 1 || string(fs.Records()[0].Value) != "wake up" {
		t.Fatalf("poll returned %d records, err %v", fs.NumRecords(), fs.Err())
	}
	if !mc.Now().Equal(parkedAt.Add(maxWait)) {
		t.Fatalf("the clock moved to %v without the test moving it", mc.Now())
	}
	// The consumer's next fetch is parked again, on a clock nobody will
	// move. kgo's Close ends the fetch session with one more request on
	// that connection and would wait a second for it; stopping the
	// cluster first fails both at once.
	c.Close()
}

// segment.ms rolls the active segment once a batch arrives whose
// timestamp is more than segment.ms past the segment's first batch, as
// Kafka's LogSegment.shouldRoll decides. With LogAppendTime the broker
// stamps batches with its own clock, so moving the clock is enough; with
// CreateTime the producer's timestamps count.
func TestManualClockSegmentMsRollsTheSegment(t *testing.T) {
	const segmentRoll = time.Minute
	for _, tc := range []struct {
		name          string
		timestampType string
		stamp         func(mc *clock.Manual) time.Time // the producer's record timestamp
		wantSegments  int
	}{
		{"LogAppendTime", "LogAppendTime", nil, 2},
		{"CreateTime from the broker's clock", "CreateTime", (*clock.Manual).Now, 2},
		// The producer's wall clock barely moved, so neither did the
		// timestamps: no roll, however far the broker's clock went.
		{"CreateTime from the wall clock", "CreateTime", nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mc, _ := startManual(t, broker.Topic("rolling", 1, 1, map[string]string{
				"segment.ms":             "60000",
				"message.timestamp.type": tc.timestampType,
			}))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			producer, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("rolling"))
			if err != nil {
				t.Fatal(err)
			}
			defer producer.Close()
			produce := func(v string) {
				r := &kgo.Record{Value: []byte(v)}
				if tc.stamp != nil {
					r.Timestamp = tc.stamp(mc)
				}
				if err := producer.ProduceSync(ctx, r).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
			segments := func() int {
				p, err := c.Partition("rolling", 0)
				if err != nil {
					t.Fatal(err)
				}
				r, _ := p.LeaderReplica()
				return len(r.Segments)
			}

			produce("first")
			mc.Advance(segmentRoll + time.Millisecond)
			if n := segments(); n != 1 {
				t.Fatalf("%d segments before the next append; a roll happens only when a batch arrives", n)
			}
			produce("second")
			if n := segments(); n != tc.wantSegments {
				t.Fatalf("%d segments after segment.ms passed, want %d", n, tc.wantSegments)
			}
			if tc.wantSegments == 2 {
				p, _ := c.Partition("rolling", 0)
				r, _ := p.LeaderReplica()
				if r.Segments[1].BaseOffset != 1 {
					t.Fatalf("the new segment starts at offset %d, want 1", r.Segments[1].BaseOffset)
				}
			}
		})
	}
}
