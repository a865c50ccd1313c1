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
//   - Every leader change bumps the leader epoch; every change at all
//     bumps the partition epoch.

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
	valid := func(r int32) bool { return slices.Contains(isr, r) && acceptable(r) }

	leader := int32(-1)
	switch {
	case ch.election == electPreferred && len(p.replicas) > 0 && valid(p.replicas[0]):
		leader = p.replicas[0]
	case valid(p.leader):
		leader = p.leader
	default:
		for _, r := range p.replicas {
			if valid(r) {
				leader = r
				break
			}
		}
	}
	if leader == -1 && ch.unclean {
		for _, r := range p.replicas {
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
	if leader != p.leader {
		next.leaderEpoch++
	}
	changed := leader != p.leader || !slices.Equal(isr, p.isr)
	if changed {
		next.partitionEpoch++
	}
	return next, changed
}
