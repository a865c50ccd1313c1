package group

// Heartbeat: a member tells the coordinator it is alive, every
// heartbeat.interval.ms, from a background thread of the client (KIP-62).
// Each heartbeat (and each JoinGroup, SyncGroup and OffsetCommit of the
// member) pushes the member's deadline session.timeout.ms into the
// future; when a deadline passes the member is evicted and the group
// rebalances. The answer is also how members learn of a rebalance: while
// the group is PreparingRebalance heartbeats get REBALANCE_IN_PROGRESS,
// and the member rejoins.
//
// The deadline is a timer on the cluster clock, so with a manual clock a
// test evicts a silent member by advancing past session.timeout.ms.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Heartbeat handles a classic group Heartbeat request.
func (c *Coordinator) Heartbeat(ctx context.Context, req *kmsg.HeartbeatRequest) *kmsg.HeartbeatResponse {
	resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
	if req.Group == "" {
		resp.ErrorCode = kerr.InvalidGroupID.Code
		return resp
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		resp.ErrorCode = kerrOf(err).Code
		return resp
	}
	err = s.do(func() {
		if e := s.heartbeat(req); e != nil {
			resp.ErrorCode = e.Code
		}
	})
	if err != nil {
		resp.ErrorCode = kerrOf(err).Code
		if resp.ErrorCode == kerr.CoordinatorLoadInProgress.Code {
			// Kafka answers heartbeats blindly while the group loads.
			resp.ErrorCode = 0
		}
	}
	return resp
}

func (s *shard) heartbeat(req *kmsg.HeartbeatRequest) *kerr.Error {
	g0 := s.groups[req.Group]
	if g0 == nil {
		return kerr.UnknownMemberID
	}
	g, ok := g0.(*classicGroup)
	if !ok {
		// Classic members in a consumer group are not supported (see
		// JoinGroup), so nobody can heartbeat one this way.
		return kerr.UnknownMemberID
	}
	if err := g.validateGenerationMember(req.MemberID, req.InstanceID, req.Generation); err != nil {
		return err
	}
	m := g.members[req.MemberID]
	switch g.state {
	case stateEmpty:
		return kerr.UnknownMemberID
	case statePreparingRebalance:
		s.rescheduleHeartbeat(g, m, m.sessionTimeout)
		return kerr.RebalanceInProgress
	default:
		// Members may heartbeat between their JoinGroup and SyncGroup
		// answers (CompletingRebalance): that is a normal heartbeat.
		s.rescheduleHeartbeat(g, m, m.sessionTimeout)
		return nil
	}
}

// rescheduleHeartbeat moves a member's session deadline to d from now.
func (s *shard) rescheduleHeartbeat(g *classicGroup, m *classicMember, d time.Duration) {
	groupID, memberID := g.id, m.id
	s.renewSession(&m.session)
	s.schedule(heartbeatKey(groupID, memberID), d, func() { s.expireHeartbeat(groupID, memberID) })
}

// expireHeartbeat runs when a member's session deadline passes: a member
// id that was handed out but never used is forgotten; a member that is
// not parked in a rebalance is evicted.
func (s *shard) expireHeartbeat(groupID, memberID string) {
	g, ok := s.groups[groupID].(*classicGroup)
	if !ok || g.state == stateDead {
		return
	}
	if g.pendingJoin[memberID] {
		g.remove(memberID)
		s.c.logger.Info("pending member removed after session timeout", "group", groupID, "member", memberID)
		if g.state == statePreparingRebalance && g.hasAllMembersJoined() {
			s.completeJoinPhase(g)
		}
		return
	}
	m := g.members[memberID]
	if m == nil || m.hasSatisfiedHeartbeat() {
		return
	}
	reason := "session timeout expired (no heartbeat within session.timeout.ms)"
	if m.isNew {
		reason = "new member's JoinGroup timed out"
	}
	s.removeMemberAndUpdateGroup(g, m, reason, EventMemberEvicted)
}

// removeMemberAndUpdateGroup removes a member that failed or left and
// moves the group on: a rebalance from Stable or CompletingRebalance, or
// the end of a join phase that was only waiting for this member.
func (s *shard) removeMemberAndUpdateGroup(g *classicGroup, m *classicMember, reason string, ev EventType) {
	// A member removed while its JoinGroup is parked is told to rejoin.
	g.answerJoin(m, joinError("", kerr.UnknownMemberID))
	g.remove(m.id)
	s.cancel(heartbeatKey(g.id, m.id))
	s.emit(Event{Type: ev, Group: g.id, Member: m.id, InstanceID: m.instanceID, ClientID: m.clientID, Generation: g.generation, Reason: reason})
	switch g.state {
	case stateStable, stateCompletingRebalance:
		s.maybePrepareRebalanceOrCompleteJoin(g, "removing member "+m.id+": "+reason)
	case statePreparingRebalance:
		if g.hasAllMembersJoined() {
			s.completeJoinPhase(g)
		}
	}
}
