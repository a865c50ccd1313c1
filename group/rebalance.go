package group

// The rebalance of a classic group: the join phase (PreparingRebalance)
// and the move to a new generation. Timer keys follow Kafka's:
// join-<group> bounds the join phase, sync-<group> the wait for every
// member's SyncGroup, heartbeat-<group>-<member> each member's session.

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func joinKey(groupID string) string { return "join-" + groupID }
func syncKey(groupID string) string { return "sync-" + groupID }
func heartbeatKey(groupID, memberID string) string {
	return "heartbeat-" + groupID + "-" + memberID
}

// maybePrepareRebalanceOrCompleteJoin starts a rebalance if the group is
// not in one, or else checks whether the join phase can end now.
func (s *shard) maybePrepareRebalanceOrCompleteJoin(g *classicGroup, reason string) {
	if g.canRebalance() {
		s.prepareRebalance(g, reason)
		return
	}
	s.maybeCompleteJoinPhase(g)
}

// prepareRebalance enters PreparingRebalance. Members waiting for their
// SyncGroup answer are told REBALANCE_IN_PROGRESS so that they rejoin.
func (s *shard) prepareRebalance(g *classicGroup, reason string) {
	if g.state == stateCompletingRebalance {
		s.resetAndPropagateAssignmentWithError(g, kerr.RebalanceInProgress)
	}
	g.pendingSync = map[string]bool{}
	s.cancel(syncKey(g.id))
	initial := g.state == stateEmpty
	if initial {
		// A new group waits group.initial.rebalance.delay.ms for more
		// members, then completes (or waits again if more came).
		delay := s.c.cfg.InitialRebalanceDelay
		remaining := max(g.rebalanceTimeout()-delay, 0)
		s.schedule(joinKey(g.id), delay, func() { s.tryCompleteInitialRebalance(g.id, delay, remaining) })
	}
	g.transition(statePreparingRebalance)
	s.emit(Event{Type: EventRebalanceStarted, Group: g.id, Generation: g.generation, Reason: reason})
	s.c.logger.Info("preparing to rebalance group", "group", g.id, "generation", g.generation, "reason", reason)
	if !initial {
		s.maybeCompleteJoinElseSchedule(g)
	}
}

func (s *shard) maybeCompleteJoinElseSchedule(g *classicGroup) {
	if g.hasAllMembersJoined() {
		s.completeJoinPhase(g)
		return
	}
	s.schedule(joinKey(g.id), g.rebalanceTimeout(), func() { s.completeJoinPhaseByID(g.id) })
}

func (s *shard) tryCompleteInitialRebalance(groupID string, delay, remaining time.Duration) {
	g, ok := s.groups[groupID].(*classicGroup)
	if !ok {
		return
	}
	if g.newMemberAdded && remaining > 0 {
		g.newMemberAdded = false
		next := min(s.c.cfg.InitialRebalanceDelay, remaining)
		left := max(remaining-delay, 0)
		s.schedule(joinKey(g.id), next, func() { s.tryCompleteInitialRebalance(groupID, next, left) })
		return
	}
	s.completeJoinPhase(g)
}

// maybeCompleteJoinPhase ends the join phase once every member has
// rejoined, except during the initial delay of a new group.
func (s *shard) maybeCompleteJoinPhase(g *classicGroup) {
	if g.state != statePreparingRebalance || g.prevState == stateEmpty || !g.hasAllMembersJoined() {
		return
	}
	s.completeJoinPhase(g)
}

func (s *shard) completeJoinPhaseByID(groupID string) {
	if g, ok := s.groups[groupID].(*classicGroup); ok {
		s.completeJoinPhase(g)
	}
}

