package broker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Lose the acknowledgement of a produce that took effect, and see the
// idempotent producer (KIP-98) retry it without writing the record
// twice: the broker recognises the retry by its producer id, epoch and
// sequence number.
func ExampleCluster_InjectFault() {
	c, err := broker.New(broker.Topic("orders", 1, 1, nil))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	remove := c.InjectFault(broker.Fault{API: kmsg.Produce, Topic: "orders", DropResponse: true, Times: 1})
	defer remove()

	// franz-go producers are idempotent unless told otherwise. A short
	// request timeout makes the client give up on the lost answer soon.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("orders"),
		kgo.ProduceRequestTimeout(250*time.Millisecond), kgo.RequestTimeoutOverhead(250*time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("order-1")}).FirstErr(); err != nil {
		panic(err)
	}

	produces := c.Requests(func(r broker.RequestRecord) bool { return r.API == kmsg.Produce })
	fmt.Printf("first produce: %s\n", produces[0].Fault)
	recs, err := c.Records("orders", 0, 1, 0, 10)
	if err != nil {
		panic(err)
	}
	for _, r := range recs {
		fmt.Printf("offset %d: %s\n", r.Offset, r.Value)
	}
	// Output:
	// first produce: drop response
	// offset 0: order-1
}

// Wait for a client's offset commit to reach the broker, then look at
// what the client asked on its way there: the group's coordinator.
func ExampleCluster_WaitForRequest() {
	c, err := broker.New(broker.Topic("orders", 1, 1, nil))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ClientID("billing"))
	if err != nil {
		panic(err)
	}
	defer cl.Close()

	// A commit outside any generation, as tools that reset a group's
	// offsets make; the commit's answer is awaited in the background.
	go func() {
		offsets := kadm.Offsets{}
		offsets.Add(kadm.Offset{Topic: "orders", Partition: 0, At: 5, LeaderEpoch: -1})
		_, _ = kadm.NewClient(cl).CommitOffsets(ctx, "billing", offsets)
	}()
	commit, err := c.WaitForRequest(ctx, func(r broker.RequestRecord) bool {
		return r.ClientID == "billing" && r.API == kmsg.OffsetCommit
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(commit.API.Name(), "errors:", len(commit.ErrorCodes))
	found := c.Requests(func(r broker.RequestRecord) bool {
		return r.ClientID == "billing" && r.API == kmsg.FindCoordinator && r.Seq < commit.Seq
	})
	fmt.Println("found its coordinator first:", len(found) > 0)
	// Output:
	// OffsetCommit errors: 0
	// found its coordinator first: true
}
