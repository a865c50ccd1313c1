package compat_test

// Clients follow leadership changes: a producer and a consumer of each
// client keep working while the leader of their partition goes away,
// either cleanly (StopBroker: controlled shutdown moves leadership at
// once) or by crashing (CrashBroker: the partition has no working leader
// until broker.session.timeout.ms passes on the manual clock and the
// controller fences the broker). Every record the producer had
// acknowledged (acks=all) must be consumed exactly once, in order.
//
// The failover happens between two acknowledged produces, never during
// one: kafka-go's Writer is not idempotent, so a produce whose answer was
// lost with its connection could be written twice by its retry, which is
// Kafka's behaviour too and not what these tests look at.

import (
	"context"
	"fmt"
	"io"
	"log"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

const topic = "failover"

// env is one test's cluster and clients. Closing happens in a set order
// at cleanup: the test's context ends, then the cluster closes (so no
// client waits on a request the broker parked), then the clients.
type env struct {
	t       *testing.T
	c       *broker.Cluster
	mc      *clock.Manual // nil with the real clock
	ctx     context.Context
	wg      sync.WaitGroup
	closers []func()
}

func newEnv(t *testing.T, manual bool) *env {
	t.Helper()
	opts := []broker.Option{broker.Brokers(3), broker.Topic(topic, 1, 3, nil)}
	e := &env{t: t}
	if manual {
		e.mc = clock.NewManual(time.Time{})
		opts = append(opts, broker.Clock(e.mc))
	}
	c, err := broker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.ctx = ctx
	t.Cleanup(func() {
		cancel()
		c.Close()
		e.wg.Wait()
		for i := len(e.closers) - 1; i >= 0; i-- {
			e.closers[i]()
		}
	})
	return e
}

func (e *env) onClose(f func()) { e.closers = append(e.closers, f) }

// go runs f until the test ends.
func (e *env) goRun(f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
}

// failLeader takes the partition's leader away and returns once another
// broker leads.
func (e *env) failLeader(crash bool) {
	e.t.Helper()
	old, err := e.c.Partition(topic, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if crash {
		if err := e.c.CrashBroker(old.Leader); err != nil {
			e.t.Fatal(err)
		}
		e.mc.Advance(9 * time.Second) // broker.session.timeout.ms
	} else if err := e.c.StopBroker(old.Leader); err != nil {
		e.t.Fatal(err)
	}
	now, _ := e.c.Partition(topic, 0)
	if now.Leader == old.Leader || now.Leader < 0 || now.LeaderEpoch != old.LeaderEpoch+1 {
		e.t.Fatalf("no failover from broker %d: leader %d epoch %d", old.Leader, now.Leader, now.LeaderEpoch)
	}
	e.t.Logf("leader %d %s, broker %d leads in epoch %d", old.Leader, map[bool]string{true: "crashed", false: "stopped"}[crash], now.Leader, now.LeaderEpoch)
}

// A client under test: a producer that returns once a record is
// acknowledged, and a consumer of partition 0 from its start.
type client struct {
	name     string
	producer func(e *env) func(ctx context.Context, value string) error
	consumer func(e *env, out chan<- string)
}

// runFailover produces and consumes across a failover and checks that
// every acknowledged record is consumed once, in order, and written once.
func runFailover(t *testing.T, cl client, crash bool) {
	e := newEnv(t, crash)
	produce := cl.producer(e)
	got := make(chan string, 1000)
	cl.consumer(e, got)

	var want, consumed []string
	send := func(prefix string, n int) {
		t.Helper()
		for i := range n {
			v := fmt.Sprintf("%s-%d", prefix, i)
			if err := produce(e.ctx, v); err != nil {
				t.Fatalf("%s producing %s: %v", cl.name, v, err)
			}
			want = append(want, v)
		}
	}
	receive := func(until string) {
		t.Helper()
		for {
			select {
			case v := <-got:
				consumed = append(consumed, v)
				if v == until {
					return
				}
			case <-e.ctx.Done():
				t.Fatalf("%s consumer stopped at %v, waiting for %s", cl.name, consumed, until)
			}
		}
	}
	send("before", 5)
	receive("before-4")
	e.failLeader(crash)
	send("after", 5)
	// The last record marks the end: any duplicate delivered before it
	// is caught by the comparison.
	send("end", 1)
	receive("end-0")
	if !slices.Equal(consumed, want) {
		t.Fatalf("%s consumed %v, want %v", cl.name, consumed, want)
	}
	pi, _ := e.c.Partition(topic, 0)
	if lr, _ := pi.LeaderReplica(); lr.LogEndOffset != int64(len(want)) {
		t.Fatalf("the log holds %d records, %d were produced", lr.LogEndOffset, len(want))
	}
}

func testClient(t *testing.T, cl client) {
	for _, crash := range []bool{false, true} {
		name := "stop"
		if crash {
			name = "crash"
		}
		t.Run(name, func(t *testing.T) { runFailover(t, cl, crash) })
	}
}

func TestFailoverFranzGo(t *testing.T) {
	// MetadataMinAge: kgo refreshes metadata at most this often (default
	// 5 s), so a short one lets it find the new leader at once.
	// RetryBackoffFn: kgo backs off between retries (default 250 ms+).
	opts := func(e *env) []kgo.Opt {
		return []kgo.Opt{kgo.SeedBrokers(e.c.Addrs()...), kgo.MetadataMinAge(10 * time.Millisecond),
			kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond })}
	}
	testClient(t, client{
		name: "franz-go",
		producer: func(e *env) func(context.Context, string) error {
			cl, err := kgo.NewClient(append(opts(e), kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()),
				kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
			if err != nil {
				e.t.Fatal(err)
			}
			e.onClose(cl.Close)
			return func(ctx context.Context, v string) error {
				return cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr()
			}
		},
		consumer: func(e *env, out chan<- string) {
			cl, err := kgo.NewClient(append(opts(e),
				kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))...)
			if err != nil {
				e.t.Fatal(err)
			}
			e.onClose(cl.Close)
			e.goRun(func() {
				for e.ctx.Err() == nil {
					cl.PollFetches(e.ctx).EachRecord(func(r *kgo.Record) { out <- string(r.Value) })
				}
			})
		},
	})
}

