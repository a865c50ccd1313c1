package broker

import (
	"context"
	"fmt"
	"slices"
)

// Reassignments from Go: start and cancel them without a client, see how
// far each one has got, and wait for them to finish.

// Reassignment is one partition's reassignment in progress.
type Reassignment struct {
	Topic     string
	Partition int32
	// Replicas is the target followed by the replicas being removed.
	Replicas []int32
	Adding   []int32
	Removing []int32
	ISR      []int32
	Leader   int32
	// LeaderLogEndOffset is the log end offset of the leader's replica,
	// -1 if the leader is not running.
	LeaderLogEndOffset int64
	// Progress is, per adding replica, how much of the leader's log it
	// has copied.
	Progress map[int32]ReplicaProgress
}

// ReplicaProgress is how far a new replica has copied its leader's log.
type ReplicaProgress struct {
	// Running is false when the replica's broker is stopped; the other
	// fields are then zero.
	Running      bool
	LogEndOffset int64
	// Lag is the leader's log end offset minus the replica's.
	Lag int64
	// BytesCopied is the size of the replica's log segments.
	BytesCopied int64
	// InSync reports whether the replica has joined the ISR.
	InSync bool
}

// Target returns the replicas the partition will have when the
// reassignment completes.
func (r Reassignment) Target() []int32 {
	return slices.DeleteFunc(slices.Clone(r.Replicas), func(id int32) bool { return slices.Contains(r.Removing, id) })
}

// Reassignments lists the reassignments in progress, by topic and
// partition, with each new replica's progress.
func (c *Cluster) Reassignments() []Reassignment {
	im := c.ctl.current()
	var out []Reassignment
	for _, o := range im.listReassignments(nil) {
		p := im.topics[o.topic].partitions[o.partition]
		ra := Reassignment{Topic: o.topic, Partition: o.partition, Replicas: o.replicas, Adding: o.adding, Removing: o.removing,
			ISR: slices.Clone(p.isr), Leader: p.leader, LeaderLogEndOffset: -1, Progress: map[int32]ReplicaProgress{}}
		if lr := c.leaderReplica(topicPartition{o.topic, o.partition}, p.leader); lr != nil {
			if st, err := lr.Status(); err == nil {
				ra.LeaderLogEndOffset = st.LogEndOffset
			}
		}
		for _, id := range o.adding {
			var rp ReplicaProgress
			if b := c.Broker(id); b != nil && b.Running() {
				if r := b.replica(o.topic, o.partition); r != nil {
					if st, err := r.Status(); err == nil {
						rp.Running = true
						rp.LogEndOffset = st.LogEndOffset
						if ra.LeaderLogEndOffset >= 0 {
							rp.Lag = max(0, ra.LeaderLogEndOffset-st.LogEndOffset)
						}
						for _, s := range st.Segments {
							rp.BytesCopied += s.Size
						}
					}
				}
			}
			rp.InSync = slices.Contains(p.isr, id)
			ra.Progress[id] = rp
		}
		out = append(out, ra)
	}
	return out
}

// AlterPartitionReassignment moves a partition to the target replicas,
// as AlterPartitionReassignments does; a nil target cancels the
// reassignment in progress. It returns once the controller has made the
// change (the data movement runs on); the error is the Kafka error the
// request would have answered (kerr's, through errors.Is).
func (c *Cluster) AlterPartitionReassignment(topic string, partition int32, target []int32) error {
	if target != nil && len(target) == 0 {
		return fmt.Errorf("reassigning %s-%d: an empty target; pass nil to cancel", topic, partition)
	}
	errs := c.ctl.alterPartitionReassignments([]reassignment{{topic: topic, partition: partition, replicas: slices.Clone(target)}}, true)
	if errs[0] != nil {
		return fmt.Errorf("reassigning %s-%d to %v: %w", topic, partition, target, errs[0])
	}
	return nil
}

// WaitForReassignments waits until no partition of the named topics (all
// topics when none are named) is being reassigned: every move has
// completed or been cancelled.
func (c *Cluster) WaitForReassignments(ctx context.Context, topics ...string) error {
	var last []Reassignment
	err := c.WaitUntil(ctx, func() bool {
		last = last[:0]
		for _, ra := range c.Reassignments() {
			if len(topics) == 0 || slices.Contains(topics, ra.Topic) {
				last = append(last, ra)
			}
		}
		return len(last) == 0
	})
	if err != nil {
		return fmt.Errorf("waiting for reassignments to finish, %d still running (first %+v): %w", len(last), firstOf(last), err)
	}
	return nil
}

func firstOf(rs []Reassignment) any {
	if len(rs) == 0 {
		return nil
	}
	return rs[0]
}
