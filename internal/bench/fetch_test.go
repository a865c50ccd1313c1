package bench

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fetchRecords is how many records the fetch benchmark pre-fills and
// consumes per op.
const fetchRecords = 20000

// BenchmarkFetch is consume throughput: a topic is pre-filled with
// fetchRecords records (outside the timer), then each op consumes all of
// them from offset 0 with a new kgo client.
func BenchmarkFetch(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		for _, size := range []int{100, 1024} {
			name := fmt.Sprintf("partitions=%d/record=%s", partitions, sizeName(size))
			b.Run(name, func(b *testing.B) {
				forEachImpl(b, func(b *testing.B, im impl) { benchFetch(b, im, partitions, size) })
			})
		}
	}
}

func benchFetch(b *testing.B, im impl, partitions int32, size int) {
	const topic = "bench"
	ctx := benchCtx(b)
	addrs := mustStart(b, im, topic, partitions)
	prod, err := kgo.NewClient(producerOpts(addrs, topic)...)
	if err != nil {
		b.Fatal(err)
	}
	value := recordValue(size)
	var errs firstErr
	done := func(_ *kgo.Record, err error) { errs.set(err) }
	for i := range fetchRecords {
		prod.Produce(ctx, &kgo.Record{Value: value, Partition: int32(i) % partitions}, done)
	}
	err = prod.Flush(ctx)
	prod.Close()
	if err == nil {
		err = errs.get()
	}
	if err != nil {
		b.Fatalf("pre-filling: %v", err)
	}

	start := map[int32]kgo.Offset{}
	for p := range partitions {
		start[p] = kgo.NewOffset().At(0)
	}
	b.SetBytes(int64(size) * fetchRecords)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU(b)
	for range b.N {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}))
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < fetchRecords; {
			fs := cl.PollFetches(ctx)
			if err := fs.Err0(); err != nil {
				b.Fatal(err)
			}
			n += fs.NumRecords()
		}
		cl.Close()
	}
	b.StopTimer()
	cpu.stop()
}
