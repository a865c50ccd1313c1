package group

// Reconciliation: how a consumer-protocol member moves from what it owns
// to its share of the target assignment without two members ever owning
// the same partition (Kafka's CurrentAssignmentBuilder).
//
//	            target epoch moves on
//	  +--------+ ---------------------------> +----------------------+
//	  | STABLE |   it must give up partitions | UNREVOKED_PARTITIONS |
//	  +--------+ <--------------------------- +----------------------+
//	     ^  |     it stopped reporting them     (still at its epoch; a
//	     |  |     as owned: next epoch          rebalance timeout runs)
//	     |  | some of its new partitions
//	     |  v are still owned by others
//	  +-----------------------+
//	  | UNRELEASED_PARTITIONS |  (at the new epoch; gets them as their
//	  +-----------------------+   owners release them)
//
// The member learns its assignment from the heartbeat response; it
// confirms a revocation by leaving the partitions out of the owned
// partitions of its next heartbeat.

// reconcile computes the member's next state towards the target
// assignment of targetEpoch. owned is what the member reported owning in
// this heartbeat (nil: not reported, so revocations cannot be confirmed).
func (g *consumerGroup) reconcile(m *consumerMember, targetEpoch int32, target assignment, owned assignment) *consumerMember {
	switch m.state {
	case memberStable:
		if m.epoch != targetEpoch {
			return g.nextAssignment(m, m.epoch, m.assigned, targetEpoch, target, owned)
		}
		return m
	case memberUnrevokedPartitions:
		if ownsAnyOf(owned, m.pendingRevocation) {
			return m
		}
		// Everything pending revocation is released: the member moves to
		// the next epoch and towards the latest target.
		return g.nextAssignment(m, m.epoch+1, m.assigned, targetEpoch, target, owned)
	default: // memberUnreleasedPartitions
		return g.nextAssignment(m, m.epoch, m.assigned, targetEpoch, target, owned)
	}
}

// ownsAnyOf reports whether the owned partitions include any of revoked.
// Partitions not reported (owned nil) are assumed still owned.
func ownsAnyOf(owned, revoked assignment) bool {
	if owned == nil {
		return true
	}
	for t, ps := range owned {
		for p := range ps {
			if revoked.has(t, p) {
				return true
			}
		}
	}
	return false
}

func (g *consumerGroup) nextAssignment(m *consumerMember, epoch int32, current assignment, targetEpoch int32, target assignment, owned assignment) *consumerMember {
	assigned, revoking, pending := assignment{}, assignment{}, assignment{}
	unreleased := false
	topics := map[topicID]bool{}
	for t := range target {
		topics[t] = true
	}
	for t := range current {
		topics[t] = true
	}
	for t := range topics {
		for p := range current[t] {
			if target.has(t, p) {
				// Kept: in both the current and the target assignment.
				assigned.add(t, p)
			} else {
				revoking.add(t, p)
			}
		}
		for p := range target[t] {
			if current.has(t, p) {
				continue
			}
			if g.currentPartitionEpoch(t, p) != -1 {
				// Still owned by another member: not yet.
				unreleased = true
				continue
			}
			pending.add(t, p)
		}
	}
	next := m.clone()
	if len(revoking) > 0 && ownsAnyOf(owned, revoking) {
		// First the member gives up what moves away, at its epoch.
		next.state = memberUnrevokedPartitions
		next.setEpoch(epoch)
		next.assigned = assigned
		next.pendingRevocation = revoking
		return next
	}
	for t, ps := range pending {
		for p := range ps {
			assigned.add(t, p)
		}
	}
	next.state = memberStable
	if unreleased {
		next.state = memberUnreleasedPartitions
	}
	next.setEpoch(targetEpoch)
	next.assigned = assigned
	next.pendingRevocation = assignment{}
	return next
}

// setEpoch moves the member to epoch e, remembering the one it had: a
// member whose response with the new epoch got lost may still heartbeat
// with the previous one.
func (m *consumerMember) setEpoch(e int32) {
	m.previousEpoch, m.epoch = m.epoch, e
}
