package bench

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kgo"
)

// retainedRecords and retainedValueSize are the fill of BenchmarkRetainedHeap:
// a million records of 100 bytes, 100 MB of values.
const (
	retainedRecords   = 1_000_000
	retainedValueSize = 100
)

// BenchmarkRetainedHeap is what a broker keeps in memory for what it
// stores: a one-broker cluster with its logs in memory is filled with
// retainedRecords records of retainedValueSize bytes (kgo batches them, as
// in BenchmarkProduce), the client is closed, and the live heap after a
// garbage collection is compared with the heap before the cluster started.
// It reports heap-B/log-B, retained bytes per byte of the record batches
// as the producer wrote them (what Kafka's .log files would hold), and
// heap-B/value-B, per byte of record values. The batch format itself costs
// 10% over the values at this size (each record's length, attributes,
// timestamp and offset deltas, key and value lengths and header count),
// so a heap-B/value-B of 1.10 is a log that holds its batches and nothing
// else. One op is one whole fill.
func BenchmarkRetainedHeap(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		b.Run(fmt.Sprintf("records=1M/record=100B/partitions=%d", partitions), func(b *testing.B) {
			forEachImpl(b, func(b *testing.B, im impl) { benchRetainedHeap(b, im, partitions) })
		})
	}
}

func benchRetainedHeap(b *testing.B, im impl, partitions int32) {
	const topic = "retained"
	b.ReportAllocs()
	var perValue, perLog float64
	for range b.N {
		before := liveHeap()
		addrs, stop, err := im.start(topic, partitions)
		if err != nil {
			b.Fatal(err)
		}
		logBytes := fill(b, addrs, topic, partitions)
		retained := float64(liveHeap() - before)
		perValue += retained / float64(retainedRecords*retainedValueSize)
		perLog += retained / float64(logBytes)
		stop()
	}
	b.ReportMetric(perValue/float64(b.N), "heap-B/value-B")
	b.ReportMetric(perLog/float64(b.N), "heap-B/log-B")
}

// batchBytes counts the bytes of the record batches a client wrote.
type batchBytes struct{ n atomic.Int64 }

func (c *batchBytes) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.ProduceBatchMetrics) {
	// CompressedBytes leaves out the batch header.
	c.n.Add(int64(m.CompressedBytes + record.HeaderSize))
}

// fill produces the records of BenchmarkRetainedHeap, closes the client
// and returns the bytes of the batches written.
func fill(b testing.TB, addrs []string, topic string, partitions int32) int64 {
	ctx := benchCtx(b)
	var written batchBytes
	cl, err := kgo.NewClient(append(producerOpts(addrs, topic), kgo.WithHooks(&written))...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	value := recordValue(retainedValueSize)
	var errs firstErr
	done := func(_ *kgo.Record, err error) { errs.set(err) }
	for i := range retainedRecords {
		cl.Produce(ctx, &kgo.Record{Value: value, Partition: int32(i) % partitions}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err := errs.get(); err != nil {
		b.Fatal(err)
	}
	return written.n.Load()
}

// liveHeap is the heap in use after garbage collection. It collects until
// two readings agree to 0.1%: the broker's side of a connection just
// closed lets go of its buffers only once its goroutine has seen the close.
func liveHeap() uint64 {
	var m runtime.MemStats
	var last uint64
	for range 20 {
		runtime.GC()
		runtime.ReadMemStats(&m)
		if d := int64(m.HeapAlloc) - int64(last); last > 0 && d < int64(last/1000) && -d < int64(last/1000) {
			break
		}
		last = m.HeapAlloc
	}
	return m.HeapAlloc
}
