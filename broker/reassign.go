package broker

import (
	"slices"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Partition reassignment (KIP-455), as KRaft's ReplicationControlManager
// runs it. Moving a partition from replicas {1,2,3} to {2,3,4} happens in
// two metadata changes, never one, so that no acknowledged record is ever
// on fewer replicas than the ISR promised:
//
//	AlterPartitionReassignments(target [2 3 4])
//	    replicas [2 3 4 1]  adding [4]  removing [1]  isr [1 2 3]
//	        broker 4 opens an empty replica and copies from the leader,
//	        as any follower does (fetcher.go)
//	broker 4 catches up; the leader proposes isr [1 2 3 4] (AlterPartition)
//	    every target replica is in sync, so the same change completes the
//	    move: replicas [2 3 4]  isr [2 3 4]  adding []  removing []
//	        broker 1 deletes its replica; had it led, the first in-sync
//	        target replica (2) would lead now, in a new leader epoch
//
// While the move runs, replicas is the target followed by the replicas
// being removed, and Metadata, DescribeTopicPartitions and ListPartition-
// Reassignments all show that intermediate state. A replica that only
// leaves (target {2,3}) or a target that merely reorders the replicas
// completes at once. Cancelling (null replicas) reverts to the original
// replicas: the adding ones are dropped, from the ISR too. The
// reassignment state is part of the metadata image, so it is saved with
// the cluster metadata and a restarted cluster carries on with the move.

// assignment is a partition's replica list with its reassignment state,
// after Kafka's PartitionReassignmentReplicas.
type assignment struct {
	replicas []int32
	adding   []int32
	removing []int32
}

// newAssignment is the assignment that moves a partition from its
// current replicas to target: the target replicas first (the first is the
// preferred leader), then the current ones being removed, in broker id
// order as Kafka lists them.
func newAssignment(current, target []int32) assignment {
	a := assignment{replicas: slices.Clone(target)}
	for _, r := range current {
		if !slices.Contains(target, r) {
			a.removing = append(a.removing, r)
		}
	}
	slices.Sort(a.removing)
	for _, r := range target {
		if !slices.Contains(current, r) {
			a.adding = append(a.adding, r)
		}
	}
	slices.Sort(a.adding)
	a.replicas = append(a.replicas, a.removing...)
	return a
}

func (a assignment) inProgress() bool { return len(a.adding) > 0 || len(a.removing) > 0 }

// complete returns the finished assignment and ISR if isr allows the
// reassignment to finish: without the removing replicas the ISR must
// still be non-empty and hold every remaining replica
// (PartitionReassignmentReplicas.maybeCompleteReassignment).
func (a assignment) complete(isr []int32) (assignment, []int32, bool) {
	if !a.inProgress() {
		return a, nil, false
	}
	out := func(r int32) bool { return slices.Contains(a.removing, r) }
	newISR := slices.DeleteFunc(slices.Clone(isr), out)
	replicas := slices.DeleteFunc(slices.Clone(a.replicas), out)
	if len(newISR) == 0 || len(replicas) == 0 || !containsAll(newISR, replicas) {
		return a, nil, false
	}
	return assignment{replicas: replicas}, newISR, true
}

// original returns the replicas before the reassignment: all of them
// without the adding ones.
func (a assignment) original() []int32 {
	return slices.DeleteFunc(slices.Clone(a.replicas), func(r int32) bool { return slices.Contains(a.adding, r) })
}

func (p *partitionImage) assignment() assignment {
	return assignment{replicas: p.replicas, adding: p.adding, removing: p.removing}
}

func (p *partitionImage) reassigning() bool { return p.assignment().inProgress() }

// replicationFactor is the number of replicas the partition is meant to
// have: during a reassignment, the original replicas' count, so that the
// adding replicas still copying do not make it under-replicated (Kafka's
// OngoingReassignmentState.replicationFactor).
func (p *partitionImage) replicationFactor() int { return len(p.replicas) - len(p.adding) }

// reassignment is one partition of an AlterPartitionReassignments
// request: a target replica list, or nil to cancel.
type reassignment struct {
	topic     string
	partition int32
	replicas  []int32 // nil: cancel the reassignment in progress
}

// alterPartitionReassignments starts, changes or cancels reassignments
// and returns, per item, nil or its Kafka error. allowRFChange is
// AllowReplicationFactorChange (v1+, KIP-860): when false a target whose
// size differs from the partition's replication factor is refused.
// Successful items are published together, in one new image.
func (ctl *controller) alterPartitionReassignments(items []reassignment, allowRFChange bool) []error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	next := im.clone()
	changed := map[string]*topicImage{}
	errs := make([]error, len(items))
	for i, it := range items {
		t := changed[it.topic]
		if t == nil {
			t = next.topics[it.topic]
		}
		if t == nil {
			errs[i] = kafkaerr.New(kerr.UnknownTopicOrPartition, "Unable to find a topic named %s.", it.topic)
			continue
		}
		if it.partition < 0 || int(it.partition) >= len(t.partitions) {
			errs[i] = kafkaerr.New(kerr.UnknownTopicOrPartition, "Unable to find partition %s:%d.", it.topic, it.partition)
			continue
		}
		p := t.partitions[it.partition]
		var np *partitionImage
		var ok bool
		if it.replicas == nil {
			np, ok, errs[i] = ctl.cancelReassignment(im, t, it.partition, p)
		} else {
			np, ok, errs[i] = ctl.changeReassignment(im, t, p, it.replicas, allowRFChange)
		}
		if errs[i] != nil || !ok {
			continue
		}
		if changed[it.topic] == nil {
			t = t.clone()
			changed[it.topic] = t
		}
		t.partitions[it.partition] = np
		ctl.logReassignment(it, p, np)
	}
	if len(changed) == 0 {
		return errs
	}
	for _, t := range changed {
		next.putTopic(t)
	}
	if err := ctl.publish(next); err != nil {
		ctl.cluster.logger.Error("publishing reassignments failed", "error", err)
	}
	return errs
}

