package broker_test

import (
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/group"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The coordinator moves: __consumer_offsets is replicated on three
// brokers, the broker that coordinates a group stops, another replica
// becomes the partition's leader and loads the group from its copy of the
// log. The committed offsets are there, the stable group is there with its
// generation and members, and its consumer carries on with the new
// coordinator without a rebalance.
func TestCoordinatorMovesToAnotherBroker(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("orders", 6, 3, nil),
		broker.Config("offsets.topic.replication.factor", "3"))
	ctx := groupTestContext(t)
	produceGroupRecords(t, c, "orders", 12)

	cons := groupClient(t, c, kgo.ClientID("survivor"), kgo.ConsumerGroup("moving"), kgo.ConsumeTopics("orders"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.HeartbeatInterval(50*time.Millisecond),
		kgo.DisableAutoCommit())
	got := 0
	for got < 12 {
		fs := cons.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		got += fs.NumRecords()
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := c.WaitForStable(ctx, "moving", 1)
	if err != nil {
		t.Fatal(err)
	}
	if before.TotalLag() != 0 {
		t.Fatalf("lag before the move: %+v", before.Lag)
	}

	if err := c.StopBroker(before.Coordinator); err != nil {
		t.Fatal(err)
	}
	after, err := c.WaitForGroup(ctx, "moving", func(d broker.GroupDescription) bool { return d.Coordinator != before.Coordinator })
	if err != nil {
		t.Fatal(err)
	}
	if after.State != "Stable" || after.Generation != before.Generation || len(after.Members) != 1 {
		t.Fatalf("after the move: %s generation %d with %d members; before: generation %d\n%s",
			after.State, after.Generation, len(after.Members), before.Generation, eventsOf(c, "moving"))
	}
	for _, l := range after.Lag {
		if l.CommittedOffset != l.LogEndOffset {
			t.Fatalf("offset lost in the move: %+v", l)
		}
	}
	// The consumer keeps working with the new coordinator: it commits
	// more, and the group never rebalanced.
	produceGroupRecords(t, c, "orders", 6)
	for got < 18 {
		got += cons.PollFetches(ctx).NumRecords()
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit to the new coordinator: %v", err)
	}
	final, err := c.WaitForGroup(ctx, "moving", func(d broker.GroupDescription) bool { return d.TotalLag() == 0 })
	if err != nil {
		t.Fatal(err)
	}
	if final.Generation != before.Generation {
		t.Fatalf("the group rebalanced: generation %d, was %d\n%s", final.Generation, before.Generation, eventsOf(c, "moving"))
	}
	loaded := false
	for _, e := range c.GroupEvents("moving") {
		if e.Type == group.EventGroupLoaded && e.Coordinator == after.Coordinator {
			loaded = true
		}
	}
	if !loaded {
		t.Fatalf("no GroupLoaded event on the new coordinator\n%s", eventsOf(c, "moving"))
	}
	t.Logf("the group's story:\n%s", eventsOf(c, "moving"))
}

// A stable classic group and its offsets survive a restart of the whole
// cluster from its data directory: the group comes back Stable at the
// same generation, with its members and assignments.
func TestGroupSurvivesClusterRestart(t *testing.T) {
	dir := t.TempDir()
	c, err := broker.New(broker.DataDir(dir), broker.Topic("orders", 3, 1, nil), broker.Config("group.initial.rebalance.delay.ms", "0"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := groupTestContext(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ClientID("member"), kgo.ConsumerGroup("durable"),
		kgo.ConsumeTopics("orders"), kgo.InstanceID("pod-1"), kgo.SessionTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	before, err := c.WaitForStable(ctx, "durable", 1)
	if err != nil {
		t.Fatal(err)
	}
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "orders", Partition: 2, At: 0, LeaderEpoch: -1})
	cl.Close() // a static member leaves no LeaveGroup behind
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2, err := broker.New(broker.DataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	after, err := c2.Group("durable")
	if err != nil {
		t.Fatal(err)
	}
	if after.State != "Stable" || after.Generation != before.Generation || len(after.Members) != 1 ||
		after.Members[0].InstanceID != "pod-1" || len(after.Members[0].Assignment["orders"]) != 3 {
		t.Fatalf("after the restart: %+v\nbefore: %+v", after.Description, before.Description)
	}
}
