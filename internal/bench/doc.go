// Package bench measures gregor against franz-go's kfake, side by side in
// one run, with the same franz-go (kgo) client settings on both sides.
//
// The package holds only benchmarks (in its _test.go files), so kfake is a
// test dependency and nothing here runs in a plain `go test ./...`: every
// benchmark needs -bench. Each benchmark has one sub-benchmark per broker,
// named impl=gregor and impl=kfake, so benchstat can put them in columns:
//
//	go test ./internal/bench -run='^$' -bench=. -benchmem -count=6 -timeout=30m | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl bench.txt
//
// What is measured:
//
//   - BenchmarkStartToMetadata: start a one-broker cluster, connect a kgo
//     client, get a successful Metadata response, close both. This is
//     the fixed cost a test pays for using a broker.
//   - BenchmarkProduce: produce throughput to 1 and 6 partitions with
//     100 B and 1 KiB records (acks=all, idempotence off, no compression,
//     records spread over the partitions round robin). One op is one
//     record; MB/s counts record values.
//   - BenchmarkFetch: consume a pre-filled topic of fetchRecords records
//     from the start with a new kgo client. One op is the whole topic;
//     MB/s counts record values.
//   - BenchmarkProduceRaw: the broker's side of produce alone, one
//     pre-encoded request (a 64 KiB batch per partition) at a time on a
//     raw connection, no client library.
//   - BenchmarkProduceReplicated: produce throughput on three brokers
//     with replication factor 1 and 3 (acks=all); the ratio is the cost
//     of replication.
//   - BenchmarkEndToEndLatency: produce to consume, one record at a time,
//     replication factor 3.
//   - BenchmarkRetainedHeap: the live heap of a broker holding 1M records
//     of 100 B, per byte of batches and per byte of values.
//   - BenchmarkScalePartitions: create, Metadata, produce to every
//     partition and fetch every partition of a topic with 1,000, 5,000
//     and 10,000 partitions.
//   - BenchmarkScaleConnections: 100, 500 and 1,000 clients producing and
//     fetching at once.
//
// Each also reports cpu-ns/op, the CPU time of the whole process (brokers
// and clients) per op, which on a shared machine varies less than wall
// time.
//
// docs/benchmarks.md has the results and how to read them.
package bench
