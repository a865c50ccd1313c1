package broker_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/quota"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// throttleHook counts the throttles kgo is told about (OnBrokerThrottle).
type throttleHook struct {
	n, after atomic.Int64
	total    atomic.Int64 // milliseconds
}

func (h *throttleHook) OnBrokerThrottle(_ kgo.BrokerMetadata, d time.Duration, afterResponse bool) {
	if d <= 0 {
		return
	}
	h.n.Add(1)
	h.total.Add(d.Milliseconds())
	if afterResponse {
		h.after.Add(1)
	}
}

func setClientIDQuota(t *testing.T, c *broker.Cluster, clientID, key string, v float64) {
	t.Helper()
	if err := c.AlterClientQuotas(quota.Alteration{Entity: []quota.Component{{Type: quota.ClientID, Name: &clientID}},
		Ops: []quota.Op{{Key: key, Value: v}}}); err != nil {
		t.Fatal(err)
	}
}

// rateBetween is the bytes per second that arrived between from and to,
// given (time, bytes) events.
type rateMeter struct {
	mu       sync.Mutex
	from, to time.Time
	bytes    int64
}

func (m *rateMeter) add(at time.Time, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !at.Before(m.from) && at.Before(m.to) {
		m.bytes += int64(n)
	}
}

func (m *rateMeter) perSecond() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return float64(m.bytes) / m.to.Sub(m.from).Seconds()
}

const (
	throttleQuota   = 64 << 10 // bytes per second
	throttleMeasure = 200 * time.Second
	throttleWarmup  = 20 * time.Second // past the first window's burst
)

func within10Percent(t *testing.T, what string, got float64) {
	t.Helper()
	if got < 0.9*throttleQuota || got > 1.1*throttleQuota {
		t.Fatalf("%s ran at %.0f bytes/s, want %d ±10%%", what, got, throttleQuota)
	} else {
		t.Logf("%s ran at %.0f bytes/s against a quota of %d", what, got, throttleQuota)
	}
}

// Reference: KIP-13, KIP-219. A franz-go producer that produces as fast
// as it can, with producer_byte_rate set on its client id, is held to the
// quota: measured over 200 s of virtual time after a 20 s warm-up (the
// first windows allow a burst), its acknowledged bytes per second are
// within 10% of the quota, and kgo is told to throttle after each
// response (OnBrokerThrottle, Produce v6+).
func TestProducerHeldToByteRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := broker.New(broker.InMemoryNetwork(), broker.Topic("metered", 1, 1, nil))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		setClientIDQuota(t, c, "metered-producer", quota.ProducerByteRate, throttleQuota)
		hook := &throttleHook{}
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.ClientID("metered-producer"),
			kgo.DefaultProduceTopic("metered"), kgo.ProducerBatchMaxBytes(16<<10), kgo.MaxBufferedRecords(256),
			kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.WithHooks(hook))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		start := time.Now()
		m := &rateMeter{from: start.Add(throttleWarmup), to: start.Add(throttleWarmup + throttleMeasure)}
		ctx, cancel := context.WithDeadline(context.Background(), m.to)
		defer cancel()
		value := make([]byte, 1000)
		// Bounded, so that a broker that never throttles ends the loop
		// (virtual time stands still while the producer never waits).
		limit := int(2 * (throttleWarmup + throttleMeasure).Seconds() * throttleQuota / 1000)
		for i := 0; ctx.Err() == nil && i < limit; i++ {
			cl.Produce(ctx, &kgo.Record{Value: value}, func(r *kgo.Record, err error) {
				if err == nil {
					m.add(time.Now(), len(r.Value))
				}
			})
		}
		within10Percent(t, "the producer", m.perSecond())
		if hook.n.Load() == 0 || hook.after.Load() != hook.n.Load() {
			t.Fatalf("kgo saw %d throttles, %d of them after the response; want some, all after", hook.n.Load(), hook.after.Load())
		}
		cl.Close()
		c.Close()
		synctest.Wait()
	})
}

