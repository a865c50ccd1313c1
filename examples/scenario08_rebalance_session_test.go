package examples

// Scenario 8: rebalance strategy and session timeout.
//
//   - A consumer that stops heartbeating (a crash, a long GC pause, a
//     network partition) is evicted once session.timeout.ms has passed
//     without a heartbeat, and the group rebalances without it. On gregor
//     the test moves the cluster's manual clock second by second while
//     the healthy consumer keeps heartbeating, so the eviction is
//     exactly on time and nobody sleeps.
//   - With the cooperative-sticky assignor only the partitions that move
//     are revoked; with an eager assignor every member stops consuming
//     everything at every rebalance.
//   - Static membership (group.instance.id, KIP-345): a consumer that
//     restarts within its session timeout takes its place back without a
//     rebalance.
//   - The next-generation consumer protocol (KIP-848,
//     ConsumerGroupHeartbeat): the broker assigns partitions, and a
//     partition moves only after its previous owner has revoked it.

import (
	"fmt"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/group"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestScenario08_SessionTimeoutEvictsSilentConsumer(t *testing.T) {
	c := newGroupCluster(t, true)
	g := c.needGregor("moving the clock past session.timeout.ms")
	topic := c.topic("clicks", 6)
	grp := c.name("analytics")
	const session = 6 * time.Second
	healthy := c.consumer("healthy", grp, topic, kgo.SessionTimeout(session), kgo.Balancers(kgo.RangeBalancer()))
	silent := c.consumer("silent", grp, topic, kgo.SessionTimeout(session), kgo.Balancers(kgo.RangeBalancer()))
	c.waitStable(grp, 2)
	c.waitOwnership(6, map[*groupConsumer]int{healthy: 3, silent: 3})
	t.Logf("before:\n%s", c.table(grp))

	silent.crash() // its heartbeats stop; it does not leave
	for second := 1; ; second++ {
		c.manual.Advance(time.Second)
		// Let the healthy consumer heartbeat at this new time (twice, so
		// one that was in flight during the move does not count).
		n := healthy.heartbeats()
		if err := healthy.waitUntil(c.ctx, "a heartbeat", func() bool { return healthy.heartbts >= n+2 }); err != nil {
			t.Fatal(err)
		}
		d, err := g.Group(grp)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Members) == 1 {
			if time.Duration(second)*time.Second < session {
				t.Fatalf("silent consumer evicted after %ds, before session.timeout.ms", second)
			}
			t.Logf("after %d seconds without a heartbeat the silent consumer was evicted", second)
			break
		}
		if time.Duration(second)*time.Second > session+time.Second {
			t.Fatalf("silent consumer still in the group after %ds\n%s", second, c.story(grp))
		}
	}
	c.waitStable(grp, 1)
	c.waitOwnership(6, map[*groupConsumer]int{healthy: 6})
	t.Logf("after:\n%s\nthe coordinator's story:\n%s", c.table(grp), c.story(grp))
	evicted := false
	for _, e := range g.GroupEvents(grp) {
		if e.Type == group.EventMemberEvicted && e.ClientID == "silent" {
			evicted = true
		}
	}
	if !evicted {
		t.Fatal("no MemberEvicted event for the silent consumer")
	}
}

// Eager versus cooperative: a third consumer joins two. With the eager
// sticky assignor both existing consumers revoke all three partitions
// they own (and get two back); with cooperative-sticky each revokes only
// the one partition that moves.
func TestScenario08_CooperativeRevokesOnlyMovedPartitions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		balancer kgo.GroupBalancer
		revoked  int // per existing consumer
	}{
		{"eager-sticky", kgo.StickyBalancer(), 3},
		{"cooperative-sticky", kgo.CooperativeStickyBalancer(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGroupCluster(t, false)
			topic := c.topic("orders", 6)
			grp := c.name("s8-" + tc.name)
			a := c.consumer("a", grp, topic, kgo.Balancers(tc.balancer))
			b := c.consumer("b", grp, topic, kgo.Balancers(tc.balancer))
			c.waitStable(grp, 2)
			c.waitOwnership(6, map[*groupConsumer]int{a: 3, b: 3})
			a.revocations()
			b.revocations()
			n := c.consumer("newcomer", grp, topic, kgo.Balancers(tc.balancer))
			c.waitStable(grp, 3)
			c.waitOwnership(6, map[*groupConsumer]int{a: 2, b: 2, n: 2})
			for _, gc := range []*groupConsumer{a, b} {
				total := 0
				revs := gc.revocations()
				for _, r := range revs {
					total += len(r)
				}
				if total != tc.revoked {
					t.Fatalf("%s revoked %v (%d partitions), want %d", gc.name, revs, total, tc.revoked)
				}
				t.Logf("%s: revoked %v, now owns %v", gc.name, revs, gc.ownedNow())
			}
		})
	}
}

