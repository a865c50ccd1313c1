package group

// JoinGroup: a consumer asks to be in the group for the next generation.
//
// A rebalance starts when a member joins, rejoins with new metadata,
// leaves or dies. The coordinator then waits (the join phase, state
// PreparingRebalance) until every known member has sent JoinGroup again,
// or until the rebalance timeout (the largest max.poll.interval.ms of the
// members) has passed, whichever comes first; members that did not rejoin
// in time are removed. Then it starts a new generation: it picks the
// protocol (assignor) every member supports with the most votes, answers
// every parked JoinGroup with the generation id, and gives the leader the
// list of members with their subscriptions, so that the leader can compute
// the assignment and send it in SyncGroup.
//
// The first join of an empty group waits group.initial.rebalance.delay.ms
// (extended, up to the rebalance timeout, each time another member
// arrives) so that a group whose consumers all start together forms in
// one rebalance instead of one per consumer.
//
// Member ids: from JoinGroup v4 a new member without an id is given one
// and told MEMBER_ID_REQUIRED, and joins again with it (KIP-394); the
// coordinator can then recognise the member if its connection drops and
// it retries. A static member (group.instance.id, KIP-345) that joins
// again after a restart takes over its previous member id's place without
// a rebalance, and a second process with the same instance id fences the
// first (FENCED_INSTANCE_ID).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// JoinGroup handles a JoinGroup request. It returns when the join phase
// ends for this member (or at once on an error); the error is the
// request context's when the connection went away first.
func (c *Coordinator) JoinGroup(ctx context.Context, client Client, req *kmsg.JoinGroupRequest) (*kmsg.JoinGroupResponse, error) {
	return wait(ctx, c.startJoinGroup(client, req))
}

// startJoinGroup runs the JoinGroup operation and returns the channel its
// answer arrives on: at once, or when the join phase ends.
func (c *Coordinator) startJoinGroup(client Client, req *kmsg.JoinGroupRequest) <-chan *kmsg.JoinGroupResponse {
	ch := make(chan *kmsg.JoinGroupResponse, 1)
	fail := func(code *kerr.Error) <-chan *kmsg.JoinGroupResponse {
		ch <- joinError(req.MemberID, code)
		return ch
	}
	if req.Group == "" {
		return fail(kerr.InvalidGroupID)
	}
	session := time.Duration(req.SessionTimeoutMillis) * time.Millisecond
	if session < c.cfg.MinSessionTimeout || session > c.cfg.MaxSessionTimeout {
		return fail(kerr.InvalidSessionTimeout)
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		return fail(kerrOf(err))
	}
	if err := s.do(func() { s.joinGroup(client, req, ch) }); err != nil {
		return fail(kerrOf(err))
	}
	return ch
}

// kerrOf is the Kafka error an internal error carries.
func kerrOf(err error) *kerr.Error {
	var k *kerr.Error
	if errors.As(err, &k) {
		return k
	}
	return kerr.UnknownServerError
}

// joinRequest is a JoinGroup request's fields, normalised across versions.
type joinRequest struct {
	memberID         string
	instanceID       string
	protocolType     string
	protocols        []kmsg.JoinGroupRequestProtocol
	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	reason           string
	version          int16
}

func (s *shard) joinGroup(client Client, req *kmsg.JoinGroupRequest, ch chan *kmsg.JoinGroupResponse) {
	jr := joinRequest{
		memberID: req.MemberID, protocolType: req.ProtocolType, protocols: req.Protocols,
		sessionTimeout:   time.Duration(req.SessionTimeoutMillis) * time.Millisecond,
		rebalanceTimeout: time.Duration(req.RebalanceTimeoutMillis) * time.Millisecond,
		version:          req.Version,
	}
	if req.Version == 0 {
		// v0 has no rebalance timeout: the session timeout serves as both.
		jr.rebalanceTimeout = jr.sessionTimeout
	}
	if req.InstanceID != nil {
		jr.instanceID = *req.InstanceID
	}
	if req.Reason != nil {
		jr.reason = *req.Reason
	}
	if jr.reason == "" {
		jr.reason = "not provided"
	}

	g0 := s.groups[req.Group]
	if g0 != nil && g0.groupType() != Classic {
		if !g0.isEmpty() {
			// Kafka lets classic members join a consumer group through the
			// migration path (group.consumer.migration.policy); gregor
			// keeps the two protocols in separate groups.
			ch <- joinError(jr.memberID, kerr.InconsistentGroupProtocol)
			return
		}
		delete(s.groups, req.Group)
		g0 = nil
	}
	var g *classicGroup
	if g0 != nil {
		g = g0.(*classicGroup)
	}
	unknown := jr.memberID == ""
	if g == nil {
		if !unknown {
			// A member id for a group that does not exist: the group was
			// deleted or moved; make the client start over.
			ch <- joinError(jr.memberID, kerr.UnknownMemberID)
			return
		}
		g = newClassicGroup(s, req.Group)
		s.groups[req.Group] = g
	}
	if !s.acceptJoiningMember(g, jr.memberID) {
		g.remove(jr.memberID)
		s.cancel(heartbeatKey(g.id, jr.memberID))
		ch <- joinError("", kerr.GroupMaxSizeReached)
		return
	}
	if unknown {
		s.joinNewMember(client, g, jr, ch)
	} else {
		s.joinExistingMember(client, g, jr, ch)
	}
}

