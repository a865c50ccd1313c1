package group

// The consumer group (KIP-848): members, epochs and assignments. The
// heartbeat that drives it is in consumer_heartbeat.go, the step by step
// reconciliation of a member in reconcile.go, the assignors in
// assignor*.go.
//
// Three epochs organise a consumer group:
//
//   - the group epoch grows whenever the group's membership or
//     subscriptions change (a member joins, leaves, changes topics, or a
//     subscribed topic gains partitions);
//   - the assignment epoch is the group epoch the current target
//     assignment was computed for; while it lags the group is Assigning.
//     A heartbeat that bumps the group epoch computes the new target at
//     once only when group.consumer.assignment.interval.ms (1 s) has
//     passed since the last one (KIP-1263, Kafka 4.3); otherwise members
//     go on with the last target and a later heartbeat computes it;
//   - each member's epoch is the assignment epoch it has caught up with.
//     A member behind it first revokes the partitions it must give up
//     (staying at its epoch, state UNREVOKED_PARTITIONS), then moves to the
//     new epoch with the partitions it keeps plus those that are free; any
//     still owned by another member (state UNRELEASED_PARTITIONS) are given
//     to it once their owner has released them. The group is Reconciling
//     until every member is at the assignment epoch, then Stable.
//
// A partition is never owned by two members at once: the coordinator
// tracks, per partition, the epoch of its current owner, and only hands a
// partition to a new owner once nobody holds it.

