package examples

// Scenario 4: consumer groups and rebalancing.
//
// Six partitions, one group. Consumers join one by one (1 -> 2 -> 3) and
// then one stops cleanly (3 -> 2). After each change the group
// rebalances and the partitions are shared out again; the test prints who
// owns what (as kafka-consumer-groups.sh --describe would) and the
// coordinator's story of the rebalance (generation by generation, who
// joined, who left, who got which partitions). It runs once per
// client-side assignor:
//
//   - range: each consumer gets a contiguous range of partitions;
//   - roundrobin: partitions are dealt out like cards;
//   - sticky: as balanced as round robin, but consumers keep what they
//     had when they can;
//   - cooperative-sticky: sticky, and incremental (KIP-429): a consumer
//     only stops consuming the partitions that actually move, where the
//     three "eager" assignors above make every consumer give up
//     everything at every rebalance.

import (
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestScenario04_ConsumerGroupRebalancing(t *testing.T) {
	for _, tc := range []struct {
		protocol    string
		balancer    kgo.GroupBalancer
		cooperative bool
	}{
		{"range", kgo.RangeBalancer(), false},
		{"roundrobin", kgo.RoundRobinBalancer(), false},
		{"sticky", kgo.StickyBalancer(), false},
		{"cooperative-sticky", kgo.CooperativeStickyBalancer(), true},
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			c := newGroupCluster(t, false)
			topic := c.topic("orders", 6)
			group := c.name("scenario4-" + tc.protocol)
			start := func(name string) *groupConsumer {
				return c.consumer(name, group, topic, kgo.Balancers(tc.balancer))
			}

			// step moves the group to a new membership and checks the
			// outcome: each consumer's share, and what the consumers that
			// were already there had to give up.
			step := func(what string, members []*groupConsumer, change func() map[*groupConsumer]int) {
				t.Helper()
				before := map[*groupConsumer][]int32{}
				for _, gc := range members {
					before[gc] = gc.ownedNow()
					gc.revocations()
				}
				want := change()
				c.waitStable(group, len(want))
				c.waitOwnership(6, want)
				t.Logf("%s:\n%s", what, c.table(group))
				for gc, had := range before {
					if len(had) == 0 {
						continue // it just joined
					}
					now := gc.ownedNow()
					var revoked []int32
					for _, r := range gc.revocations() {
						revoked = append(revoked, r...)
					}
					revoked = sorted(revoked)
					var moved []int32
					for _, p := range had {
						if !slices.Contains(now, p) {
							moved = append(moved, p)
						}
					}
					if tc.cooperative {
						// Only what moved away is revoked.
						if fmt.Sprint(revoked) != fmt.Sprint(moved) {
							t.Fatalf("%s: %s had %v, now %v, revoked %v: cooperative rebalancing must revoke exactly %v",
								what, gc.name, had, now, revoked, moved)
						}
					} else if fmt.Sprint(revoked) != fmt.Sprint(had) {
						// Eager: everything is revoked, even what comes back.
						t.Fatalf("%s: %s had %v and revoked %v: an eager rebalance revokes everything", what, gc.name, had, revoked)
					}
					if tc.protocol == "sticky" || tc.cooperative {
						kept := len(had) - len(moved)
						if want := min(len(had), len(now)); kept != want {
							t.Fatalf("%s: %s kept %d of %v, a sticky assignor keeps %d", what, gc.name, kept, had, want)
						}
					}
				}
			}

			c1 := start("consumer-1")
			c.waitStable(group, 1)
			c.waitOwnership(6, map[*groupConsumer]int{c1: 6})
			t.Logf("one consumer:\n%s", c.table(group))

			var c2, c3 *groupConsumer
			step("two consumers", []*groupConsumer{c1}, func() map[*groupConsumer]int {
				c2 = start("consumer-2")
				return map[*groupConsumer]int{c1: 3, c2: 3}
			})
			step("three consumers", []*groupConsumer{c1, c2}, func() map[*groupConsumer]int {
				c3 = start("consumer-3")
				return map[*groupConsumer]int{c1: 2, c2: 2, c3: 2}
			})
			checkShape(t, tc.protocol, 3, c1, c2, c3)
			step("consumer-3 stopped", []*groupConsumer{c1, c2}, func() map[*groupConsumer]int {
				c3.close()
				return map[*groupConsumer]int{c1: 3, c2: 3}
			})

			if g := c.gregor; g != nil {
				d, err := g.Group(group)
				if err != nil {
					t.Fatal(err)
				}
				if d.Protocol != tc.protocol {
					t.Fatalf("selected protocol %q, want %q", d.Protocol, tc.protocol)
				}
				t.Logf("the coordinator's story:\n%s", c.story(group))
				// A consumer that stops cleanly says so: consumer-3 sent
				// one LeaveGroup, so the group rebalanced at once rather
				// than after session.timeout.ms; the others never left.
				if leaves := requestsSince(g, 0, "consumer-3", kmsg.LeaveGroup); len(leaves) != 1 || len(leaves[0].ErrorCodes) != 0 {
					t.Fatalf("consumer-3 sent LeaveGroup %+v, want one that succeeded", leaves)
				}
				for _, name := range []string{"consumer-1", "consumer-2"} {
					if leaves := requestsSince(g, 0, name, kmsg.LeaveGroup); len(leaves) != 0 {
						t.Fatalf("%s sent LeaveGroup %+v while still consuming", name, leaves)
					}
				}
			}
		})
	}
}

// checkShape checks the assignment's shape with n consumers: contiguous
// ranges for range, partitions n apart for round robin.
func checkShape(t *testing.T, protocol string, n int, consumers ...*groupConsumer) {
	t.Helper()
	for _, gc := range consumers {
		ps := gc.ownedNow()
		for i := 1; i < len(ps); i++ {
			gap := ps[i] - ps[i-1]
			switch {
			case protocol == "range" && gap != 1:
				t.Fatalf("range gave %s the non-contiguous partitions %v", gc.name, ps)
			case protocol == "roundrobin" && gap != int32(n):
				t.Fatalf("round robin gave %s the partitions %v, not %d apart", gc.name, ps, n)
			}
		}
	}
}

// Several groups on one topic each receive every record (fan-out): a
// group is a subscription of its own, with its own committed offsets.
func TestScenario04_GroupsFanOut(t *testing.T) {
	c := newGroupCluster(t, false)
	topic := c.topic("order-completed", 3)
	c.produce(topic, "order", 30)
	for _, name := range []string{"data-platform", "notification", "coupons"} {
		gc := c.consumer(name, c.name(name), topic)
		got := c.poll(gc, 30)
		if len(got) != 30 {
			t.Fatalf("group %s got %d records", name, len(got))
		}
	}
	if g := c.gregor; g != nil {
		var names []string
		for _, l := range g.Groups() {
			names = append(names, l.Group+"/"+l.State)
		}
		t.Logf("groups: %v", names)
		if len(names) != 3 {
			t.Fatalf("groups %v", names)
		}
	}
}