func TestFailoverSarama(t *testing.T) {
	config := func() *sarama.Config {
		cfg := sarama.NewConfig()
		cfg.ClientID = "sarama-failover"
		cfg.Version = sarama.V4_0_0_0
		// Backoffs default to 250 ms (metadata, producer) and 2 s
		// (consumer) between attempts; retries to 3 (metadata and
		// producer): a failover takes a few attempts, made quick.
		cfg.Metadata.Retry.Backoff = 10 * time.Millisecond
		cfg.Metadata.Retry.Max = 100
		cfg.Producer.Retry.Backoff = 10 * time.Millisecond
		cfg.Producer.Retry.Max = 100
		cfg.Consumer.Retry.Backoff = 10 * time.Millisecond
		// acks=all with the idempotent producer, which needs one
		// request in flight per connection.
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
		cfg.Producer.Return.Successes = true
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		return cfg
	}
	testClient(t, client{
		name: "sarama",
		producer: func(e *env) func(context.Context, string) error {
			p, err := sarama.NewSyncProducer(e.c.Addrs(), config())
			if err != nil {
				e.t.Fatal(err)
			}
			e.onClose(func() { p.Close() })
			return func(_ context.Context, v string) error {
				_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.StringEncoder(v)})
				return err
			}
		},
		consumer: func(e *env, out chan<- string) {
			c, err := sarama.NewConsumer(e.c.Addrs(), config())
			if err != nil {
				e.t.Fatal(err)
			}
			pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
			if err != nil {
				e.t.Fatal(err)
			}
			e.onClose(func() { pc.Close(); c.Close() })
			e.goRun(func() {
				for {
					select {
					case m := <-pc.Messages():
						out <- string(m.Value)
					case <-e.ctx.Done():
						return
					}
				}
			})
		},
	})
}

func TestFailoverKafkaGo(t *testing.T) {
	quiet := kafkago.LoggerFunc(log.New(io.Discard, "", 0).Printf)
	testClient(t, client{
		name: "kafka-go",
		producer: func(e *env) func(context.Context, string) error {
			w := &kafkago.Writer{
				Addr: kafkago.TCP(e.c.Addrs()...), Topic: topic,
				RequiredAcks: kafkago.RequireAll,
				// A batch waits up to BatchTimeout (default 1 s) for
				// more messages; these tests send one at a time.
				BatchSize: 1, BatchTimeout: time.Millisecond,
				// Retries back off 100 ms-1 s by default.
				MaxAttempts: 100, WriteBackoffMin: 10 * time.Millisecond, WriteBackoffMax: 50 * time.Millisecond,
				// The writer learns leaders only from the metadata its
				// transport refreshes at random intervals below
				// MetadataTTL (default 6 s), not on errors; the TTL is
				// also the metadata request's timeout, so it cannot be
				// very short on a loaded machine.
				Transport:   &kafkago.Transport{MetadataTTL: 300 * time.Millisecond},
				ErrorLogger: quiet,
			}
			e.onClose(func() { w.Close() })
			return func(ctx context.Context, v string) error {
				return w.WriteMessages(ctx, kafkago.Message{Value: []byte(v)})
			}
		},
		consumer: func(e *env, out chan<- string) {
			r := kafkago.NewReader(kafkago.ReaderConfig{
				Brokers: e.c.Addrs(), Topic: topic, Partition: 0,
				// Reconnects after errors back off 100 ms-1 s by
				// default. MaxWait bounds a fetch the broker parks.
				ReadBackoffMin: 10 * time.Millisecond, ReadBackoffMax: 20 * time.Millisecond,
				MaxWait: 100 * time.Millisecond, ErrorLogger: quiet,
			})
			e.onClose(func() { r.Close() })
			e.goRun(func() {
				for {
					m, err := r.ReadMessage(e.ctx)
					if err != nil {
						return
					}
					out <- string(m.Value)
				}
			})
		},
	})
}