// Static membership: a consumer with a group.instance.id restarts (it
// closes without leaving, as static members do) and its replacement,
// with the same instance id, gets the same partitions back with no
// rebalance: the group stays at its generation.
func TestScenario08_StaticMembershipRestartWithoutRebalance(t *testing.T) {
	c := newGroupCluster(t, false)
	topic := c.topic("orders", 6)
	grp := c.name("static")
	opts := func(id string) []kgo.Opt {
		return []kgo.Opt{kgo.InstanceID(id), kgo.SessionTimeout(30 * time.Second), kgo.Balancers(kgo.RangeBalancer())}
	}
	a := c.consumer("pod-a", grp, topic, opts("pod-a")...)
	b := c.consumer("pod-b", grp, topic, opts("pod-b")...)
	c.waitStable(grp, 2)
	c.waitOwnership(6, map[*groupConsumer]int{a: 3, b: 3})
	had := b.ownedNow()
	a.revocations()
	var gen int32
	var before int64
	if g := c.gregor; g != nil {
		d, _ := g.Group(grp)
		gen = d.Generation
		before = lastSeq(g)
	}

	b.close() // a static member does not send LeaveGroup
	b2 := c.consumer("pod-b", grp, topic, opts("pod-b")...)
	if err := b2.waitUntil(c.ctx, "its partitions back", func() bool { return len(b2.owned) == 3 }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(b2.ownedNow()) != fmt.Sprint(had) {
		t.Fatalf("restarted pod-b owns %v, had %v", b2.ownedNow(), had)
	}
	if len(a.revocations()) != 0 {
		t.Fatal("pod-a gave up partitions: the restart caused a rebalance")
	}
	if g := c.gregor; g != nil {
		d, err := g.Group(grp)
		if err != nil {
			t.Fatal(err)
		}
		if d.Generation != gen || d.State != "Stable" {
			t.Fatalf("group at generation %d (%s), was %d: a rebalance happened\n%s", d.Generation, d.State, gen, c.story(grp))
		}
		// The request history says the same from the clients' side:
		// pod-b closed without a LeaveGroup and rejoined with one
		// JoinGroup, answered at once; pod-a never had to join again.
		if leaves := requestsSince(g, before, "pod-b", kmsg.LeaveGroup); len(leaves) != 0 {
			t.Fatalf("static pod-b sent LeaveGroup %+v on closing", leaves)
		}
		if joins := requestsSince(g, before, "pod-b", kmsg.JoinGroup); len(joins) != 1 || len(joins[0].ErrorCodes) != 0 {
			t.Fatalf("restarted pod-b sent JoinGroup %+v, want one that succeeded", joins)
		}
		if joins := requestsSince(g, before, "pod-a", kmsg.JoinGroup); len(joins) != 0 {
			t.Fatalf("pod-a sent %d JoinGroup requests after pod-b's restart: it rejoined", len(joins))
		}
		t.Logf("pod-b came back without a rebalance:\n%s", c.story(grp))
	}
}

// The consumer protocol (KIP-848) with franz-go: the broker's uniform
// assignor shares six partitions among 1, 2, 3 and again 2 members; the
// coordinator's events show each step, and replaying them shows that no
// partition ever had two owners.
func TestScenario08_ConsumerProtocol(t *testing.T) {
	c := newGroupCluster(t, false, broker.Configs(map[string]string{
		"group.consumer.heartbeat.interval.ms":     "50",
		"group.consumer.min.heartbeat.interval.ms": "50",
	}))
	topic := c.topic("orders", 6)
	grp := c.name("next-gen")
	start := func(name string) *groupConsumer {
		return c.consumer(name, grp, topic, kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()))
	}
	c1 := start("consumer-1")
	c.waitStable(grp, 1)
	c.waitOwnership(6, map[*groupConsumer]int{c1: 6})
	c2 := start("consumer-2")
	c.waitStable(grp, 2)
	c.waitOwnership(6, map[*groupConsumer]int{c1: 3, c2: 3})
	c3 := start("consumer-3")
	c.waitStable(grp, 3)
	c.waitOwnership(6, map[*groupConsumer]int{c1: 2, c2: 2, c3: 2})
	c3.close()
	c.waitStable(grp, 2)
	c.waitOwnership(6, map[*groupConsumer]int{c1: 3, c2: 3})

	g := c.needGregor("the coordinator's events")
	d, err := g.Group(grp)
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != group.Consumer || d.Protocol != "uniform" {
		t.Fatalf("group type %s with assignor %s", d.Type, d.Protocol)
	}
	// Replay the members' reconciliation steps: a partition is taken by a
	// member only after its previous owner's step that gave it up.
	owner := map[int32]string{}
	owns := map[string][]int32{}
	for _, e := range g.GroupEvents(grp) {
		switch e.Type {
		case group.EventMemberReconciled:
			for _, p := range owns[e.Member] {
				delete(owner, p)
			}
			owns[e.Member] = e.Assignments[e.Member][topic]
			for _, p := range owns[e.Member] {
				if other, ok := owner[p]; ok && other != e.Member {
					t.Fatalf("partition %d given to %s while %s still owns it\n%s", p, e.Member, other, c.story(grp))
				}
				owner[p] = e.Member
			}
		case group.EventMemberLeft, group.EventMemberEvicted:
			for _, p := range owns[e.Member] {
				delete(owner, p)
			}
			delete(owns, e.Member)
		}
	}
	t.Logf("the coordinator's story:\n%s", c.story(grp))
}
