package group

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// member848 is a consumer-protocol member as a client keeps it: its id,
// epoch and owned partitions.
type member848 struct {
	f        *fixture
	group    string
	id       string
	instance string
	topics   []string
	regex    string
	assignor string
	epoch    int32
	owned    map[topicID][]int32
}

func (f *fixture) member848(group, id string, topics ...string) *member848 {
	return &member848{f: f, group: group, id: id, topics: topics, owned: map[topicID][]int32{}}
}

// heartbeat sends a full heartbeat (subscription and owned partitions)
// and applies the answer: the new epoch, and the new assignment — which,
// like a client, it takes as owned at once (revocation is immediate).
func (m *member848) heartbeat() *kmsg.ConsumerGroupHeartbeatResponse {
	return m.send(m.epoch, true)
}

// keepalive heartbeats without owned partitions (nothing changed).
func (m *member848) keepalive() *kmsg.ConsumerGroupHeartbeatResponse { return m.send(m.epoch, false) }

func (m *member848) send(epoch int32, full bool) *kmsg.ConsumerGroupHeartbeatResponse {
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Version = 1
	req.Group, req.MemberID, req.MemberEpoch = m.group, m.id, epoch
	if m.instance != "" {
		inst := m.instance
		req.InstanceID = &inst
	}
	if full || epoch == 0 {
		req.RebalanceTimeoutMillis = 30000
		if m.regex != "" {
			re := m.regex
			req.SubscribedTopicRegex = &re
		} else {
			req.SubscribedTopicNames = append([]string{}, m.topics...)
		}
		if m.assignor != "" {
			a := m.assignor
			req.ServerAssignor = &a
		}
		req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		if epoch != 0 {
			for t, ps := range m.owned {
				rt := kmsg.NewConsumerGroupHeartbeatRequestTopic()
				rt.TopicID, rt.Partitions = t, ps
				req.Topics = append(req.Topics, rt)
			}
		}
	}
	resp := m.f.c.ConsumerGroupHeartbeat(ctx, Client{ID: m.id, Host: "/127.0.0.1"}, req)
	if resp.ErrorCode == 0 && epoch >= 0 {
		m.epoch = resp.MemberEpoch
		if resp.Assignment != nil {
			m.owned = map[topicID][]int32{}
			for _, t := range resp.Assignment.Topics {
				m.owned[t.TopicID] = t.Partitions
			}
		}
	}
	return resp
}

func (m *member848) join() *kmsg.ConsumerGroupHeartbeatResponse {
	m.epoch, m.owned = 0, map[topicID][]int32{}
	return m.send(0, true)
}

func (m *member848) count() int {
	n := 0
	for _, ps := range m.owned {
		n += len(ps)
	}
	return n
}

// checkExclusive fails if two members own the same partition.
func checkExclusive(t *testing.T, members ...*member848) {
	t.Helper()
	seen := map[string]string{}
	for _, m := range members {
		for topic, ps := range m.owned {
			for _, p := range ps {
				k := fmt.Sprintf("%x-%d", topic, p)
				if other, ok := seen[k]; ok {
					t.Fatalf("partition %d owned by %s and %s", p, other, m.id)
				}
				seen[k] = m.id
			}
		}
	}
}

