package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Scale benchmarks: how the cost of the basic operations grows with the
// number of partitions of a topic and with the number of clients. Each
// reports, beside sec/op and cpu-ns/op, the cost per partition
// (ns/partition, cpu-ns/partition) or per connection (ns/conn,
// cpu-ns/conn); a cost that grows linearly keeps those figures flat from
// one size to the next.

var scalePartitions = []int32{1000, 5000, 10000}

// BenchmarkScalePartitions times four operations on a topic of 1,000,
// 5,000 and 10,000 partitions on one broker:
//
//   - op=create: a CreateTopics request creating the topic;
//   - op=metadata: a Metadata request for the topic;
//   - op=produce: one 100 B record to every partition, round robin,
//     through one kgo producer, flushed;
//   - op=fetch: a new kgo consumer reads that one record of every
//     partition from offset 0.
func BenchmarkScalePartitions(b *testing.B) {
	for _, n := range scalePartitions {
		for _, op := range []struct {
			name string
			fn   func(b *testing.B, addrs []string, n int32) (cpuPerOp float64)
		}{
			{"create", benchCreate},
			{"metadata", benchMetadataOf},
			{"produce", benchProduceEach},
			{"fetch", benchFetchEach},
		} {
			b.Run(fmt.Sprintf("partitions=%d/op=%s", n, op.name), func(b *testing.B) {
				forEachImpl(b, func(b *testing.B, im impl) {
					topic := "scale"
					if op.name == "create" {
						topic = "" // the benchmark creates it
					}
					addrs := mustStart(b, im, topic, n)
					cpu := op.fn(b, addrs, n)
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/partition")
					b.ReportMetric(cpu/float64(n), "cpu-ns/partition")
				})
			})
		}
	}
}

// benchCreate creates topic scale-<i> with n partitions per op, and
// deletes it with the timer stopped; the CPU time of the deletes is left
// out too.
func benchCreate(b *testing.B, addrs []string, n int32) float64 {
	ctx := benchCtx(b)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	var cpu int64
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("scale-%d", i)
		req := kmsg.NewPtrCreateTopicsRequest()
		req.TimeoutMillis = 60_000
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = name, n, 1
		req.Topics = append(req.Topics, t)
		start := processCPU()
		resp, err := req.RequestWith(ctx, cl)
		cpu += processCPU() - start
		if err == nil {
			err = kerr.ErrorForCode(resp.Topics[0].ErrorCode)
		}
		if err != nil {
			b.Fatalf("creating %s: %v", name, err)
		}
		b.StopTimer()
		del := kmsg.NewPtrDeleteTopicsRequest()
		del.TimeoutMillis = 60_000
		dt := kmsg.NewDeleteTopicsRequestTopic()
		dt.Topic = kmsg.StringPtr(name)
		del.Topics = append(del.Topics, dt)
		del.TopicNames = append(del.TopicNames, name)
		if _, err := del.RequestWith(ctx, cl); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	perOp := float64(cpu) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	return perOp
}

// benchMetadataOf sends a Metadata request for the topic per op.
func benchMetadataOf(b *testing.B, addrs []string, n int32) float64 {
	ctx := benchCtx(b)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		req := kmsg.NewPtrMetadataRequest()
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr("scale")
		req.Topics = append(req.Topics, t)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(resp.Topics[0].Partitions); got != int(n) {
			b.Fatalf("metadata lists %d partitions, want %d", got, n)
		}
	}
	return cpu.stop()
}

// benchProduceEach produces one 100 B record to every partition per op.
func benchProduceEach(b *testing.B, addrs []string, n int32) float64 {
	ctx := benchCtx(b)
	cl, err := kgo.NewClient(producerOpts(addrs, "scale")...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	value := recordValue(100)
	var errs firstErr
	done := func(_ *kgo.Record, err error) { errs.set(err) }
	produceEach := func() {
		for p := range n {
			cl.Produce(ctx, &kgo.Record{Value: value, Partition: p}, done)
		}
		if err := cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		if err := errs.get(); err != nil {
			b.Fatal(err)
		}
	}
	produceEach() // warm up: metadata and the connection
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		produceEach()
	}
	return cpu.stop()
}

