// Package gregor is an embeddable, Kafka-compatible broker cluster for Go
// tests and for learning how Kafka works.
//
// A test starts a cluster in one line and points any Kafka client at it:
//
//	c := gregor.Start(t)                       // one broker, in memory
//	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
//
// The brokers speak the real Kafka wire protocol on loopback, so
// unmodified clients (franz-go, Sarama, kafka-go, librdkafka/kcat, the
// Java client) work against them. Options, named after Kafka's settings,
// live in package broker: broker.Brokers(3), broker.Config("num.partitions",
// "6"), broker.Topic("orders", 6, 3, nil), broker.DataDir(dir),
// broker.Clock(clock.NewManual(...)), broker.InMemoryNetwork().
//
// Reading path, one concept per package:
//
//	record     the record batch format (what producers send and disks keep)
//	segment    a partition's log: segments, indexes, rolling, recovery
//	partition  one replica: high watermark, leader epoch, appends and reads
//	config     broker and topic configs, defaults and fallbacks
//	broker     the cluster: connections, one file per Kafka API, the controller
//	group      consumer groups: rebalances (classic and KIP-848), committed offsets
//	clock      time, real or manual, for every timeout Kafka has
package gregor

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

// New starts a cluster; see broker.New.
func New(opts ...broker.Option) (*broker.Cluster, error) { return broker.New(opts...) }

// Start starts a cluster for a test and closes it when the test ends. It
// fails the test if the cluster cannot start.
//
// One default differs from Kafka's: group.initial.rebalance.delay.ms is 0
// (Kafka: 3000), as in Kafka's own test configurations, so that a new
// consumer group forms as soon as its first member joins instead of three
// seconds later. A caller that sets the config (broker.Config or
// broker.Configs) gets its own value. New keeps every Kafka default.
func Start(tb testing.TB, opts ...broker.Option) *broker.Cluster {
	tb.Helper()
	opts = append([]broker.Option{broker.Config("group.initial.rebalance.delay.ms", "0")}, opts...)
	c, err := broker.New(opts...)
	if err != nil {
		tb.Fatalf("starting gregor cluster: %v", err)
	}
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("closing gregor cluster: %v", err)
		}
	})
	return c
}

// Restart restarts a whole cluster that Start (or New) started with a
// broker.DataDir, within one test: it closes c and starts a new cluster on
// the same data directory with the same options, Start's test defaults
// included, on the same addresses (see broker.Cluster.Restart), and closes
// the new one when the test ends. Clients made for c reconnect by
// themselves. It fails the test if c has no data directory or the new
// cluster cannot start.
//
//	dir := t.TempDir()
//	c := gregor.Start(t, broker.DataDir(dir), broker.Brokers(3))
//	// ... produce, commit ...
//	c = gregor.Restart(t, c) // everything is read back from dir
func Restart(tb testing.TB, c *broker.Cluster) *broker.Cluster {
	tb.Helper()
	next, err := c.Restart()
	if err != nil {
		tb.Fatalf("restarting gregor cluster: %v", err)
	}
	tb.Cleanup(func() {
		if err := next.Close(); err != nil {
			tb.Errorf("closing gregor cluster: %v", err)
		}
	})
	return next
}
