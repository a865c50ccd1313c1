package bench

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkProduce is produce throughput with one kgo producer: b.N
// records of 100 B or 1 KiB, spread round robin over 1 or 6 partitions,
// produced asynchronously and flushed. One op is one record.
func BenchmarkProduce(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		for _, size := range []int{100, 1024} {
			name := fmt.Sprintf("partitions=%d/record=%s", partitions, sizeName(size))
			b.Run(name, func(b *testing.B) {
				forEachImpl(b, func(b *testing.B, im impl) { benchProduce(b, im, partitions, size) })
			})
		}
	}
}

func benchProduce(b *testing.B, im impl, partitions int32, size int) {
	const topic = "bench"
	addrs := mustStart(b, im, topic, partitions)
	produceLoop(b, addrs, topic, partitions, size)
}

// produceLoop produces b.N records of size bytes round robin over the
// partitions with one kgo producer, asynchronously, and flushes; one op is
// one record. A warm-up record per partition goes first, outside the
// timer, so that metadata is loaded and the connection open.
func produceLoop(b *testing.B, addrs []string, topic string, partitions int32, size int) {
	ctx := benchCtx(b)
	cl, err := kgo.NewClient(producerOpts(addrs, topic)...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	value := recordValue(size)
	for p := range partitions {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: value, Partition: p}).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	var errs firstErr
	done := func(_ *kgo.Record, err error) { errs.set(err) }
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU(b)
	for i := range b.N {
		cl.Produce(ctx, &kgo.Record{Value: value, Partition: int32(i) % partitions}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu.stop()
	if err := errs.get(); err != nil {
		b.Fatal(err)
	}
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dKiB", n/1024)
	}
	return fmt.Sprintf("%dB", n)
}
