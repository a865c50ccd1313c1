package group

// LeaveGroup: members leaving on purpose (a consumer closing cleanly)
// are removed at once and the group rebalances without waiting for their
// session to time out. From v3 one request can remove several members,
// and an admin can remove a static member by its group.instance.id alone
// (KIP-345), which is the only way a static member leaves: the clients
// do not send LeaveGroup for static members on close, so that a restart
// does not rebalance.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// LeaveGroup handles a LeaveGroup request.
func (c *Coordinator) LeaveGroup(ctx context.Context, req *kmsg.LeaveGroupRequest) *kmsg.LeaveGroupResponse {
	resp := req.ResponseKind().(*kmsg.LeaveGroupResponse)
	members := req.Members
	if req.Version < 3 {
		m := kmsg.NewLeaveGroupRequestMember()
		m.MemberID = req.MemberID
		members = []kmsg.LeaveGroupRequestMember{m}
	}
	finish := func(top *kerr.Error, results []kmsg.LeaveGroupResponseMember) *kmsg.LeaveGroupResponse {
		if top != nil {
			resp.ErrorCode = top.Code
		}
		if req.Version >= 3 {
			if top == nil {
				resp.Members = results
			}
			return resp
		}
		// Before v3 only a top-level error exists: the member's.
		if top == nil {
			for _, r := range results {
				if r.ErrorCode != 0 {
					resp.ErrorCode = r.ErrorCode
					break
				}
			}
		}
		return resp
	}
	if req.Group == "" {
		return finish(kerr.InvalidGroupID, nil)
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		return finish(kerrOf(err), nil)
	}
	var top *kerr.Error
	var results []kmsg.LeaveGroupResponseMember
	err = s.do(func() { top, results = s.leaveGroup(req.Group, members) })
	if err != nil {
		return finish(kerrOf(err), nil)
	}
	return finish(top, results)
}

func (s *shard) leaveGroup(groupID string, members []kmsg.LeaveGroupRequestMember) (*kerr.Error, []kmsg.LeaveGroupResponseMember) {
	g0 := s.groups[groupID]
	g, ok := g0.(*classicGroup)
	if g0 == nil || !ok {
		// Group not found: every member is unknown.
		var out []kmsg.LeaveGroupResponseMember
		for _, m := range members {
			out = append(out, leaveResult(m, kerr.UnknownMemberID))
		}
		return nil, out
	}
	if g.state == stateDead {
		return kerr.CoordinatorNotAvailable, nil
	}
	var out []kmsg.LeaveGroupResponseMember
	left := 0
	for _, lm := range members {
		reason := "not provided"
		if lm.Reason != nil {
			reason = *lm.Reason
		}
		instanceID := ""
		if lm.InstanceID != nil {
			instanceID = *lm.InstanceID
		}
		switch {
		case lm.MemberID == "":
			// Removal by group.instance.id alone (admin tools).
			id, ok := g.static[instanceID]
			if instanceID == "" || !ok {
				out = append(out, leaveResult(lm, kerr.UnknownMemberID))
				continue
			}
			s.removeLeavingMember(g, g.members[id], reason)
			left++
			out = append(out, leaveResult(lm, nil))
		case g.pendingJoin[lm.MemberID]:
			g.remove(lm.MemberID)
			s.cancel(heartbeatKey(g.id, lm.MemberID))
			left++
			out = append(out, leaveResult(lm, nil))
		default:
			if err := g.validateMember(lm.MemberID, instanceID); err != nil {
				out = append(out, leaveResult(lm, kerrOf(err)))
				continue
			}
			s.removeLeavingMember(g, g.members[lm.MemberID], reason)
			left++
			out = append(out, leaveResult(lm, nil))
		}
	}
	if left > 0 {
		switch g.state {
		case stateStable, stateCompletingRebalance:
			s.maybePrepareRebalanceOrCompleteJoin(g, "explicit LeaveGroup request")
		case statePreparingRebalance:
			s.maybeCompleteJoinPhase(g)
		}
	}
	return nil, out
}

func (s *shard) removeLeavingMember(g *classicGroup, m *classicMember, reason string) {
	s.cancel(heartbeatKey(g.id, m.id))
	g.answerJoin(m, joinError("", kerr.UnknownMemberID))
	g.remove(m.id)
	s.emit(Event{Type: EventMemberLeft, Group: g.id, Member: m.id, InstanceID: m.instanceID, ClientID: m.clientID,
		Generation: g.generation, Reason: "LeaveGroup; client reason: " + reason})
}

func leaveResult(m kmsg.LeaveGroupRequestMember, err *kerr.Error) kmsg.LeaveGroupResponseMember {
	r := kmsg.NewLeaveGroupResponseMember()
	r.MemberID, r.InstanceID = m.MemberID, m.InstanceID
	if err != nil {
		r.ErrorCode = err.Code
	}
	return r
}
