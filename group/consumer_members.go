package group

// Consumer group membership: subscriptions, target assignments, leaving
// and fencing, and the member timers.

import (
	"fmt"
	"sort"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// memberTopics are the existing topics a member subscribes to, by name
// or through its regex, sorted. As in Kafka's
// GroupMetadataManager.refreshRegularExpressions, a regex is matched
// against every topic, internal ones included: a regex that names
// __consumer_offsets gets its partitions.
func (g *consumerGroup) memberTopics(m *consumerMember) []string {
	topics := g.s.c.topics()
	set := map[string]bool{}
	for _, name := range m.subscribedNames {
		if _, ok := topics[name]; ok {
			set[name] = true
		}
	}
	if m.subscribedRegex != "" {
		if re, err := compileTopicRegex(m.subscribedRegex); err == nil {
			for name := range topics {
				if re.MatchString(name) {
					set[name] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for name := range set {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// subscriptionMetadata is every topic the members subscribe to, with its
// id and partition count.
func (g *consumerGroup) subscriptionMetadata(topics Topics) map[string]TopicInfo {
	out := map[string]TopicInfo{}
	for _, m := range g.members {
		for _, name := range g.memberTopics(m) {
			out[name] = topics[name]
		}
	}
	return out
}

func sameTopics(a, b map[string]TopicInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for name, t := range a {
		if u, ok := b[name]; !ok || u != t {
			return false
		}
	}
	return true
}

// canComputeTargetAssignment reports whether a new target assignment
// may be computed now: none was computed yet, the interval is 0, or
// group.consumer.assignment.interval.ms has passed since the last one
// (Kafka's GroupMetadataManager.canComputeNextTargetAssignment). Until
// then a group epoch bump leaves the group Assigning: batching the joins
// and leaves of a burst into one assignor run is what the interval is
// for.
func (s *shard) canComputeTargetAssignment(g *consumerGroup) bool {
	interval := s.c.cfg.ConsumerAssignmentInterval
	return g.assignmentTime.IsZero() || interval == 0 || !s.now().Before(g.assignmentTime.Add(interval))
}

// computeTargetAssignment runs the group's server assignor for the
// current group epoch.
func (s *shard) computeTargetAssignment(g *consumerGroup) {
	spec := assignorSpec{partitions: map[topicID]int32{}, names: map[topicID]string{}}
	for name, t := range g.subscribed {
		spec.partitions[t.ID] = t.Partitions
		spec.names[t.ID] = name
	}
	for _, m := range g.sortedMembers() {
		am := assignorMember{id: m.id, instanceID: m.instanceID, current: g.target[m.id]}
		for _, name := range g.memberTopics(m) {
			if t, ok := g.subscribed[name]; ok {
				am.topics = append(am.topics, t.ID)
			}
		}
		spec.members = append(spec.members, am)
	}
	name := g.preferredAssignor(s.c.cfg.ConsumerAssignors[0])
	a := assignorByName(name)
	if a == nil {
		a = assignorByName(s.c.cfg.ConsumerAssignors[0])
	}
	g.target = a.assign(spec)
	g.assignmentEpoch = g.groupEpoch
	g.assignmentTime = s.now()
	ids := topicNamesByID(s.c.topics())
	targets := map[string]map[string][]int32{}
	for id, t := range g.target {
		targets[id] = t.byName(ids)
	}
	s.emit(Event{Type: EventTargetAssignment, Group: g.id, Generation: g.groupEpoch, Protocol: a.name(), Assignments: targets,
		Reason: fmt.Sprintf("computed with the %s assignor for %d members", a.name(), len(g.members))})
}

// onMemberReconciled reports a member's step and arms or disarms its
// rebalance timeout: a member asked to revoke partitions must do so
// within its rebalance timeout or be fenced.
func (s *shard) onMemberReconciled(g *consumerGroup, before, after *consumerMember) {
	ids := topicNamesByID(s.c.topics())
	e := Event{Type: EventMemberReconciled, Group: g.id, Member: after.id, InstanceID: after.instanceID, ClientID: after.clientID,
		MemberEpoch: after.epoch, Assignments: map[string]map[string][]int32{after.id: after.assigned.byName(ids)},
		Reason: "member state " + after.state.String()}
	if len(after.pendingRevocation) > 0 {
		e.Revoking = after.pendingRevocation.byName(ids)
	}
	if after.state != before.state || after.epoch != before.epoch || !after.assigned.equal(before.assigned) {
		s.emit(e)
	}
	if after.state == memberUnrevokedPartitions {
		gid, mid, epoch := g.id, after.id, after.epoch
		s.schedule(rebalanceKey(gid, mid), after.rebalanceTimeout, func() {
			cg, ok := s.groups[gid].(*consumerGroup)
			if !ok {
				return
			}
			if m := cg.members[mid]; m != nil && m.epoch == epoch {
				s.fenceMember(cg, m, EventMemberEvicted, fmt.Sprintf("did not revoke its partitions within the rebalance timeout (epoch %d)", epoch))
				s.reportConsumerState(cg)
			}
		})
	} else {
		s.cancel(rebalanceKey(g.id, after.id))
	}
}

// scheduleSession (re)arms a member's session timeout.
func (s *shard) scheduleSession(groupID, memberID string) {
	if g, ok := s.groups[groupID].(*consumerGroup); ok && g.members[memberID] != nil {
		s.renewSession(&g.members[memberID].session)
	}
	s.schedule(sessionKey(groupID, memberID), s.c.cfg.ConsumerSessionTimeout, func() {
		g, ok := s.groups[groupID].(*consumerGroup)
		if !ok {
			return
		}
		if m := g.members[memberID]; m != nil {
			s.fenceMember(g, m, EventMemberEvicted, "session timeout expired (no heartbeat within group.consumer.session.timeout.ms)")
			s.reportConsumerState(g)
		}
	})
}

func (s *shard) cancelConsumerTimers(groupID, memberID string) {
	s.cancel(sessionKey(groupID, memberID))
	s.cancel(rebalanceKey(groupID, memberID))
}

// fenceMember removes a member (it left, or its session or rebalance
// timeout expired): its partitions become free and the group epoch moves
// on so the others are reassigned.
func (s *shard) fenceMember(g *consumerGroup, m *consumerMember, ev EventType, reason string) {
	s.cancelConsumerTimers(g.id, m.id)
	g.updateMember(m, nil)
	delete(g.target, m.id)
	g.subscribed = g.subscriptionMetadata(s.c.topics())
	g.groupEpoch++
	s.emit(Event{Type: ev, Group: g.id, Member: m.id, InstanceID: m.instanceID, ClientID: m.clientID, MemberEpoch: m.epoch, Reason: reason})
}

// consumerLeave handles a heartbeat with epoch -1 (leave) or -2 (a static
// member leaving for a restart, which keeps its place and partitions
// until it returns or its session expires).
func (s *shard) consumerLeave(req *kmsg.ConsumerGroupHeartbeatRequest) (*kmsg.ConsumerGroupHeartbeatResponse, error) {
	g, ok := s.groups[req.Group].(*consumerGroup)
	if !ok {
		return nil, kafkaerr.New(kerr.GroupIDNotFound, "consumer group %s not found", req.Group)
	}
	resp := kmsg.NewPtrConsumerGroupHeartbeatResponse()
	memberID := req.MemberID
	resp.MemberID, resp.MemberEpoch = &memberID, req.MemberEpoch
	if req.InstanceID == nil {
		m := g.members[req.MemberID]
		if m == nil {
			return nil, kafkaerr.New(kerr.UnknownMemberID, "member %s is not a member of group %s", req.MemberID, g.id)
		}
		s.fenceMember(g, m, EventMemberLeft, "left the group (heartbeat with epoch -1)")
		return resp, nil
	}
	m := g.members[g.static[*req.InstanceID]]
	if m == nil {
		return nil, kafkaerr.New(kerr.UnknownMemberID, "instance id %s is unknown", *req.InstanceID)
	}
	if m.id != req.MemberID {
		return nil, kafkaerr.New(kerr.FencedInstanceID, "static member %s with instance id %s was fenced by member %s", req.MemberID, *req.InstanceID, m.id)
	}
	if req.MemberEpoch == staticLeaveEpoch {
		left := m.clone()
		left.epoch = staticLeaveEpoch
		left.pendingRevocation = assignment{}
		g.updateMember(m, left)
		s.emit(Event{Type: EventMemberLeft, Group: g.id, Member: m.id, InstanceID: m.instanceID, ClientID: m.clientID,
			MemberEpoch: staticLeaveEpoch, Reason: "static member left temporarily (epoch -2); it keeps its partitions until it rejoins or its session expires"})
		resp.MemberEpoch = staticLeaveEpoch
		return resp, nil
	}
	s.fenceMember(g, m, EventMemberLeft, "static member left the group (heartbeat with epoch -1)")
	return resp, nil
}

// reportConsumerState emits GroupEmpty or Stable when the group reaches
// those states.
func (s *shard) reportConsumerState(g *consumerGroup) {
	st := g.stateName()
	if st == g.lastState {
		return
	}
	g.lastState = st
	switch st {
	case "Empty":
		s.emit(Event{Type: EventGroupEmpty, Group: g.id, Reason: "the last member left"})
	case "Stable":
		ids := topicNamesByID(s.c.topics())
		as := map[string]map[string][]int32{}
		var members []MemberSummary
		for _, m := range g.sortedMembers() {
			as[m.id] = m.assigned.byName(ids)
			members = append(members, MemberSummary{MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID})
		}
		s.emit(Event{Type: EventStable, Group: g.id, Protocol: g.preferredAssignor(s.c.cfg.ConsumerAssignors[0]), Assignments: as, Members: members})
	}
}
