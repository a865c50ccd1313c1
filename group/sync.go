package group

// SyncGroup: after the join phase every member asks for its assignment.
// The leader's request carries the assignment it computed for every
// member (with the client-side assignor the group selected: range,
// round-robin, sticky, cooperative-sticky); the coordinator stores it in
// __consumer_offsets with the generation, then answers every member with
// its own part and the group becomes Stable. Followers that ask before
// the leader are parked until then.
//
// Checks: the member must be in the group (UNKNOWN_MEMBER_ID), hold its
// instance id (FENCED_INSTANCE_ID) and be of the current generation
// (ILLEGAL_GENERATION); from v5 the protocol type and name must match
// the group's (INCONSISTENT_GROUP_PROTOCOL); during a new join phase the
// answer is REBALANCE_IN_PROGRESS.

import (
	"context"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SyncGroup handles a SyncGroup request, returning when the member's
// assignment is known.
func (c *Coordinator) SyncGroup(ctx context.Context, req *kmsg.SyncGroupRequest) (*kmsg.SyncGroupResponse, error) {
	return wait(ctx, c.startSyncGroup(req))
}

// startSyncGroup runs the SyncGroup operation and returns the channel its
// answer arrives on: at once, or when the leader's assignment is stored.
func (c *Coordinator) startSyncGroup(req *kmsg.SyncGroupRequest) <-chan *kmsg.SyncGroupResponse {
	ch := make(chan *kmsg.SyncGroupResponse, 1)
	fail := func(code *kerr.Error) <-chan *kmsg.SyncGroupResponse {
		ch <- syncError(code)
		return ch
	}
	if req.Group == "" {
		return fail(kerr.InvalidGroupID)
	}
	if req.Version >= 5 && (req.ProtocolType == nil || req.Protocol == nil) {
		return fail(kerr.InconsistentGroupProtocol)
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		return fail(kerrOf(err))
	}
	if err := s.do(func() { s.syncGroup(req, ch) }); err != nil {
		return fail(kerrOf(err))
	}
	return ch
}

func (s *shard) syncGroup(req *kmsg.SyncGroupRequest, ch chan *kmsg.SyncGroupResponse) {
	g0 := s.groups[req.Group]
	g, ok := g0.(*classicGroup)
	if g0 == nil || g0.isEmpty() || !ok {
		ch <- syncError(kerr.UnknownMemberID)
		return
	}
	if err := s.validateSync(g, req); err != nil {
		ch <- syncError(err)
		return
	}
	m := g.members[req.MemberID]
	switch g.state {
	case statePreparingRebalance:
		ch <- syncError(kerr.RebalanceInProgress)
	case stateCompletingRebalance:
		m.syncCh = ch
		s.removePendingSync(g, m.id)
		if g.leader != m.id {
			return
		}
		assignment := map[string][]byte{}
		for _, a := range req.GroupAssignment {
			assignment[a.MemberID] = a.MemberAssignment
		}
		for _, mm := range g.members {
			if _, ok := assignment[mm.id]; !ok {
				assignment[mm.id] = []byte{}
			}
		}
		gen := g.generation
		s.write([]logRecord{groupMetadataRecord(g, assignment)}, nil, func(err error) {
			// Another member may have joined while the write was in
			// flight; then this assignment is stale and dropped.
			if g.state != stateCompletingRebalance || g.generation != gen {
				return
			}
			if err != nil {
				s.resetAndPropagateAssignmentWithError(g, kerrOf(err))
				s.maybePrepareRebalanceOrCompleteJoin(g, "error "+kafkaerr.NameOf(kerrOf(err))+" when storing group assignment during SyncGroup")
				return
			}
			for _, mm := range g.members {
				mm.assignment = assignment[mm.id]
			}
			s.propagateAssignment(g, nil)
			g.transition(stateStable)
			s.emit(Event{Type: EventStable, Group: g.id, Generation: g.generation, Protocol: g.protocolName,
				Leader: g.leader, Assignments: g.assignments(), Members: g.memberSummaries()})
		})
	case stateStable:
		s.removePendingSync(g, m.id)
		r := kmsg.NewPtrSyncGroupResponse()
		pt, pn := g.protocolType, g.protocolName
		r.ProtocolType, r.Protocol = &pt, &pn
		r.MemberAssignment = m.assignment
		if r.MemberAssignment == nil {
			r.MemberAssignment = []byte{}
		}
		ch <- r
	default:
		ch <- syncError(kerr.CoordinatorNotAvailable)
	}
}

func (s *shard) validateSync(g *classicGroup, req *kmsg.SyncGroupRequest) *kerr.Error {
	if err := g.validateGenerationMember(req.MemberID, req.InstanceID, req.Generation); err != nil {
		return err
	}
	if inconsistent(req.ProtocolType, g.protocolType) || inconsistent(req.Protocol, g.protocolName) {
		return kerr.InconsistentGroupProtocol
	}
	return nil
}

func inconsistent(requested *string, group string) bool {
	return requested != nil && group != "" && *requested != group
}

func (s *shard) removePendingSync(g *classicGroup, memberID string) {
	delete(g.pendingSync, memberID)
	switch g.state {
	case stateCompletingRebalance, stateStable:
		if len(g.pendingSync) == 0 {
			s.cancel(syncKey(g.id))
		}
	default:
		s.cancel(syncKey(g.id))
	}
}
