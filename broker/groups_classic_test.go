package broker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

func produceGroupRecords(t *testing.T, c *broker.Cluster, topic string, n int) {
	t.Helper()
	ctx := groupTestContext(t)
	p := groupClient(t, c, kgo.DefaultProduceTopic(topic))
	for i := 0; i < n; i++ {
		r := &kgo.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("v%d", i))}
		if err := p.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// A classic group with franz-go: two consumers share six partitions,
// every record is consumed once, and the group reports Stable with both
// members and no lag after they commit.
func TestClassicGroupTwoConsumers(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 6, 1, nil))
	ctx := groupTestContext(t)
	produceGroupRecords(t, c, "orders", 60)

	consumer := func(id string) *kgo.Client {
		return groupClient(t, c, kgo.ClientID(id), kgo.ConsumerGroup("g1"), kgo.ConsumeTopics("orders"),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.HeartbeatInterval(100*time.Millisecond),
			kgo.Balancers(kgo.RangeBalancer()), kgo.DisableAutoCommit())
	}
	a := consumer("a")
	b := consumer("b")
	d, err := c.WaitForStable(ctx, "g1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if d.Protocol != "range" || d.ProtocolType != "consumer" {
		t.Fatalf("protocol %q/%q", d.ProtocolType, d.Protocol)
	}
	total := 0
	for _, m := range d.Members {
		total += len(m.Assignment["orders"])
		if len(m.Assignment["orders"]) != 3 {
			t.Fatalf("member %s owns %v", m.ClientID, m.Assignment)
		}
	}
	got := 0
	for got < 60 {
		for _, cl := range []*kgo.Client{a, b} {
			pctx, cancel := contextWithTimeout(ctx, 200*time.Millisecond)
			fs := cl.PollFetches(pctx)
			cancel()
			got += fs.NumRecords()
			if fs.NumRecords() > 0 {
				if err := cl.CommitUncommittedOffsets(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	d, err = c.WaitForGroup(ctx, "g1", func(d broker.GroupDescription) bool { return d.TotalLag() == 0 && len(d.Lag) == 6 })
	if err != nil {
		t.Fatalf("%v: %+v", err, d.Lag)
	}
	for _, l := range d.Lag {
		if l.CommittedOffset != l.LogEndOffset || l.ClientID == "" {
			t.Fatalf("lag row %+v", l)
		}
	}
	var story []string
	for _, e := range c.GroupEvents("g1") {
		story = append(story, e.String())
	}
	t.Logf("events:\n%s", joinLines(story))
}
