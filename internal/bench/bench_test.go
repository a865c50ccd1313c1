// Benchmarks of gregor next to franz-go's kfake. Run them with
//
//	go test ./internal/bench -run='^$' -bench=. -benchmem -count=6 -timeout=30m | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl bench.txt
//
// (see doc.go and docs/benchmarks.md).
package bench

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// impl is one broker implementation under test.
type impl struct {
	name string
	// start starts a one-broker cluster, with topic created with the given
	// number of partitions unless topic is "". It returns the bootstrap
	// addresses and a function that closes the cluster.
	start func(topic string, partitions int32) (addrs []string, stop func(), err error)
}

var impls = []impl{
	{name: "impl=gregor", start: startGregor},
	{name: "impl=kfake", start: startKfake},
}

func startGregor(topic string, partitions int32) ([]string, func(), error) {
	var opts []broker.Option
	if topic != "" {
		opts = append(opts, broker.Topic(topic, partitions, 1, nil))
	}
	c, err := broker.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	return c.Addrs(), func() { c.Close() }, nil
}

func startKfake(topic string, partitions int32) ([]string, func(), error) {
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if topic != "" {
		opts = append(opts, kfake.SeedTopics(partitions, topic))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, nil, err
	}
	return c.ListenAddrs(), c.Close, nil
}

// forEachImpl runs fn as a sub-benchmark for every implementation.
func forEachImpl(b *testing.B, fn func(b *testing.B, im impl)) {
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) { fn(b, im) })
	}
}

// mustStart starts a cluster for a benchmark and closes it when the
// benchmark ends.
func mustStart(b *testing.B, im impl, topic string, partitions int32) []string {
	b.Helper()
	addrs, stop, err := im.start(topic, partitions)
	if err != nil {
		b.Fatalf("starting %s: %v", im.name, err)
	}
	b.Cleanup(stop)
	return addrs
}

// producerOpts are the producer settings both brokers get: every record
// acknowledged by all in-sync replicas, no idempotence (so no
// InitProducerId and no sequence checks), no compression (the broker's
// work, not the codec's, is measured), and the partition chosen by the
// benchmark.
func producerOpts(addrs []string, topic string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(addrs...),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DisableIdempotentWrite(),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	}
}

// benchCtx bounds a benchmark's client calls, so that a broker bug fails
// the benchmark instead of hanging it.
func benchCtx(b testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// firstErr keeps the first error reported by asynchronous callbacks.
type firstErr struct{ v atomic.Pointer[error] }

func (f *firstErr) set(err error) {
	if err != nil {
		f.v.CompareAndSwap(nil, &err)
	}
}

func (f *firstErr) get() error {
	if p := f.v.Load(); p != nil {
		return *p
	}
	return nil
}

// cpuMeter reports the CPU time a benchmark used per op (cpu-ns/op),
// brokers and clients together. On a shared machine it varies less than
// wall time, because waiting for a core does not count.
type cpuMeter struct {
	b     *testing.B
	start int64
}

// startCPU starts measuring; call it where the timer is (re)set.
func startCPU(b *testing.B) cpuMeter { return cpuMeter{b, processCPU()} }

// stop reports the CPU time used since startCPU, and returns it per op.
func (m cpuMeter) stop() float64 {
	used := processCPU() - m.start
	if used <= 0 {
		return 0
	}
	perOp := float64(used) / float64(m.b.N)
	m.b.ReportMetric(perOp, "cpu-ns/op")
	return perOp
}

// recordValue is a value of n bytes; its content is irrelevant without
// compression but is not all zeros.
func recordValue(n int) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = byte('a' + i%26)
	}
	return v
}