// benchFetchEach pre-fills one record per partition and consumes them all
// with a new kgo client per op.
func benchFetchEach(b *testing.B, addrs []string, n int32) float64 {
	ctx := benchCtx(b)
	prod, err := kgo.NewClient(producerOpts(addrs, "scale")...)
	if err != nil {
		b.Fatal(err)
	}
	value := recordValue(100)
	var errs firstErr
	done := func(_ *kgo.Record, err error) { errs.set(err) }
	for p := range n {
		prod.Produce(ctx, &kgo.Record{Value: value, Partition: p}, done)
	}
	err = prod.Flush(ctx)
	prod.Close()
	if err == nil {
		err = errs.get()
	}
	if err != nil {
		b.Fatalf("pre-filling: %v", err)
	}
	start := make(map[int32]kgo.Offset, n)
	for p := range n {
		start[p] = kgo.NewOffset().At(0)
	}
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"scale": start}))
		if err != nil {
			b.Fatal(err)
		}
		for got := 0; got < int(n); {
			fs := cl.PollFetches(ctx)
			if err := fs.Err0(); err != nil {
				b.Fatal(err)
			}
			got += fs.NumRecords()
		}
		cl.Close()
	}
	return cpu.stop()
}

var scaleConnections = []int{100, 500, 1000}

// BenchmarkScaleConnections has 100, 500 and 1,000 kgo clients, each with
// its own connections, on one broker with a 6-partition topic. One op is
// a round in which every client at once produces one 100 B record
// (acks=all, no linger) and then fetches it back with a Fetch request of
// its own.
func BenchmarkScaleConnections(b *testing.B) {
	for _, n := range scaleConnections {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			forEachImpl(b, func(b *testing.B, im impl) { benchConnections(b, im, n) })
		})
	}
}

func benchConnections(b *testing.B, im impl, n int) {
	const topic, partitions = "conns", 6
	ctx := benchCtx(b)
	addrs := mustStart(b, im, topic, partitions)
	clients := make([]*kgo.Client, n)
	for i := range clients {
		// No linger: a client with one record sends it at once, so a
		// round is not padded by kgo's wait for more records.
		cl, err := kgo.NewClient(append(producerOpts(addrs, topic), kgo.ProducerLinger(0))...)
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		clients[i] = cl
	}
	value := recordValue(100)
	var topicID [16]byte
	round := func() {
		var wg sync.WaitGroup
		var errs firstErr
		for i, cl := range clients {
			wg.Go(func() {
				r := &kgo.Record{Value: value, Partition: int32(i % partitions)}
				if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
					errs.set(err)
					return
				}
				errs.set(fetchOne(ctx, cl, topic, topicID, r))
			})
		}
		wg.Wait()
		if err := errs.get(); err != nil {
			b.Fatal(err)
		}
	}
	meta, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, clients[0])
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range meta.Topics {
		if t.Topic != nil && *t.Topic == topic {
			topicID = t.TopicID
		}
	}
	round() // warm up: every client's metadata and connections
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		round()
	}
	perOp := cpu.stop()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/conn")
	b.ReportMetric(perOp/float64(n), "cpu-ns/conn")
}

// fetchOne fetches the record r was produced as, with a Fetch request
// for its partition from its offset, and checks that it came back.
func fetchOne(ctx context.Context, cl *kgo.Client, topic string, topicID [16]byte, r *kgo.Record) error {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxBytes = 1 << 20
	req.MinBytes = 1
	req.MaxWaitMillis = 500
	t := kmsg.NewFetchRequestTopic()
	t.Topic, t.TopicID = topic, topicID
	p := kmsg.NewFetchRequestTopicPartition()
	p.Partition, p.FetchOffset, p.PartitionMaxBytes = r.Partition, r.Offset, 1<<20
	p.CurrentLeaderEpoch, p.LogStartOffset = -1, -1
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return fmt.Errorf("fetch answered %d topics", len(resp.Topics))
	}
	rp := resp.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
		return fmt.Errorf("fetching %s-%d at %d: %w", topic, r.Partition, r.Offset, err)
	}
	if len(rp.RecordBatches) == 0 {
		return fmt.Errorf("fetching %s-%d at %d: no records (high watermark %d)", topic, r.Partition, r.Offset, rp.HighWatermark)
	}
	return nil
}
