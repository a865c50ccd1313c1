package gregor_test

// Real group consumers on a manual clock: Cluster.AdvanceInSteps moves
// time past several session timeouts without evicting members whose
// heartbeats keep coming, and evicts the one that went silent.

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/group"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupConsumer is a kgo group consumer that heartbeats every 100ms of
// real time with a 10s session on the cluster clock. With an instance id
// it is a static member, which does not leave the group when closed: its
// session must time out.
func groupConsumer(t *testing.T, c *broker.Cluster, clientID, instanceID string) *kgo.Client {
	t.Helper()
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Addrs()...), kgo.ClientID(clientID), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"),
		kgo.HeartbeatInterval(100 * time.Millisecond), kgo.SessionTimeout(10 * time.Second),
		kgo.Balancers(kgo.RangeBalancer()),
	}
	if instanceID != "" {
		opts = append(opts, kgo.InstanceID(instanceID))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestAdvanceInStepsKeepsLiveMembersAndEvictsSilentOnes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	mc := clock.NewManual(time.Time{})
	c := gregor.Start(t, broker.Clock(mc), broker.Topic("t", 2, 1, nil))
	alive := groupConsumer(t, c, "alive", "")
	defer alive.Close()
	silent := groupConsumer(t, c, "silent", "silent-1")
	stable, err := c.WaitForStable(ctx, "g", 2)
	if err != nil {
		t.Fatal(err)
	}

	// Three session timeouts pass; both members keep heartbeating.
	if err := c.AdvanceInSteps(ctx, 30*time.Second, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	d, err := c.Group("g")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Members) != 2 || d.Generation != stable.Generation {
		t.Fatalf("after 30s in steps: %d members in generation %d, want both in generation %d; events: %v",
			len(d.Members), d.Generation, stable.Generation, evictions(c))
	}
	for _, m := range d.Members {
		if !m.SessionRenewedAt.Equal(mc.Now()) {
			t.Fatalf("member %s last renewed its session at %v, not at the clock's %v", m.ClientID, m.SessionRenewedAt, mc.Now())
		}
	}

	// A static member that closes does not leave: its session times out
	// while the live member's does not.
	silent.Close()
	if err := c.AdvanceInSteps(ctx, 11*time.Second, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForOwner(ctx, "g", "alive", "t", 0, 1); err != nil {
		t.Fatal(err)
	}
	ev := evictions(c)
	if len(ev) != 1 || ev[0].ClientID != "silent" {
		t.Fatalf("evictions %v, want the silent member's only", ev)
	}
}

// With no group at all AdvanceInSteps moves the clock like Advance.
func TestAdvanceInStepsWithoutGroups(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := gregor.Start(t, broker.Clock(mc))
	start := mc.Now()
	if err := c.AdvanceInSteps(context.Background(), 2500*time.Millisecond, time.Second); err != nil {
		t.Fatal(err)
	}
	if got := mc.Now().Sub(start); got != 2500*time.Millisecond {
		t.Fatalf("the clock moved %v, want 2.5s", got)
	}
}

func TestAdvanceInStepsValidates(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := gregor.Start(t, broker.Clock(mc))
	for _, tc := range []struct{ d, step time.Duration }{
		{-time.Second, time.Second}, {time.Second, 0}, {time.Minute, 6 * time.Second},
	} {
		if err := c.AdvanceInSteps(context.Background(), tc.d, tc.step); err == nil {
			t.Errorf("AdvanceInSteps(%v, %v) returned no error", tc.d, tc.step)
		}
	}
	real := gregor.Start(t)
	if err := real.AdvanceInSteps(context.Background(), time.Second, time.Millisecond); err == nil {
		t.Error("AdvanceInSteps on the wall clock returned no error")
	}
}

func evictions(c *broker.Cluster) []broker.GroupEvent {
	var out []broker.GroupEvent
	for _, e := range c.GroupEvents("g") {
		if e.Type == group.EventMemberEvicted {
			out = append(out, e)
		}
	}
	return out
}