import (
	"sort"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// memberState is where a consumer-protocol member is in its
// reconciliation (Kafka's MemberState).
type memberState int8

const (
	memberStable memberState = iota
	memberUnrevokedPartitions
	memberUnreleasedPartitions
)

func (m memberState) String() string {
	return [...]string{"STABLE", "UNREVOKED_PARTITIONS", "UNRELEASED_PARTITIONS"}[m]
}

// Member epochs with a special meaning in ConsumerGroupHeartbeat.
const (
	joinEpoch        = 0
	leaveEpoch       = -1
	staticLeaveEpoch = -2
)

// topicID is a topic's UUID; KIP-848 assignments name topics by id.
type topicID = [16]byte

// assignment is a set of partitions by topic id.
type assignment map[topicID]map[int32]bool

func (a assignment) clone() assignment {
	out := assignment{}
	for t, ps := range a {
		c := make(map[int32]bool, len(ps))
		for p := range ps {
			c[p] = true
		}
		out[t] = c
	}
	return out
}

func (a assignment) add(t topicID, p int32) {
	if a[t] == nil {
		a[t] = map[int32]bool{}
	}
	a[t][p] = true
}

func (a assignment) has(t topicID, p int32) bool { return a[t][p] }

func (a assignment) size() int {
	n := 0
	for _, ps := range a {
		n += len(ps)
	}
	return n
}

func (a assignment) equal(b assignment) bool {
	if a.size() != b.size() {
		return false
	}
	for t, ps := range a {
		for p := range ps {
			if !b.has(t, p) {
				return false
			}
		}
	}
	return true
}

// sorted returns the partitions of a topic in order.
func sortedParts(ps map[int32]bool) []int32 {
	out := make([]int32, 0, len(ps))
	for p := range ps {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// byName turns an assignment into partitions by topic name.
func (a assignment) byName(ids map[topicID]string) map[string][]int32 {
	out := map[string][]int32{}
	for t, ps := range a {
		if len(ps) == 0 {
			continue
		}
		name, ok := ids[t]
		if !ok {
			continue
		}
		out[name] = sortedParts(ps)
	}
	return out
}

// consumerMember is one member of a consumer group.
type consumerMember struct {
	id         string
	instanceID string
	rackID     string
	clientID   string
	clientHost string

	epoch         int32
	previousEpoch int32
	state         memberState

	rebalanceTimeout time.Duration
	subscribedNames  []string // sorted
	subscribedRegex  string
	serverAssignor   string

	assigned          assignment // partitions the member owns
	pendingRevocation assignment // partitions it must give up first
	session           sessionRenewal
}

func (m *consumerMember) clone() *consumerMember {
	c := *m
	c.subscribedNames = append([]string(nil), m.subscribedNames...)
	c.assigned = m.assigned.clone()
	c.pendingRevocation = m.pendingRevocation.clone()
	return &c
}

// reconciledTo: the member is at epoch with nothing left to do.
func (m *consumerMember) reconciledTo(epoch int32) bool {
	return m.state == memberStable && m.epoch == epoch
}

// consumerGroup is a group using the consumer protocol.
type consumerGroup struct {
	s  *shard
	id string

	groupEpoch      int32
	assignmentEpoch int32
	// assignmentTime is when the target assignment was last computed;
	// zero before the first.
	assignmentTime time.Time
	members        map[string]*consumerMember
	static         map[string]string // instance id -> member id
	target         map[string]assignment
	// partitionEpochs is, per partition, the epoch of the member that
	// owns it (assigned or pending revocation); absent when free.
	partitionEpochs map[topicID]map[int32]int32
	// subscribed is the group's subscription metadata: every topic a
	// member subscribes to (by name or regex) with its partition count.
	// A change in it bumps the group epoch.
	subscribed map[string]TopicInfo
	// lastState is the state reported by the last event, to report
	// transitions.
	lastState string
}

// newConsumerGroup is a group no member has joined yet. As in Kafka 4.4
// (ModernGroup's constructor), its group epoch starts at 1, ahead of its
// target assignment epoch 0, so the first member's join bumps the group
// to epoch 2 and that member gets member epoch 2.
func newConsumerGroup(s *shard, id string) *consumerGroup {
	return &consumerGroup{
		s: s, id: id, groupEpoch: 1, members: map[string]*consumerMember{}, static: map[string]string{},
		target: map[string]assignment{}, partitionEpochs: map[topicID]map[int32]int32{},
		subscribed: map[string]TopicInfo{}, lastState: "Empty",
	}
}

func (s *shard) removeConsumerGroup(g *consumerGroup) {
	for id := range g.members {
		s.cancelConsumerTimers(g.id, id)
	}
	delete(s.groups, g.id)
}

func (g *consumerGroup) groupID() string { return g.id }
func (g *consumerGroup) groupType() Type { return Consumer }
func (g *consumerGroup) epoch() int32    { return g.groupEpoch }

// stateName: Empty without members, Assigning while the target assignment
// lags the group epoch, Reconciling while a member is not at the
// assignment epoch, else Stable.
func (g *consumerGroup) stateName() string {
	switch {
	case len(g.members) == 0:
		return "Empty"
	case g.groupEpoch > g.assignmentEpoch:
		return "Assigning"
	}
	for _, m := range g.members {
		if !m.reconciledTo(g.assignmentEpoch) {
			return "Reconciling"
		}
	}
	return "Stable"
}

func (g *consumerGroup) isEmpty() bool { return len(g.members) == 0 }

// sortedMembers returns the members by member id.
func (g *consumerGroup) sortedMembers() []*consumerMember {
	out := make([]*consumerMember, 0, len(g.members))
	for _, m := range g.members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// currentPartitionEpoch is the epoch of a partition's owner, -1 if free.
func (g *consumerGroup) currentPartitionEpoch(t topicID, p int32) int32 {
	if e, ok := g.partitionEpochs[t][p]; ok {
		return e
	}
	return -1
}

// updateMember stores a member's new state, keeping the partition owner
// epochs in step (old may be nil for a new member, m nil to remove).
func (g *consumerGroup) updateMember(old, m *consumerMember) {
	if old != nil {
		g.removePartitionEpochs(old.assigned, old.epoch)
		g.removePartitionEpochs(old.pendingRevocation, old.epoch)
		if old.instanceID != "" && g.static[old.instanceID] == old.id {
			delete(g.static, old.instanceID)
		}
		delete(g.members, old.id)
	}
	if m == nil {
		return
	}
	g.members[m.id] = m
	if m.instanceID != "" {
		g.static[m.instanceID] = m.id
	}
	g.addPartitionEpochs(m.assigned, m.epoch, m.id)
	g.addPartitionEpochs(m.pendingRevocation, m.epoch, m.id)
}

func (g *consumerGroup) removePartitionEpochs(a assignment, epoch int32) {
	for t, ps := range a {
		for p := range ps {
			if cur, ok := g.partitionEpochs[t][p]; ok && cur == epoch {
				delete(g.partitionEpochs[t], p)
			}
		}
		if len(g.partitionEpochs[t]) == 0 {
			delete(g.partitionEpochs, t)
		}
	}
}

func (g *consumerGroup) addPartitionEpochs(a assignment, epoch int32, memberID string) {
	for t, ps := range a {
		for p := range ps {
			if cur, ok := g.partitionEpochs[t][p]; ok {
				// Two owners at once would break the protocol's one
				// guarantee; it is a bug in gregor if it happens.
				g.s.c.logger.Error("partition assigned to two members", "group", g.id, "partition", p, "epoch", cur, "member", memberID)
			}
			if g.partitionEpochs[t] == nil {
				g.partitionEpochs[t] = map[int32]int32{}
			}
			g.partitionEpochs[t][p] = epoch
		}
	}
}

// subscribedTopicNames are the topics any member subscribes to by name or
// by regex, resolved against the current topics.
func (g *consumerGroup) isSubscribedTo(topic string) bool {
	_, ok := g.subscribed[topic]
	return ok
}

func (g *consumerGroup) validateOffsetCommit(c commitIdentity) error {
	if c.generation < 0 && len(g.members) == 0 {
		return nil
	}
	m := g.members[c.memberID]
	if m == nil {
		return kafkaerr.New(kerr.UnknownMemberID, "member %q is not a member of group %s", c.memberID, g.id)
	}
	if c.transactional {
		if c.generation != m.epoch {
			return kafkaerr.New(kerr.IllegalGeneration, "the received member epoch %d does not match the expected member epoch %d", c.generation, m.epoch)
		}
		return nil
	}
	if c.version < 9 {
		return kafkaerr.New(kerr.UnsupportedVersion, "OffsetCommit version 9 or above must be used by members using the consumer group protocol")
	}
	if c.generation != m.epoch {
		return kafkaerr.New(kerr.StaleMemberEpoch, "the received member epoch %d does not match the expected member epoch %d", c.generation, m.epoch)
	}
	return nil
}

func (g *consumerGroup) validateOffsetFetch(memberID *string, memberEpoch int32) error {
	if memberID == nil && memberEpoch < 0 {
		return nil
	}
	id := ""
	if memberID != nil {
		id = *memberID
	}
	m := g.members[id]
	if m == nil {
		return kafkaerr.New(kerr.UnknownMemberID, "member %q is not a member of group %s", id, g.id)
	}
	if memberEpoch != m.epoch {
		return kafkaerr.New(kerr.StaleMemberEpoch, "the received member epoch %d does not match the expected member epoch %d", memberEpoch, m.epoch)
	}
	return nil
}

func (g *consumerGroup) validateOffsetDelete() error { return nil }

func (g *consumerGroup) validateDelete() error {
	if len(g.members) > 0 {
		return kafkaerr.New(kerr.NonEmptyGroup, "the group %s is not empty", g.id)
	}
	return nil
}

// expiryBase: a consumer group's offsets of topics it does not subscribe
// to expire offsets.retention.minutes after their commit.
func (g *consumerGroup) expiryBase(o offsetEntry) (int64, bool) { return o.commitTimestamp, true }

// unload: a consumer group parks no requests.
func (g *consumerGroup) unload() {}

// preferredAssignor is the server assignor most members ask for (ties to
// the name first in alphabetical order), or the configured default.
func (g *consumerGroup) preferredAssignor(def string) string {
	counts := map[string]int{}
	for _, m := range g.members {
		if m.serverAssignor != "" {
			counts[m.serverAssignor]++
		}
	}
	best, n := def, 0
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if counts[name] > n {
			best, n = name, counts[name]
		}
	}
	return best
}

func (g *consumerGroup) describe() Description {
	ids := topicNamesByID(g.s.c.topics())
	d := Description{Group: g.id, Type: Consumer, State: g.stateName(), ProtocolType: "consumer",
		Protocol: g.preferredAssignor(g.s.c.cfg.ConsumerAssignors[0]), Generation: g.groupEpoch}
	for _, m := range g.sortedMembers() {
		md := MemberDescription{MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID, ClientHost: m.clientHost,
			Assignment: m.assigned.byName(ids), MemberEpoch: m.epoch, Subscribed: g.memberTopics(m)}
		m.session.describe(&md)
		if len(m.pendingRevocation) > 0 {
			md.Revoking = m.pendingRevocation.byName(ids)
		}
		d.Members = append(d.Members, md)
	}
	return d
}

// topicNamesByID indexes a topics snapshot by topic id.
func topicNamesByID(t Topics) map[topicID]string {
	out := make(map[topicID]string, len(t))
	for name, ti := range t {
		out[ti.ID] = name
	}
	return out
}