// acceptJoiningMember enforces group.max.size. During a join phase, the
// members already parked in it are always accepted and new ones only
// while fewer than the maximum are parked, so that when a smaller maximum
// was configured the last members to rejoin are the ones turned away.
func (s *shard) acceptJoiningMember(g *classicGroup, memberID string) bool {
	max := s.c.cfg.MaxSize
	switch g.state {
	case stateEmpty, stateDead:
		return true
	case statePreparingRebalance:
		if m := g.members[memberID]; m != nil && m.awaitingJoin() {
			return true
		}
		return g.awaitingJoin < max
	default:
		return g.members[memberID] != nil || len(g.members) < max
	}
}

func (s *shard) joinNewMember(client Client, g *classicGroup, jr joinRequest, ch chan *kmsg.JoinGroupResponse) {
	if g.state == stateDead {
		ch <- joinError("", kerr.CoordinatorNotAvailable)
		return
	}
	if !g.supportsProtocols(jr.protocolType, jr.protocols) {
		ch <- joinError("", kerr.InconsistentGroupProtocol)
		return
	}
	prefix := client.ID
	if jr.instanceID != "" {
		prefix = jr.instanceID
	}
	newID := s.c.newMemberID(prefix)
	if jr.instanceID != "" {
		if old, ok := g.static[jr.instanceID]; ok {
			s.replaceStaticMember(client, g, jr, old, newID, ch)
			return
		}
		s.addMemberAndRebalance(client, g, jr, newID, ch)
		return
	}
	if jr.version >= 4 {
		// KIP-394: hand out the id and wait for the member to join with it.
		// An id that is never used expires after the session timeout.
		g.pendingJoin[newID] = true
		s.schedule(heartbeatKey(g.id, newID), jr.sessionTimeout, func() { s.expireHeartbeat(g.id, newID) })
		r := joinError(newID, kerr.MemberIDRequired)
		ch <- r
		return
	}
	s.addMemberAndRebalance(client, g, jr, newID, ch)
}

func (s *shard) joinExistingMember(client Client, g *classicGroup, jr joinRequest, ch chan *kmsg.JoinGroupResponse) {
	switch {
	case g.state == stateDead:
		ch <- joinError(jr.memberID, kerr.CoordinatorNotAvailable)
		return
	case !g.supportsProtocols(jr.protocolType, jr.protocols):
		ch <- joinError(jr.memberID, kerr.InconsistentGroupProtocol)
		return
	case g.pendingJoin[jr.memberID]:
		// The second JoinGroup of KIP-394: the member now has an id.
		s.addMemberAndRebalance(client, g, jr, jr.memberID, ch)
		return
	}
	if err := g.validateMember(jr.memberID, jr.instanceID); err != nil {
		ch <- joinError(jr.memberID, kerrOf(err))
		return
	}
	m := g.members[jr.memberID]
	switch g.state {
	case statePreparingRebalance:
		s.updateMemberAndRebalance(g, m, jr, ch, fmt.Sprintf("member %s is joining during %s; client reason: %s", m.id, g.state, jr.reason))
	case stateCompletingRebalance:
		if m.matches(jr.protocols) {
			// The member lost the JoinGroup response; repeat it.
			ch <- s.joinResponse(g, m, false)
			return
		}
		s.updateMemberAndRebalance(g, m, jr, ch, fmt.Sprintf("updating metadata for member %s during %s; client reason: %s", m.id, g.state, jr.reason))
	case stateStable:
		if g.leader == m.id {
			// The leader rejoins to make the group reassign, for example
			// because the topics it subscribes to changed.
			s.updateMemberAndRebalance(g, m, jr, ch, fmt.Sprintf("leader %s re-joining group during %s; client reason: %s", m.id, g.state, jr.reason))
			return
		}
		if !m.matches(jr.protocols) {
			s.updateMemberAndRebalance(g, m, jr, ch, fmt.Sprintf("updating metadata for member %s during %s; client reason: %s", m.id, g.state, jr.reason))
			return
		}
		// A follower with unchanged metadata: tell it the current
		// generation so it can SyncGroup for its assignment.
		ch <- s.joinResponse(g, m, false)
	default:
		ch <- joinError(jr.memberID, kerr.UnknownMemberID)
	}
}