// Reference: KIP-848, reconciliation. A second member joins: the first
// revokes half of its partitions before the second gets them; no
// partition ever has two owners.
func TestConsumerProtocolReconciliation(t *testing.T) {
	f := newFixture(t, nil)
	f.addTopic("orders", 6)
	a := f.member848("g", "A", "orders")
	wantCode(t, "a joins", a.join().ErrorCode, nil)
	// A new group starts at epoch 1; a's join bumps it to 2 (Kafka 4.4).
	if a.epoch != 2 || a.count() != 6 {
		t.Fatalf("a: epoch %d with %d partitions", a.epoch, a.count())
	}
	b := f.member848("g", "B", "orders")
	wantCode(t, "b joins", b.join().ErrorCode, nil)
	checkExclusive(t, a, b)
	if b.epoch != 3 || b.count() != 0 {
		t.Fatalf("b: epoch %d with %d partitions before a revoked", b.epoch, b.count())
	}
	// a learns of the new target: it must revoke three partitions.
	a.heartbeat()
	checkExclusive(t, a, b)
	if a.count() != 3 || a.epoch != 2 {
		t.Fatalf("a after the revocation request: epoch %d with %d partitions", a.epoch, a.count())
	}
	if d := f.describe("g"); d.State != "Reconciling" {
		t.Fatalf("state %s", d.State)
	}
	b.keepalive() // nothing for b until a confirms
	if b.count() != 0 {
		t.Fatal("b got partitions a has not released")
	}
	a.heartbeat() // a reports it owns only three now: it moves to epoch 3
	if a.epoch != 3 {
		t.Fatalf("a epoch %d", a.epoch)
	}
	b.heartbeat()
	checkExclusive(t, a, b)
	if b.count() != 3 || b.epoch != 3 {
		t.Fatalf("b: epoch %d with %d partitions", b.epoch, b.count())
	}
	d := f.describe("g")
	if d.State != "Stable" || d.Generation != 3 || d.Protocol != "uniform" {
		t.Fatalf("group %+v", d)
	}
	types := f.eventTypes("g")
	if !contains(types, EventTargetAssignment) || !contains(types, EventMemberReconciled) || !contains(types, EventStable) {
		t.Fatalf("events %v", types)
	}
}

// A member that stops heartbeating is fenced after the session timeout;
// its partitions go to the others.
func TestConsumerProtocolSessionTimeout(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ConsumerSessionTimeout = 45 * time.Second })
	f.addTopic("orders", 4)
	a, b := f.member848("g", "A", "orders"), f.member848("g", "B", "orders")
	a.join()
	b.join()
	a.heartbeat()
	a.heartbeat()
	b.heartbeat()
	if a.count() != 2 || b.count() != 2 {
		t.Fatalf("a %d b %d", a.count(), b.count())
	}
	for i := 0; i < 10; i++ {
		f.clock.Advance(5 * time.Second)
		a.keepalive()
	}
	d := f.describe("g")
	if len(d.Members) != 1 {
		t.Fatalf("b was not fenced: %+v", d)
	}
	a.heartbeat()
	if a.count() != 4 {
		t.Fatalf("a owns %d after b's eviction\n%s", a.count(), f.story("g"))
	}
	wantCode(t, "b heartbeats after eviction", b.keepalive().ErrorCode, kerr.UnknownMemberID)
}

// A member that does not revoke within its rebalance timeout is fenced.
func TestConsumerProtocolRebalanceTimeout(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ConsumerSessionTimeout = 45 * time.Second })
	f.addTopic("orders", 4)
	a, b := f.member848("g", "A", "orders"), f.member848("g", "B", "orders")
	a.join()
	b.join()
	a.heartbeat() // asked to revoke two partitions
	// a keeps heartbeating but never reports the revocation.
	for i := 0; i < 7; i++ {
		f.clock.Advance(5 * time.Second)
		a.keepalive()
		b.keepalive()
	}
	if d := f.describe("g"); len(d.Members) != 1 || d.Members[0].MemberID != "B" {
		t.Fatalf("a not fenced after the rebalance timeout: %+v\n%s", d, f.story("g"))
	}
	wantCode(t, "fenced member", a.keepalive().ErrorCode, kerr.UnknownMemberID)
	b.heartbeat()
	if b.count() != 4 {
		t.Fatalf("b owns %d", b.count())
	}
}

