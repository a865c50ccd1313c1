package broker_test

import (
	"context"
	"fmt"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Place a partition's replicas by hand, move its leadership to a chosen
// replica, and read what each replica holds.
func ExampleCluster_ElectLeader() {
	c, err := broker.New(broker.Brokers(3), broker.TopicAssignment("orders", [][]int32{{1, 2, 3}}, nil))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		panic(err)
	}
	defer cl.Close()

	if err := c.ElectLeader("orders", 0, 3); err != nil {
		panic(err)
	}
	p, err := c.WaitForLeader(ctx, "orders", 0, func(p broker.PartitionInfo) bool { return p.Leader == 3 })
	if err != nil {
		panic(err)
	}
	fmt.Println("leader", p.Leader, "epoch", p.LeaderEpoch)

	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("hello")}).FirstErr(); err != nil {
		panic(err)
	}
	if err := c.WaitForReplication(ctx); err != nil {
		panic(err)
	}
	for _, id := range []int32{1, 2, 3} {
		recs, err := c.Records("orders", 0, id, 0, 10)
		if err != nil {
			panic(err)
		}
		fmt.Printf("broker %d: %q at offset %d, leader epoch %d\n", id, recs[0].Value, recs[0].Offset, recs[0].Batch.PartitionLeaderEpoch)
	}
	// Output:
	// leader 3 epoch 1
	// broker 1: "hello" at offset 0, leader epoch 1
	// broker 2: "hello" at offset 0, leader epoch 1
	// broker 3: "hello" at offset 0, leader epoch 1
}
