package broker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consumerProtocolConfig makes KIP-848 heartbeats frequent, so that a
// reassignment (which needs a heartbeat from each member involved)
// completes quickly in wall time.
func consumerProtocolConfig() broker.Option {
	return broker.Configs(map[string]string{
		"group.consumer.heartbeat.interval.ms":     "50",
		"group.consumer.min.heartbeat.interval.ms": "50",
	})
}

// A KIP-848 group with franz-go: members are assigned by the broker's
// uniform assignor, partitions move to a new member only after their
// previous owner revoked them, and every record is consumed.
func TestConsumerProtocolGroup(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 6, 1, nil), consumerProtocolConfig())
	ctx := groupTestContext(t)
	produceGroupRecords(t, c, "orders", 30)
	consumer := func(id string) *kgo.Client {
		return groupClient(t, c, kgo.ClientID(id), kgo.ConsumerGroup("g848"), kgo.ConsumeTopics("orders"),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()))
	}
	a := consumer("a")
	d, err := c.WaitForStable(ctx, "g848", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != "consumer" || d.Protocol != "uniform" {
		t.Fatalf("group %+v", d)
	}
	b := consumer("b")
	d, err = c.WaitForStable(ctx, "g848", 2)
	if err != nil {
		t.Fatalf("%v\n%s", err, eventsOf(c, "g848"))
	}
	for _, m := range d.Members {
		if len(m.Assignment["orders"]) != 3 {
			t.Fatalf("member %s owns %v\n%s", m.ClientID, m.Assignment, eventsOf(c, "g848"))
		}
	}
	got := 0
	for got < 30 {
		for _, cl := range []*kgo.Client{a, b} {
			pctx, cancel := contextWithTimeout(ctx, 100*time.Millisecond)
			got += cl.PollFetches(pctx).NumRecords()
			cancel()
		}
	}
	// Commits carry the member epoch (OffsetCommit v9).
	for _, cl := range []*kgo.Client{a, b} {
		if err := cl.CommitUncommittedOffsets(ctx); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	if _, err := c.WaitForGroup(ctx, "g848", func(d broker.GroupDescription) bool { return d.TotalLag() == 0 && len(d.Lag) == 6 }); err != nil {
		t.Fatal(err)
	}
	t.Logf("events:\n%s", eventsOf(c, "g848"))
}

func eventsOf(c *broker.Cluster, group string) string {
	var lines []string
	for _, e := range c.GroupEvents(group) {
		lines = append(lines, e.String())
	}
	return joinLines(lines)
}

// SubscribeGroupEvents delivers the events of every group in order, and
// WaitForOwner waits for a member to own given partitions.
func TestGroupEventSubscription(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 2, 1, nil))
	ctx := groupTestContext(t)
	events, cancel := c.SubscribeGroupEvents()
	groupClient(t, c, kgo.ClientID("solo"), kgo.ConsumerGroup("watched"), kgo.ConsumeTopics("orders"),
		kgo.Balancers(kgo.RangeBalancer()))
	if _, err := c.WaitForOwner(ctx, "watched", "solo", "orders", 0, 1); err != nil {
		t.Fatal(err)
	}
	var types []string
	for e := range events {
		types = append(types, string(e.Type))
		if e.Type == "Stable" {
			break
		}
	}
	cancel()
	for range events {
		// drained until the subscription closes the channel
	}
	want := "[MemberJoined RebalanceStarted GenerationStarted Stable]"
	if got := fmt.Sprint(types); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
}
