package broker_test

import (
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
	c := startGroupCluster(t, broker.Topic("orders", 6, 1, nil), consumerProtocolConfig())
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
	t.Logf("events:\n%s", eventsOf(c, "g848"))
}

func eventsOf(c *broker.Cluster, group string) string {
	var lines []string
	for _, e := range c.GroupEvents(group) {
		lines = append(lines, e.String())
	}
	return joinLines(lines)
}