// joinResponse is the JoinGroup answer for a member of the current
// generation; the leader also gets every member's subscription.
func (s *shard) joinResponse(g *classicGroup, m *classicMember, skipAssignment bool) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.MemberID = m.id
	r.Generation = g.generation
	pt, pn := g.protocolType, g.protocolName
	r.ProtocolType, r.Protocol = &pt, &pn
	r.LeaderID = g.leader
	r.SkipAssignment = skipAssignment
	if g.leader == m.id {
		r.Members = g.joinMembers()
	}
	return r
}

func (g *classicGroup) joinMembers() []kmsg.JoinGroupResponseMember {
	out := make([]kmsg.JoinGroupResponseMember, 0, len(g.members))
	for _, m := range g.memberList() {
		jm := kmsg.NewJoinGroupResponseMember()
		jm.MemberID = m.id
		if m.instanceID != "" {
			id := m.instanceID
			jm.InstanceID = &id
		}
		jm.ProtocolMetadata = m.metadataFor(g.protocolName)
		out = append(out, jm)
	}
	return out
}

func (s *shard) addMemberAndRebalance(client Client, g *classicGroup, jr joinRequest, memberID string, ch chan *kmsg.JoinGroupResponse) {
	m := &classicMember{
		id: memberID, instanceID: jr.instanceID, clientID: client.ID, clientHost: client.Host,
		rebalanceTimeout: jr.rebalanceTimeout, sessionTimeout: jr.sessionTimeout,
		protocolType: jr.protocolType, protocols: jr.protocols, joinVersion: jr.version, isNew: true,
	}
	if g.state == statePreparingRebalance && g.prevState == stateEmpty {
		g.newMemberAdded = true
	}
	g.add(m, ch)
	s.emit(Event{Type: EventMemberJoined, Group: g.id, Member: m.id, InstanceID: m.instanceID, ClientID: m.clientID,
		Reason: jr.reason})
	// A new member cannot heartbeat while its JoinGroup is parked, and a
	// client that gave up on it would leave a ghost member behind; so its
	// join expires after NewMemberJoinTimeout unless the phase ends first.
	s.rescheduleHeartbeat(g, m, s.c.cfg.NewMemberJoinTimeout)
	reason := "adding new member " + m.id
	if m.instanceID != "" {
		reason += " with group instance id " + m.instanceID
	}
	s.maybePrepareRebalanceOrCompleteJoin(g, reason+"; client reason: "+jr.reason)
}

func (s *shard) updateMemberAndRebalance(g *classicGroup, m *classicMember, jr joinRequest, ch chan *kmsg.JoinGroupResponse, reason string) {
	g.updateMember(m, jr.protocols, jr.rebalanceTimeout, jr.sessionTimeout, ch, jr.version)
	s.maybePrepareRebalanceOrCompleteJoin(g, reason)
}

// replaceStaticMember handles a static member that joins without a member
// id while its instance id is already in the group: the process restarted
// (or a second one started). The new member id replaces the old one; a
// request the old id still has parked is answered FENCED_INSTANCE_ID.
// In a stable group whose protocol choice does not change this is no
// rebalance at all: the member gets the old member's assignment.
func (s *shard) replaceStaticMember(client Client, g *classicGroup, jr joinRequest, oldID, newID string, ch chan *kmsg.JoinGroupResponse) {
	old := g.members[oldID]
	s.fenceStaticMember(g, old)
	m := s.swapStaticMember(g, old, newID, jr.instanceID)
	prev := memberJoinSettings{protocols: m.protocols, rebalance: m.rebalanceTimeout, session: m.sessionTimeout}
	g.updateMember(m, jr.protocols, jr.rebalanceTimeout, jr.sessionTimeout, ch, jr.version)
	switch g.state {
	case stateStable:
		if g.protocolName == g.selectProtocol() {
			s.rejoinWithoutRebalance(client, g, jr, old, m, prev)
			return
		}
		s.maybePrepareRebalanceOrCompleteJoin(g, fmt.Sprintf("group's selected protocol will change because static member %s with instance id %s joined with a change of protocol; client reason: %s", newID, jr.instanceID, jr.reason))
	case stateCompletingRebalance:
		// The leader may already be assigning with the old member id,
		// which would leave the new id without partitions: rebalance.
		s.prepareRebalance(g, fmt.Sprintf("updating metadata for static member %s with instance id %s; client reason: %s", newID, jr.instanceID, jr.reason))
	default:
		s.maybeCompleteJoinPhase(g)
	}
}