// Static members (group.instance.id): a temporary leave (epoch -2) keeps
// the partitions for the member's return; a second process with the same
// instance id is refused until then.
func TestConsumerProtocolStaticMember(t *testing.T) {
	f := newFixture(t, nil)
	f.addTopic("orders", 4)
	a, b := f.member848("g", "A1", "orders"), f.member848("g", "B", "orders")
	a.instance = "pod-a"
	a.join()
	b.join()
	a.heartbeat()
	a.heartbeat()
	b.heartbeat()
	before := a.owned
	epoch := f.describe("g").Generation
	wantCode(t, "static leave", a.send(staticLeaveEpoch, false).ErrorCode, nil)
	// The restarted process takes the place over.
	again := f.member848("g", "A3", "orders")
	again.instance = "pod-a"
	wantCode(t, "rejoin", again.join().ErrorCode, nil)
	if again.count() != 2 || fmt.Sprint(again.owned) != fmt.Sprint(before) {
		t.Fatalf("rejoined static member owns %v, had %v", again.owned, before)
	}
	if d := f.describe("g"); d.Generation != epoch {
		t.Fatalf("group epoch moved from %d to %d on a static rejoin", epoch, d.Generation)
	}
	// A second process with the same instance id is refused while the
	// first holds it.
	dup := f.member848("g", "A2", "orders")
	dup.instance = "pod-a"
	wantCode(t, "duplicate", dup.join().ErrorCode, kerr.UnreleasedInstanceID)
}

// Errors: unknown member, wrong epochs, malformed requests.
func TestConsumerProtocolErrors(t *testing.T) {
	f := newFixture(t, nil)
	f.addTopic("orders", 2)
	a := f.member848("g", "A", "orders")
	a.join()
	wantCode(t, "unknown member", f.member848("g", "X", "orders").send(3, false).ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "epoch ahead", a.send(a.epoch+5, false).ErrorCode, kerr.FencedMemberEpoch)
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Version, req.Group, req.MemberEpoch = 1, "g", 0
	wantCode(t, "no member id in v1", f.c.ConsumerGroupHeartbeat(ctx, Client{}, req).ErrorCode, kerr.InvalidRequest)
	req.MemberID = "Z"
	wantCode(t, "no rebalance timeout", f.c.ConsumerGroupHeartbeat(ctx, Client{}, req).ErrorCode, kerr.InvalidRequest)
	req.RebalanceTimeoutMillis, req.Topics, req.SubscribedTopicNames = 1000, []kmsg.ConsumerGroupHeartbeatRequestTopic{}, []string{"orders"}
	bad := "nope"
	req.ServerAssignor = &bad
	wantCode(t, "unknown assignor", f.c.ConsumerGroupHeartbeat(ctx, Client{}, req).ErrorCode, kerr.UnsupportedAssignor)
	req.ServerAssignor = nil
	re := "orders["
	req.SubscribedTopicRegex = &re
	wantCode(t, "bad regex", f.c.ConsumerGroupHeartbeat(ctx, Client{}, req).ErrorCode, kerr.InvalidRegularExpression)
	req.MemberEpoch = -3
	wantCode(t, "bad epoch", f.c.ConsumerGroupHeartbeat(ctx, Client{}, req).ErrorCode, kerr.InvalidRequest)

	// Commits from a consumer-protocol member need its current epoch and
	// OffsetCommit v9.
	wantCode(t, "commit", f.commit("g", "A", a.epoch, "orders", 0, 1), nil)
	wantCode(t, "stale commit", f.commit("g", "A", a.epoch-1, "orders", 0, 1), kerr.StaleMemberEpoch)
	oc := kmsg.NewPtrOffsetCommitRequest()
	oc.Version, oc.Group, oc.MemberID, oc.Generation = 8, "g", "A", a.epoch
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = "orders"
	rt.Partitions = []kmsg.OffsetCommitRequestTopicPartition{kmsg.NewOffsetCommitRequestTopicPartition()}
	oc.Topics = []kmsg.OffsetCommitRequestTopic{rt}
	resp, _ := f.c.CommitOffsets(ctx, oc)
	wantCode(t, "commit v8", resp.Topics[0].Partitions[0].ErrorCode, kerr.UnsupportedVersion)

	// Classic JoinGroup to a consumer group with members.
	wantCode(t, "classic join", f.join("g", joinOpts{}).ErrorCode, kerr.InconsistentGroupProtocol)
	// DeleteGroups of a group with members.
	res, _ := f.c.DeleteGroups(ctx, []string{"g"})
	wantCode(t, "delete", res[0].ErrorCode, kerr.NonEmptyGroup)
	// Leaving empties the group, which can then be deleted.
	wantCode(t, "leave", a.send(leaveEpoch, false).ErrorCode, nil)
	if d := f.describe("g"); d.State != "Empty" {
		t.Fatalf("after leave: %s", d.State)
	}
	res, _ = f.c.DeleteGroups(ctx, []string{"g"})
	wantCode(t, "delete empty", res[0].ErrorCode, nil)
}