// changeReassignment validates a target as Kafka's
// validateManualPartitionAssignment does and returns the partition with
// the reassignment under way (or already complete).
func (ctl *controller) changeReassignment(im *image, t *topicImage, p *partitionImage, target []int32, allowRFChange bool) (*partitionImage, bool, error) {
	if len(target) == 0 {
		return nil, false, kafkaerr.New(kerr.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
	}
	sorted := slices.Sorted(slices.Values(target))
	for i, id := range sorted {
		if im.brokers[id] == nil {
			return nil, false, kafkaerr.New(kerr.InvalidReplicaAssignment, "The manual partition assignment includes broker %d, but no such broker is registered.", id)
		}
		if i > 0 && sorted[i-1] == id {
			return nil, false, kafkaerr.New(kerr.InvalidReplicaAssignment, "The manual partition assignment includes the broker %d more than once.", id)
		}
	}
	if !allowRFChange {
		rf := len(p.replicas)
		if p.reassigning() {
			rf = len(p.replicas) - len(p.removing)
		}
		if rf != len(target) {
			return nil, false, kafkaerr.New(kerr.InvalidReplicationFactor, "The replication factor is changed from %d to %d", rf, len(target))
		}
	}
	a := newAssignment(p.replicas, target)
	np, ok := changePartition(im, p, partitionChange{removeBroker: -1, addBroker: -1, reassign: &a})
	return np, ok, nil
}

// cancelReassignment reverts a reassignment in progress, after Kafka's
// PartitionReassignmentRevert: the original replicas come back and the
// adding ones leave the ISR. If only adding replicas were in sync, the
// revert needs an unclean election (the first original replica becomes
// the ISR), which only unclean.leader.election.enable permits.
func (ctl *controller) cancelReassignment(im *image, t *topicImage, index int32, p *partitionImage) (*partitionImage, bool, error) {
	a := p.assignment()
	if !a.inProgress() {
		return nil, false, kafkaerr.New(kerr.NoReassignmentInProgress, "%s", kerr.NoReassignmentInProgress.Description)
	}
	original := a.original()
	isr := slices.DeleteFunc(slices.Clone(p.isr), func(r int32) bool { return slices.Contains(a.adding, r) })
	unclean := ctl.uncleanAllowed(t)
	if len(isr) == 0 {
		if !unclean {
			return nil, false, kafkaerr.New(kerr.InvalidReplicaAssignment, "Unable to revert partition assignment for %s:%d because it would require an unclean leader election.", t.name, index)
		}
		isr = []int32{original[0]}
	}
	np, ok := changePartition(im, p, partitionChange{removeBroker: -1, addBroker: -1, targetISR: isr, unclean: unclean,
		reassign: &assignment{replicas: original}})
	return np, ok, nil
}

func (ctl *controller) logReassignment(it reassignment, old, next *partitionImage) {
	action := "partition reassignment started"
	switch {
	case it.replicas == nil:
		action = "partition reassignment cancelled"
	case !next.reassigning():
		action = "partition reassignment completed"
	}
	ctl.cluster.logger.Info(action, "topic", it.topic, "partition", it.partition,
		"old_replicas", old.replicas, "replicas", next.replicas, "adding", next.adding, "removing", next.removing,
		"isr", next.isr, "leader", next.leader, "leader_epoch", next.leaderEpoch)
	ctl.logPartitionChange("partition reassignment", it.topic, it.partition, old, next)
}

// ongoingReassignment is one partition's reassignment in progress, as
// ListPartitionReassignments reports it.
type ongoingReassignment struct {
	topic     string
	partition int32
	assignment
}

// listReassignments returns the reassignments in progress: of every
// topic when topics is nil, else of the named partitions (unknown topics
// and partitions, and those not reassigning, are left out, as Kafka does).
func (im *image) listReassignments(topics map[string][]int32) []ongoingReassignment {
	var out []ongoingReassignment
	for _, t := range im.sortedTopics() {
		parts, named := topics[t.name]
		if topics != nil && !named {
			continue
		}
		if topics == nil {
			for i := range t.partitions {
				parts = append(parts, int32(i))
			}
		}
		for _, i := range parts {
			if i < 0 || int(i) >= len(t.partitions) || !t.partitions[i].reassigning() {
				continue
			}
			p := t.partitions[i]
			out = append(out, ongoingReassignment{topic: t.name, partition: i,
				assignment: assignment{replicas: slices.Clone(p.replicas), adding: slices.Clone(p.adding), removing: slices.Clone(p.removing)}})
		}
	}
	return out
}