// Reference: KIP-13. A consumer with consumer_byte_rate set on its client
// id reads a backlog no faster than its quota, within 10%, measured
// after the warm-up; its throttled fetches come back empty and kgo hears
// of the throttle.
func TestConsumerHeldToByteRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := broker.New(broker.InMemoryNetwork(), broker.Topic("backlog", 1, 1, nil))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		// Small batches: a fetch returns at least one whole batch, and a
		// batch larger than ten windows of the quota would be throttled
		// (and so never returned) on every fetch, in Kafka too.
		p, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.DefaultProduceTopic("backlog"),
			kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.ProducerBatchMaxBytes(16<<10))
		if err != nil {
			t.Fatal(err)
		}
		value := make([]byte, 1000)
		backlog := (throttleWarmup + throttleMeasure + 20*time.Second).Seconds() * throttleQuota / 1000
		for i := 0; i < int(backlog); i++ {
			p.Produce(ctx, &kgo.Record{Value: value}, nil)
		}
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		p.Close()

		setClientIDQuota(t, c, "metered-consumer", quota.ConsumerByteRate, throttleQuota)
		hook := &throttleHook{}
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.ClientID("metered-consumer"),
			kgo.ConsumeTopics("backlog"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.FetchMaxBytes(16<<10), kgo.FetchMaxPartitionBytes(16<<10), kgo.WithHooks(hook))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		start := time.Now()
		m := &rateMeter{from: start.Add(throttleWarmup), to: start.Add(throttleWarmup + throttleMeasure)}
		pctx, cancel := context.WithDeadline(ctx, m.to)
		defer cancel()
		// Bounded, so that a broker answering empty fetches without a
		// throttle (virtual time standing still) cannot spin forever.
		for polls := 0; pctx.Err() == nil && polls < 100_000; polls++ {
			fs := cl.PollFetches(pctx)
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) { m.add(now, len(r.Value)) })
		}
		within10Percent(t, "the consumer", m.perSecond())
		if hook.n.Load() == 0 {
			t.Fatal("kgo was never told to throttle")
		}
		cl.Close()
		c.Close()
		synctest.Wait()
	})
}

// Reference: KIP-219. The broker answers a Produce over its quota at once
// with throttle_time_ms, then mutes the connection: a client that ignores
// the throttle gets its next request handled only once the cluster clock
// has moved past it.
func TestThrottledConnectionIsMuted(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := startAPICluster(t, broker.Clock(mc), broker.Topic("muted", 1, 1, nil))
	setClientIDQuota(t, c, "wire-test", quota.ProducerByteRate, 1000)
	w := dialWire(t, c, c.Addrs()[0])
	value := strings.Repeat("x", 20000)
	batch := testBatch(t, record.BatchOptions{}, record.Record{Timestamp: mc.Now().UnixMilli(), Value: []byte(value)})
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = 9, 1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "muted"
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)

	resp := kmsg.NewPtrProduceResponse()
	resp.Version = 9
	w.roundTrip(req, resp)
	if ec := resp.Topics[0].Partitions[0].ErrorCode; ec != 0 {
		t.Fatalf("produce: error %d", ec)
	}
	// About 20 kB against 1000 B/s over a young window of 10 s: twice
	// the quota, so about 10 s to wait.
	th := time.Duration(resp.ThrottleMillis) * time.Millisecond
	if th < 9*time.Second || th > 11*time.Second {
		t.Fatalf("throttle_time_ms %d, want about 10000", resp.ThrottleMillis)
	}
	if err := mc.WaitForTimer(apiCtx(t), th); err != nil {
		t.Fatalf("no mute timer of %v on the cluster clock: %v", th, err)
	}
	muted := mc.Now()
	md := kmsg.NewPtrMetadataRequest()
	md.Version = 12
	corr := w.send(md)
	mc.Advance(th)
	buf, err := w.readFrame()
	if err != nil {
		t.Fatal(err)
	}
	mdResp := kmsg.NewPtrMetadataResponse()
	mdResp.Version = 12
	if err := decodeResponse(buf, corr, mdResp); err != nil {
		t.Fatal(err)
	}
	recs := c.Requests(func(r broker.RequestRecord) bool { return r.API == kmsg.Metadata && r.ClientID == "wire-test" })
	if len(recs) != 1 || recs[0].Time.Before(muted.Add(th)) {
		t.Fatalf("the Metadata request was handled at %v, before the mute ended at %v", recs, muted.Add(th))
	}
	// ThrottleTimeMs counts the throttle given to the Produce.
	for _, rt := range c.TrafficMetrics().Requests {
		if rt.API == "Produce" && (rt.Throttled != 1 || rt.ThrottleMs != int64(resp.ThrottleMillis)) {
			t.Fatalf("Produce traffic: %d throttled, %d ms; want 1, %d", rt.Throttled, rt.ThrottleMs, resp.ThrottleMillis)
		}
	}
}
