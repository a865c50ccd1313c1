package broker_test

// Consumer group benchmarks, gregor beside franz-go's kfake, with the same
// kgo clients on both sides:
//
//	go test ./broker -run '^$' -bench 'GroupSettle|OffsetCommit' -count 6 | tee groups.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl groups.txt
//
//   - BenchmarkGroupSettle: a group of one consumer that owns all 64
//     partitions of a topic is joined by 31 more at once; one op lasts
//     until every consumer owns its two partitions (kgo's default
//     cooperative-sticky balancer, heartbeats every 50 ms). It measures
//     how fast the coordinator moves a group through its rebalances.
//   - BenchmarkOffsetCommit: synchronous OffsetCommit requests for a
//     group without members (generation -1), of 1 or 64 partitions each;
//     one op is one request, acknowledged once stored.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// groupImpl starts a one-broker cluster with a topic of n partitions.
type groupImpl struct {
	name  string
	start func(topic string, partitions int32) (addrs []string, stop func(), err error)
}

var groupImpls = []groupImpl{
	{"impl=gregor", func(topic string, partitions int32) ([]string, func(), error) {
		c, err := broker.New(broker.Topic(topic, partitions, 1, nil), broker.Config("group.initial.rebalance.delay.ms", "0"))
		if err != nil {
			return nil, nil, err
		}
		return c.Addrs(), func() { c.Close() }, nil
	}},
	{"impl=kfake", func(topic string, partitions int32) ([]string, func(), error) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
		if err != nil {
			return nil, nil, err
		}
		return c.ListenAddrs(), c.Close, nil
	}},
}

// ownership counts, across consumers, who owns what.
type ownership struct {
	mu      sync.Mutex
	owned   map[int]map[int32]bool // consumer -> partitions
	changed chan struct{}
}

func (o *ownership) set(i int, f func(map[int32]bool)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.owned[i] == nil {
		o.owned[i] = map[int32]bool{}
	}
	f(o.owned[i])
	close(o.changed)
	o.changed = make(chan struct{})
}

// wait blocks until consumers 0..n-1 own per partitions each, all
// distinct.
func (o *ownership) wait(ctx context.Context, n, per int) error {
	for {
		o.mu.Lock()
		ok := true
		seen := map[int32]bool{}
		for i := 0; i < n && ok; i++ {
			if len(o.owned[i]) != per {
				ok = false
			}
			for p := range o.owned[i] {
				if seen[p] {
					ok = false
				}
				seen[p] = true
			}
		}
		ch := o.changed
		o.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func BenchmarkGroupSettle(b *testing.B) {
	const members, partitions = 32, 64
	for _, im := range groupImpls {
		b.Run(im.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				addrs, stop, err := im.start("settle", partitions)
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				own := &ownership{owned: map[int]map[int32]bool{}, changed: make(chan struct{})}
				group := fmt.Sprintf("settle-%d", i)
				var clients []*kgo.Client
				consumer := func(idx int) {
					cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumerGroup(group), kgo.ConsumeTopics("settle"),
						kgo.HeartbeatInterval(50*time.Millisecond),
						kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
							own.set(idx, func(s map[int32]bool) {
								for _, p := range m["settle"] {
									s[p] = true
								}
							})
						}),
						kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
							own.set(idx, func(s map[int32]bool) {
								for _, p := range m["settle"] {
									delete(s, p)
								}
							})
						}))
					if err != nil {
						b.Fatal(err)
					}
					clients = append(clients, cl)
				}
				consumer(0)
				if err := own.wait(ctx, 1, partitions); err != nil {
					b.Fatalf("the first consumer never owned everything: %v", err)
				}
				b.StartTimer()
				for j := 1; j < members; j++ {
					consumer(j)
				}
				if err := own.wait(ctx, members, partitions/members); err != nil {
					b.Fatalf("the group never settled: %v", err)
				}
				b.StopTimer()
				var wg sync.WaitGroup
				for _, cl := range clients {
					wg.Add(1)
					go func() { defer wg.Done(); cl.Close() }()
				}
				wg.Wait()
				cancel()
				stop()
			}
		})
	}
}

func BenchmarkOffsetCommit(b *testing.B) {
	for _, parts := range []int32{1, 64} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			for _, im := range groupImpls {
				b.Run(im.name, func(b *testing.B) {
					addrs, stop, err := im.start("commits", 64)
					if err != nil {
						b.Fatal(err)
					}
					defer stop()
					// Both speak Kafka 4.0's versions: OffsetCommit v9, by
					// topic name (kfake also has v10, by topic id).
					cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.MaxVersions(kversion.V4_0_0()))
					if err != nil {
						b.Fatal(err)
					}
					defer cl.Close()
					ctx := context.Background()
					req := kmsg.NewPtrOffsetCommitRequest()
					req.Group, req.Generation = "committer", -1
					rt := kmsg.NewOffsetCommitRequestTopic()
					rt.Topic = "commits"
					for p := int32(0); p < parts; p++ {
						rp := kmsg.NewOffsetCommitRequestTopicPartition()
						rp.Partition = p
						rt.Partitions = append(rt.Partitions, rp)
					}
					req.Topics = []kmsg.OffsetCommitRequestTopic{rt}
					commit := func(off int64) {
						for i := range req.Topics[0].Partitions {
							req.Topics[0].Partitions[i].Offset = off
						}
						resp, err := req.RequestWith(ctx, cl)
						if err != nil {
							b.Fatal(err)
						}
						for _, p := range resp.Topics[0].Partitions {
							if p.ErrorCode != 0 {
								b.Fatalf("commit: error %d", p.ErrorCode)
							}
						}
					}
					commit(0) // find the coordinator, create the group
					b.ResetTimer()
					start := time.Now()
					for i := 0; i < b.N; i++ {
						commit(int64(i + 1))
					}
					b.ReportMetric(float64(b.N)*float64(parts)/time.Since(start).Seconds(), "offsets/s")
				})
			}
		})
	}
}
