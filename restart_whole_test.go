package gregor_test

// Restarting a whole cluster from its data directory within one test.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Records, committed offsets and leader epochs survive a restart of every
// broker; clients made before it carry on, and Start's test defaults hold
// in the new cluster.
func TestRestartWholeClusterFromDataDir(t *testing.T) {
	for _, inMemoryNetwork := range []bool{false, true} {
		name := "tcp"
		opts := []broker.Option{broker.Brokers(3), broker.DataDir(t.TempDir()), broker.Topic("orders", 2, 3, nil)}
		if inMemoryNetwork {
			name = "in-memory network"
			opts = append(opts, broker.InMemoryNetwork())
		}
		t.Run(name, func(t *testing.T) { checkRestart(t, opts) })
	}
}

func checkRestart(t *testing.T, opts []broker.Option) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := gregor.Start(t, opts...)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.DefaultProduceTopic("orders"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, v := range []string{"a", "b", "c"} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Partition: 1, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	adm := kadm.NewClient(cl)
	if _, err := adm.CommitOffsets(ctx, "g", kadm.Offsets{"orders": {1: {Topic: "orders", Partition: 1, At: 2, LeaderEpoch: -1}}}); err != nil {
		t.Fatal(err)
	}
	before, err := c.Partition("orders", 1)
	if err != nil {
		t.Fatal(err)
	}
	addrs := c.Addrs()

	c = gregor.Restart(t, c)

	if !slices.Equal(c.Addrs(), addrs) {
		t.Fatalf("restarted brokers listen on %v, not %v", c.Addrs(), addrs)
	}
	if v, err := c.Config("group.initial.rebalance.delay.ms"); err != nil || v != "0" {
		t.Fatalf("group.initial.rebalance.delay.ms = %q, %v after the restart; want Start's 0", v, err)
	}
	after, err := c.WaitForLeader(ctx, "orders", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.LeaderEpoch < before.LeaderEpoch {
		t.Fatalf("leader epoch went back from %d to %d", before.LeaderEpoch, after.LeaderEpoch)
	}
	if err := c.WaitForReplication(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int32{1, 2, 3} {
		recs, err := c.Records("orders", 1, id, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || string(recs[2].Value) != "c" {
			t.Fatalf("broker %d holds %d records after the restart, want a, b, c", id, len(recs))
		}
	}
	// The client made for the old cluster reaches the new one.
	offsets, err := adm.FetchOffsets(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offsets.Lookup("orders", 1); !ok || o.At != 2 {
		t.Fatalf("committed offset after the restart: %+v, want 2", o)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Partition: 1, Value: []byte("d")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartNeedsADataDir(t *testing.T) {
	c := gregor.Start(t)
	if _, err := c.Restart(); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Fatalf("Restart of an in-memory cluster: %v, want a refusal", err)
	}
}