// Regular expression subscriptions are resolved against the topics; a new
// matching topic bumps the group epoch and is assigned.
func TestConsumerProtocolRegex(t *testing.T) {
	f := newFixture(t, nil)
	f.addTopic("orders-eu", 2)
	f.addTopic("payments", 2)
	a := f.member848("g", "A")
	a.regex = "orders-.*"
	a.join()
	if a.count() != 2 {
		t.Fatalf("a owns %d", a.count())
	}
	f.addTopic("orders-us", 3)
	a.heartbeat()
	if a.count() != 5 {
		t.Fatalf("after a new matching topic a owns %d\n%s", a.count(), f.story("g"))
	}
	d := f.describe("g")
	if got := d.Members[0].Subscribed; fmt.Sprint(got) != "[orders-eu orders-us]" {
		t.Fatalf("subscribed %v", got)
	}
}

// The range assignor gives contiguous ranges, the same numbers for
// topics of the same size.
func TestRangeAssignor(t *testing.T) {
	f := newFixture(t, nil)
	t1, t2 := f.addTopic("t1", 3), f.addTopic("t2", 3)
	ms := []*member848{f.member848("g", "M0", "t1", "t2"), f.member848("g", "M1", "t1", "t2")}
	for _, m := range ms {
		m.assignor = "range"
		m.join()
	}
	for i := 0; i < 3; i++ {
		for _, m := range ms {
			m.heartbeat()
		}
	}
	checkExclusive(t, ms...)
	if fmt.Sprint(ms[0].owned[t1.ID], ms[0].owned[t2.ID]) != "[0 1] [0 1]" || fmt.Sprint(ms[1].owned[t1.ID], ms[1].owned[t2.ID]) != "[2] [2]" {
		t.Fatalf("M0 %v M1 %v", ms[0].owned, ms[1].owned)
	}
	if d := f.describe("g"); d.Protocol != "range" {
		t.Fatalf("assignor %s", d.Protocol)
	}
}

// The uniform assignor is balanced and sticky: adding a member moves only
// what the new member needs.
func TestUniformAssignorSticky(t *testing.T) {
	var id topicID
	id[0] = 1
	spec := assignorSpec{partitions: map[topicID]int32{id: 6}, names: map[topicID]string{id: "t"}}
	prev := map[string]assignment{}
	for _, n := range []int{1, 2, 3, 4, 3, 2} {
		spec.members = nil
		for i := 0; i < n; i++ {
			mid := fmt.Sprintf("m%d", i)
			spec.members = append(spec.members, assignorMember{id: mid, topics: []topicID{id}, current: prev[mid]})
		}
		out := uniformAssignor{}.assign(spec)
		total, moved := 0, 0
		var sizes []int
		for mid, a := range out {
			total += a.size()
			sizes = append(sizes, a.size())
			for p := range a[id] {
				if !prev[mid].has(id, p) {
					moved++
				}
			}
		}
		sort.Ints(sizes)
		if total != 6 || sizes[len(sizes)-1]-sizes[0] > 1 {
			t.Fatalf("%d members: sizes %v", n, sizes)
		}
		// Growing from k to k+1 members moves only what the newcomer
		// gets; shrinking only what the leaver had.
		if n > 1 && moved > 6/n+1 && moved > 3 {
			t.Fatalf("%d members: %d partitions moved", n, moved)
		}
		prev = out
	}
}