// memberJoinSettings is what a JoinGroup updates in a member, kept to undo
// the update.
type memberJoinSettings struct {
	protocols          []kmsg.JoinGroupRequestProtocol
	rebalance, session time.Duration
}

// fenceStaticMember answers the old member id's parked JoinGroup and
// SyncGroup with FENCED_INSTANCE_ID and stops its session timer.
func (s *shard) fenceStaticMember(g *classicGroup, old *classicMember) {
	fencedJoin := joinError(old.id, kerr.FencedInstanceID)
	fencedJoin.Generation = -1
	g.answerJoin(old, fencedJoin)
	g.answerSync(old, syncError(kerr.FencedInstanceID))
	s.cancel(heartbeatKey(g.id, old.id))
}

// swapStaticMember puts a member with the new id in the old member's
// place: its position in the join order, its leadership, its instance id
// and its assignment.
func (s *shard) swapStaticMember(g *classicGroup, old *classicMember, newID, instanceID string) *classicMember {
	m := &classicMember{
		id: newID, instanceID: old.instanceID, clientID: old.clientID, clientHost: old.clientHost,
		rebalanceTimeout: old.rebalanceTimeout, sessionTimeout: old.sessionTimeout,
		protocolType: old.protocolType, protocols: old.protocols, assignment: old.assignment,
	}
	g.addSupported(old, -1)
	if old.awaitingJoin() {
		g.awaitingJoin--
	}
	delete(g.members, old.id)
	delete(g.pendingSync, old.id)
	g.members[newID] = m
	g.addSupported(m, 1)
	g.renameMember(old.id, newID)
	g.static[instanceID] = newID
	s.emit(Event{Type: EventMemberFenced, Group: g.id, Member: old.id, InstanceID: instanceID, ClientID: old.clientID,
		Reason: fmt.Sprintf("static member %s rejoined as %s", instanceID, newID)})
	s.rescheduleHeartbeat(g, m, m.sessionTimeout)
	return m
}

// renameMember replaces a member id in the join order and as leader.
func (g *classicGroup) renameMember(from, to string) {
	for i, id := range g.order {
		if id == from {
			g.order[i] = to
		}
	}
	if g.leader == from {
		g.leader = to
	}
}

// rejoinWithoutRebalance persists the new member id of a static member
// that rejoined a stable group, then answers its JoinGroup with the
// current generation; if the write fails the swap is undone.
func (s *shard) rejoinWithoutRebalance(client Client, g *classicGroup, jr joinRequest, old, m *classicMember, prev memberJoinSettings) {
	assignment := map[string][]byte{}
	for _, mm := range g.members {
		assignment[mm.id] = mm.assignment
	}
	s.write([]logRecord{groupMetadataRecord(g, assignment)}, nil, func(err error) {
		if err != nil {
			s.revertStaticMember(g, jr, old, m, prev, err)
			return
		}
		var resp *kmsg.JoinGroupResponse
		if jr.version >= 9 {
			// KIP-814: the static leader learns it leads but skips
			// computing an assignment the group would not use.
			resp = s.joinResponse(g, m, g.leader == m.id)
		} else {
			resp = s.joinResponse(g, m, false)
			resp.Members = nil
			resp.LeaderID = g.leader
		}
		g.answerJoin(m, resp)
		s.emit(Event{Type: EventStaticMemberRejoined, Group: g.id, Member: m.id, InstanceID: jr.instanceID, ClientID: client.ID,
			Generation: g.generation, Assignments: g.assignments(), Reason: "static member rejoined a stable group without a rebalance"})
	})
}

// revertStaticMember puts the old member id back, as Kafka does when the
// write of the new one fails, and answers the join with the write's
// error if nothing answered it meanwhile.
func (s *shard) revertStaticMember(g *classicGroup, jr joinRequest, old, m *classicMember, prev memberJoinSettings, err error) {
	answer := m.joinCh
	g.updateMember(m, prev.protocols, prev.rebalance, prev.session, nil, jr.version)
	g.members[old.id] = old
	delete(g.members, m.id)
	g.renameMember(m.id, old.id)
	g.static[jr.instanceID] = old.id
	s.rescheduleHeartbeat(g, old, old.sessionTimeout)
	if answer != nil {
		r := joinError("", kerrOf(err))
		r.Generation = g.generation
		answer <- r
	}
}
