package bench

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// txnRecords is how many records each transaction of the transactional
// benchmarks holds.
const txnRecords = 100

// BenchmarkTxnProduce is transactional produce throughput: each op is
// one transaction of txnRecords records spread over the topic's
// partitions, committed (BeginTransaction, produce, flush,
// EndTransaction). The brokers negotiate the protocol with kgo as they
// would with any client: gregor serves transaction version 2 (KIP-890
// part 2), so kgo sends no AddPartitionsToTxn and every commit bumps the
// epoch.
func BenchmarkTxnProduce(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		for _, size := range []int{100, 1024} {
			name := fmt.Sprintf("partitions=%d/record=%s", partitions, sizeName(size))
			b.Run(name, func(b *testing.B) {
				forEachImpl(b, func(b *testing.B, im impl) { benchTxnProduce(b, im, partitions, size) })
			})
		}
	}
}

func txnProducer(b *testing.B, addrs []string, topic, id string) *kgo.Client {
	b.Helper()
	// producerOpts' settings, but idempotent: transactions need it.
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addrs...),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.TransactionalID(id),
	)
	if err != nil {
		b.Fatal(err)
	}
	return cl
}

// commitTxn writes one committed transaction of txnRecords values.
func commitTxn(b *testing.B, cl *kgo.Client, value []byte, partitions int32, commit bool) {
	ctx := benchCtx(b)
	if err := cl.BeginTransaction(); err != nil {
		b.Fatal(err)
	}
	var errs firstErr
	done := func(_ *kgo.Record, err error) { errs.set(err) }
	for i := range txnRecords {
		cl.Produce(ctx, &kgo.Record{Value: value, Partition: int32(i) % partitions}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err := errs.get(); err != nil {
		b.Fatalf("producing: %v", err)
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		b.Fatalf("ending the transaction: %v", err)
	}
}

func benchTxnProduce(b *testing.B, im impl, partitions int32, size int) {
	const topic = "bench"
	addrs := mustStart(b, im, topic, partitions)
	cl := txnProducer(b, addrs, topic, "bench-txn")
	defer cl.Close()
	value := recordValue(size)
	commitTxn(b, cl, value, partitions, true) // InitProducerId and the coordinator's first load
	b.SetBytes(int64(size) * txnRecords)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU(b)
	for range b.N {
		commitTxn(b, cl, value, partitions, true)
	}
	b.StopTimer()
	cpu.stop()
}

// txnFetchTransactions is how many transactions the read_committed
// benchmark pre-fills: every fifth is aborted, so a read_committed
// consumer skips a fifth of what it fetches.
const txnFetchTransactions = 200

// BenchmarkFetchReadCommitted is read_committed consume throughput: a
// topic is pre-filled (outside the timer) with txnFetchTransactions
// transactions of txnRecords records, every fifth aborted, then each op
// consumes every committed record from offset 0 with a new kgo client at
// read_committed, which drops the aborted ones by the aborted
// transactions the brokers return.
func BenchmarkFetchReadCommitted(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		name := fmt.Sprintf("partitions=%d/record=%s", partitions, sizeName(100))
		b.Run(name, func(b *testing.B) {
			forEachImpl(b, func(b *testing.B, im impl) { benchFetchReadCommitted(b, im, partitions, 100) })
		})
	}
}

func benchFetchReadCommitted(b *testing.B, im impl, partitions int32, size int) {
	const topic = "bench"
	ctx := benchCtx(b)
	addrs := mustStart(b, im, topic, partitions)
	prod := txnProducer(b, addrs, topic, "bench-fill")
	value := recordValue(size)
	committed := 0
	for i := range txnFetchTransactions {
		commit := i%5 != 4
		commitTxn(b, prod, value, partitions, commit)
		if commit {
			committed += txnRecords
		}
	}
	prod.Close()

	start := map[int32]kgo.Offset{}
	for p := range partitions {
		start[p] = kgo.NewOffset().At(0)
	}
	b.SetBytes(int64(size) * int64(committed))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU(b)
	for range b.N {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}))
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < committed; {
			fs := cl.PollFetches(ctx)
			if err := fs.Err0(); err != nil {
				b.Fatal(err)
			}
			n += fs.NumRecords()
			if n > committed {
				b.Fatalf("read_committed consumed %d records, more than the %d committed", n, committed)
			}
		}
		cl.Close()
	}
	b.StopTimer()
	cpu.stop()
}
