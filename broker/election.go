package broker

import (
	"slices"
)

// Leader election, after KRaft's PartitionChangeBuilder.
//
// Every change to a partition's registration goes through one function,
// so the rules are in one place:
//
//   - The ISR never becomes empty. Removing its last member leaves it in
//     (the partition then has no leader until that broker comes back):
//     the last in-sync replica is the only one known to have every
//     acknowledged record.
//   - The current leader stays leader while it is in the ISR and its
//     broker is live; otherwise the first replica, in assignment order,
//     that is in the ISR and live becomes leader. The first replica of the
//     assignment is the "preferred" leader, so leadership returns to it
//     whenever a preferred election runs.
//   - With unclean.leader.election.enable=true and no live ISR member,
//     any live replica may lead, and the ISR is reset to it alone:
//     whatever it lacks is lost. Without it the partition stays offline.
//   - A reassignment (reassign.go) completes inside the same change as
//     soon as the ISR holds every target replica: the replicas being
//     removed leave the assignment and the ISR, and if the leader was one
//     of them the first in-sync target replica takes over.
//   - Every leader change bumps the leader epoch, and so does a change
//     that removes replicas from the assignment (PartitionChangeBuilder's
//     bump for reassignments): the remaining replicas start a new term
//     without the removed ones. Every change at all bumps the partition
//     epoch.

// electionKind selects how the leader is chosen.
type electionKind int

const (
	electAny       electionKind = iota // keep the leader if valid, else the first valid replica
	electPreferred                     // move to the first replica if it is valid
)

// partitionChange describes a change to apply to a partition.
type partitionChange struct {
	removeBroker int32   // fenced or shutting down: out of the ISR, never leader; -1 for none
	addBroker    int32   // being unfenced: an acceptable leader; -1 for none
	targetISR    []int32 // nil: the current ISR (without removeBroker)
	election     electionKind
	unclean      bool // unclean.leader.election.enable for this topic
	// reassign, when set, replaces the assignment and its reassignment
	// state (AlterPartitionReassignments); nil keeps them.
	reassign *assignment
}

// changePartition returns the partition after the change, and whether it
// changed at all.
func changePartition(im *image, p *partitionImage, ch partitionChange) (*partitionImage, bool) {
	acceptable := func(r int32) bool {
		if r == ch.removeBroker {
			return false
		}
		if r == ch.addBroker {
			return true
		}
		b := im.brokers[r]
		return b != nil && !b.fenced
	}
	isr := ch.targetISR
	if isr == nil {
		isr = p.isr
	}
	isr = slices.DeleteFunc(slices.Clone(isr), func(r int32) bool { return r == ch.removeBroker })
	if len(isr) == 0 {
		isr = slices.Clone(p.isr)
	}
	target := assignment{replicas: p.replicas, adding: p.adding, removing: p.removing}
	if ch.reassign != nil {
		target = *ch.reassign
	}
	if done, doneISR, ok := target.complete(isr); ok {
		target, isr = done, doneISR
	}
	replicas := target.replicas
	valid := func(r int32) bool { return slices.Contains(isr, r) && acceptable(r) }

	leader := int32(-1)
	switch {
	case ch.election == electPreferred && len(replicas) > 0 && valid(replicas[0]):
		leader = replicas[0]
	case valid(p.leader):
		leader = p.leader
	default:
		for _, r := range replicas {
			if valid(r) {
				leader = r
				break
			}
		}
	}
	if leader == -1 && ch.unclean {
		for _, r := range replicas {
			if acceptable(r) {
				leader = r
				isr = []int32{r}
				break
			}
		}
	}
	next := p.clone()
	next.isr = isr
	next.leader = leader
	next.replicas = slices.Clone(replicas)
	next.adding = slices.Clone(target.adding)
	next.removing = slices.Clone(target.removing)
	if leader != p.leader || !containsAll(replicas, p.replicas) {
		next.leaderEpoch++
	}
	changed := leader != p.leader || !slices.Equal(isr, p.isr) || !slices.Equal(replicas, p.replicas) ||
		!slices.Equal(target.adding, p.adding) || !slices.Equal(target.removing, p.removing)
	if changed {
		next.partitionEpoch++
	}
	return next, changed
}

// containsAll reports whether every member of sub is in set.
func containsAll(set, sub []int32) bool {
	for _, r := range sub {
		if !slices.Contains(set, r) {
			return false
		}
	}
	return true
}
