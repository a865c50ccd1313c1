package broker

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// Placement and leadership from Go: create a topic with the replicas of
// each partition chosen by hand (as kafka-topics.sh
// --replica-assignment does), move leadership to a chosen replica, and
// wait until a partition's leader is the one a test expects.

// TopicAssignment creates a topic when the cluster starts (unless the data
// directory already holds it) with an explicit replica assignment:
// assignment[p] lists the brokers holding partition p, the first being its
// preferred leader. Every partition needs the same number of distinct
// replicas, all existing brokers, as CreateTopics' assignments do; the
// cluster refuses to start otherwise. configs are topic configs by Kafka
// name.
func TopicAssignment(name string, assignment [][]int32, configs map[string]string) Option {
	return func(o *options) error {
		if len(assignment) == 0 {
			return fmt.Errorf("topic %q: the assignment must list at least one partition", name)
		}
		a := make([][]int32, len(assignment))
		for p, replicas := range assignment {
			if len(replicas) == 0 {
				return fmt.Errorf("topic %q: partition %d has no replicas", name, p)
			}
			a[p] = slices.Clone(replicas)
		}
		o.topics = append(o.topics, seedTopic{name: name, partitions: -1, replicationFactor: -1, assignment: a, configs: maps.Clone(configs)})
		return nil
	}
}

// ElectLeader makes brokerID the leader of topic-partition, as a
// controller does when it elects a replica (KRaft's
// PartitionChangeBuilder with a chosen target), bumping the leader epoch.
// It returns once every running broker has applied the change; the new
// leader may still be catching up its followers' positions, so a test that
// then produces with acks=all needs no further wait.
//
// The replica must be on a running, unfenced broker and in the ISR: only an
// in-sync replica has every acknowledged record, so Kafka never elects
// another one cleanly. The single exception is Kafka's unclean election:
// when the topic has unclean.leader.election.enable=true and no ISR member
// is live (the partition is offline), an out-of-sync replica may be
// elected, and the ISR is reset to it alone; what it lacks is lost.
// Electing the current leader does nothing.
//
// Leadership chosen this way lasts until the next change: a fenced leader
// is replaced as usual, and with auto.leader.rebalance.enable (Kafka's
// default) the controller moves leadership back to the preferred replica
// every leader.imbalance.check.interval.seconds on the cluster clock.
func (c *Cluster) ElectLeader(topic string, partition, brokerID int32) error {
	if _, err := c.replicaBroker(topic, partition, brokerID); err != nil {
		return err
	}
	return c.ctl.electLeader(topic, partition, brokerID)
}

func (ctl *controller) electLeader(topic string, partition, id int32) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	t := im.topics[topic]
	if t == nil || int(partition) >= len(t.partitions) {
		return fmt.Errorf("topic %q has no partition %d", topic, partition)
	}
	p := t.partitions[partition]
	if p.leader == id {
		return nil
	}
	if b := im.brokers[id]; b == nil || b.fenced {
		return fmt.Errorf("cannot elect broker %d leader of %s-%d: the broker is fenced (not running)", id, topic, partition)
	}
	np := p.clone()
	if !slices.Contains(p.isr, id) {
		if !ctl.uncleanAllowed(t) || p.leader >= 0 {
			return fmt.Errorf("cannot elect broker %d leader of %s-%d: it is not in the ISR %v "+
				"(an out-of-sync replica may only lead through an unclean election: the partition offline and unclean.leader.election.enable=true)",
				id, topic, partition, p.isr)
		}
		np.isr = []int32{id}
	}
	np.leader = id
	np.leaderEpoch++
	np.partitionEpoch++
	nt := t.clone()
	nt.partitions[partition] = np
	next := im.clone()
	next.putTopic(nt)
	ctl.logPartitionChange(fmt.Sprintf("leader election of broker %d requested", id), topic, partition, p, np)
	return ctl.publish(next)
}

// WaitForLeader waits until the leader of topic-partition satisfies cond
// (nil: has any leader) and that leader's broker is running and has taken
// up leadership at the registered leader epoch, so requests sent to it
// are served as soon as WaitForLeader returns. cond sees the partition as
// Partition describes it; the last such description is returned. An
// unknown topic or partition is an error at once, not a wait.
func (c *Cluster) WaitForLeader(ctx context.Context, topic string, partition int32, cond func(PartitionInfo) bool) (PartitionInfo, error) {
	pi, err := c.Partition(topic, partition)
	if err != nil {
		return pi, err
	}
	err = c.WaitUntil(ctx, func() bool {
		var perr error
		if pi, perr = c.Partition(topic, partition); perr != nil {
			return false
		}
		if pi.Leader < 0 || (cond != nil && !cond(pi)) {
			return false
		}
		r := c.leaderReplica(topicPartition{topic, partition}, pi.Leader)
		if r == nil {
			return false
		}
		leader, epoch := r.Leadership()
		return leader == pi.Leader && epoch == pi.LeaderEpoch && r.IsLeader()
	})
	if err != nil {
		return pi, fmt.Errorf("waiting for the leader of %s-%d (now %d at epoch %d): %w", topic, partition, pi.Leader, pi.LeaderEpoch, err)
	}
	return pi, nil
}