// completeJoinPhase ends the join phase (Kafka's onCompleteJoin):
// dynamic members that did not rejoin are removed, the generation
// advances, and every parked JoinGroup is answered (the leader with the
// members' subscriptions). An empty group writes its new generation to
// the log; a non-empty one now waits for the leader's SyncGroup
// (CompletingRebalance).
func (s *shard) completeJoinPhase(g *classicGroup) {
	if g.state != statePreparingRebalance {
		return
	}
	s.cancel(joinKey(g.id))
	for _, m := range g.memberList() {
		if !m.awaitingJoin() && m.instanceID == "" {
			g.remove(m.id)
			s.cancel(heartbeatKey(g.id, m.id))
			s.emit(Event{Type: EventMemberEvicted, Group: g.id, Member: m.id, ClientID: m.clientID,
				Reason: "did not rejoin before the rebalance timeout"})
		}
	}
	if !s.electJoinedLeader(g) && len(g.members) > 0 {
		// Nobody rejoined: wait another rebalance timeout, until the
		// session timeouts remove the silent members.
		s.c.logger.Warn("group could not complete rebalance because no members rejoined", "group", g.id)
		s.schedule(joinKey(g.id), g.rebalanceTimeout(), func() { s.completeJoinPhaseByID(g.id) })
		return
	}
	g.initNextGeneration()
	if g.state == stateEmpty {
		s.emit(Event{Type: EventGroupEmpty, Group: g.id, Generation: g.generation, Reason: "no members left after the join phase"})
		s.write([]logRecord{groupMetadataRecord(g, nil)}, nil, func(err error) {
			if err != nil {
				s.c.logger.Warn("failed to write empty group metadata", "group", g.id, "error", err)
			}
		})
		return
	}
	s.emit(Event{Type: EventGenerationStarted, Group: g.id, Generation: g.generation, Protocol: g.protocolName,
		Leader: g.leader, Members: g.memberSummaries()})
	s.c.logger.Info("group completed join phase", "group", g.id, "generation", g.generation, "members", len(g.members), "protocol", g.protocolName)
	for _, m := range g.memberList() {
		g.answerJoin(m, s.joinResponse(g, m, false))
		s.rescheduleHeartbeat(g, m, m.sessionTimeout)
		m.isNew = false
		g.pendingSync[m.id] = true
	}
	gen := g.generation
	s.schedule(syncKey(g.id), g.rebalanceTimeout(), func() { s.expirePendingSync(g.id, gen) })
}

// electJoinedLeader keeps the leader if it rejoined, else makes the first
// rejoined member leader; false when nobody rejoined.
func (s *shard) electJoinedLeader(g *classicGroup) bool {
	if g.leader == "" {
		return false
	}
	if l := g.members[g.leader]; l != nil && l.awaitingJoin() {
		return true
	}
	for _, m := range g.memberList() {
		if m.awaitingJoin() {
			g.leader = m.id
			return true
		}
	}
	return false
}

// expirePendingSync removes the members of a generation that never sent
// SyncGroup within the rebalance timeout, and rebalances without them.
func (s *shard) expirePendingSync(groupID string, generation int32) {
	g, ok := s.groups[groupID].(*classicGroup)
	if !ok || g.generation != generation {
		return
	}
	if (g.state != stateCompletingRebalance && g.state != stateStable) || len(g.pendingSync) == 0 {
		return
	}
	var gone []string
	for _, id := range g.order {
		if g.pendingSync[id] {
			gone = append(gone, id)
		}
	}
	for _, id := range gone {
		m := g.members[id]
		g.remove(id)
		s.cancel(heartbeatKey(g.id, id))
		s.emit(Event{Type: EventMemberEvicted, Group: g.id, Member: id, ClientID: m.clientID,
			Reason: "did not send SyncGroup before the rebalance timeout"})
	}
	s.prepareRebalance(g, fmt.Sprintf("removing %v on pending sync request expiration", gone))
}

// resetAndPropagateAssignmentWithError answers every parked SyncGroup
// with err and clears the assignments (a rebalance started, or the
// assignment could not be stored).
func (s *shard) resetAndPropagateAssignmentWithError(g *classicGroup, err *kerr.Error) {
	for _, m := range g.members {
		m.assignment = nil
	}
	s.propagateAssignment(g, err)
}

// propagateAssignment answers every parked SyncGroup with the member's
// assignment (or err).
func (s *shard) propagateAssignment(g *classicGroup, err *kerr.Error) {
	for _, m := range g.memberList() {
		r := kmsg.NewPtrSyncGroupResponse()
		if err != nil {
			r.ErrorCode = err.Code
		} else {
			pt, pn := g.protocolType, g.protocolName
			r.ProtocolType, r.Protocol = &pt, &pn
		}
		r.MemberAssignment = m.assignment
		if r.MemberAssignment == nil {
			r.MemberAssignment = []byte{}
		}
		if g.answerSync(m, r) {
			// The session restarts once a member has its assignment:
			// expirations while it waited for the leader are ignored.
			s.rescheduleHeartbeat(g, m, m.sessionTimeout)
		}
	}
}
