package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Replication benchmarks: three brokers, a topic with replication factor
// 3, acks=all. In gregor every record is copied by two followers before
// the leader acknowledges it (the high watermark must pass it); kfake
// keeps one copy and acknowledges at once, so the difference is the cost
// of real replication.

func startReplicated(im string, topic string, partitions int32) ([]string, func(), error) {
	return startCluster(im, topic, partitions, 3)
}

// startCluster starts three brokers with a topic of the given replication
// factor (kfake ignores it: it keeps one copy).
func startCluster(im string, topic string, partitions int32, rf int16) ([]string, func(), error) {
	if im == "impl=kfake" {
		c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(partitions, topic))
		if err != nil {
			return nil, nil, err
		}
		return c.ListenAddrs(), c.Close, nil
	}
	c, err := broker.New(broker.Brokers(3), broker.Topic(topic, partitions, rf, nil))
	if err != nil {
		return nil, nil, err
	}
	return c.Addrs(), func() { c.Close() }, nil
}

// BenchmarkProduceReplicated is produce throughput with acks=all on a
// topic with replication factor 1 and 3 over 3 brokers: b.N 1 KiB records
// round robin over 6 partitions, produced asynchronously and flushed. The
// rf=1 case is the same cluster and client without the copies, so the
// ratio of the two is the cost of replication.
func BenchmarkProduceReplicated(b *testing.B) {
	for _, rf := range []int16{1, 3} {
		for _, im := range impls {
			if rf == 1 && im.name == "impl=kfake" {
				continue // kfake keeps one copy whatever the factor
			}
			b.Run(fmt.Sprintf("rf=%d/partitions=6/record=1KiB/%s", rf, im.name), func(b *testing.B) {
				const topic, partitions = "bench", 6
				addrs, stop, err := startCluster(im.name, topic, partitions, rf)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(stop)
				produceLoop(b, addrs, topic, partitions, 1024)
			})
		}
	}
}

// BenchmarkEndToEndLatency is the time from a producer's send to a
// consumer's receipt of the same record, one record in flight at a time,
// with acks=all on a topic with replication factor 3. A consumer only sees
// a record once the high watermark has passed it, so in gregor the
// latency includes both followers' copies. It reports the median and the
// 99th percentile (p50-ns, p99-ns).
func BenchmarkEndToEndLatency(b *testing.B) {
	for _, im := range impls {
		b.Run("rf=3/record=100B/"+im.name, func(b *testing.B) {
			const topic = "latency"
			ctx := benchCtx(b)
			addrs, stop, err := startReplicated(im.name, topic, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(stop)
			prod, err := kgo.NewClient(producerOpts(addrs, topic)...)
			if err != nil {
				b.Fatal(err)
			}
			defer prod.Close()
			cons, err := kgo.NewClient(kgo.SeedBrokers(addrs...),
				kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
				kgo.FetchMaxWait(time.Second))
			if err != nil {
				b.Fatal(err)
			}
			defer cons.Close()
			value := recordValue(100)
			roundTrip := func() time.Duration {
				start := time.Now()
				prod.Produce(ctx, &kgo.Record{Value: value}, nil)
				for {
					fs := cons.PollFetches(ctx)
					if err := fs.Err(); err != nil {
						b.Fatal(err)
					}
					if fs.NumRecords() > 0 {
						return time.Since(start)
					}
				}
			}
			roundTrip() // warm up: connections, metadata, the first fetch
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				lat = append(lat, roundTrip())
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
		})
	}
}
