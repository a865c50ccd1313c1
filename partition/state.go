package partition

import (
	"slices"

	"github.com/gregorkafka/gregor/clock"
)

// State is a partition's registration in the cluster metadata, as the
// controller publishes it: who leads, in which epoch, and which replicas
// are in sync.
type State struct {
	Leader         int32 // -1: offline
	LeaderEpoch    int32
	PartitionEpoch int32 // grows with every change, ISR changes included
	Replicas       []int32
	ISR            []int32
}

// ApplyState makes the replica follow the controller's decision. A new
// leader epoch makes it the leader or a follower afresh; a change of ISR
// alone (same epoch) updates the leader's view of who is in sync.
func (p *Partition) ApplyState(st State) {
	p.mu.Lock()
	newEpoch := st.LeaderEpoch != p.state.LeaderEpoch || st.Leader != p.state.Leader
	p.state = State{Leader: st.Leader, LeaderEpoch: st.LeaderEpoch, PartitionEpoch: st.PartitionEpoch,
		Replicas: slices.Clone(st.Replicas), ISR: slices.Clone(st.ISR)}
	p.leader, p.leaderEpoch = st.Leader, st.LeaderEpoch
	if st.Leader == p.brokerID {
		if newEpoch {
			p.makeLeader()
		} else {
			p.trackNewReplicas()
		}
		p.maybeIncrementHighWatermark()
	} else {
		p.followers = nil
	}
	p.mu.Unlock()
	p.watchers.wake()
}

// makeLeader starts a leadership term: the epoch's start offset is
// recorded (leader-epoch-checkpoint), and every follower's progress is
// reset as Kafka's Partition.makeLeader does: its log end offset unknown
// until it fetches, and in-sync members given a full
// replica.lag.time.max.ms to show up. Callers hold p.mu.
func (p *Partition) makeLeader() {
	if err := p.epochs.assign(p.leaderEpoch, p.log.LogEndOffset()); err != nil {
		p.logger.Error("writing leader-epoch-checkpoint", "error", err)
	}
	now := clock.Millis(p.clock.Now())
	p.followers = make(map[int32]*followerProgress)
	for _, id := range p.state.Replicas {
		if id == p.brokerID {
			continue
		}
		f := &followerProgress{logEndOffset: -1, logStartOffset: -1}
		if slices.Contains(p.state.ISR, id) {
			f.lastCaughtUpMs = now
		}
		p.followers[id] = f
	}
	p.logger.Info("became leader", "leader_epoch", p.leaderEpoch, "isr", p.state.ISR, "log_end_offset", p.log.LogEndOffset(), "high_watermark", p.highWatermark)
}

// trackNewReplicas starts following the progress of replicas added to
// the assignment within the current leader epoch, as a reassignment adds
// its target replicas (KIP-455): the controller bumps the leader epoch
// only when replicas are removed, so a leader learns of new followers
// without a new term. A new replica starts with an unknown log end offset
// and is not caught up: it joins the ISR once it has copied the log.
// Callers hold p.mu.
func (p *Partition) trackNewReplicas() {
	if p.followers == nil {
		return
	}
	for _, id := range p.state.Replicas {
		if id != p.brokerID && p.followers[id] == nil {
			p.followers[id] = &followerProgress{logEndOffset: -1, logStartOffset: -1}
		}
	}
	for id := range p.followers {
		if !slices.Contains(p.state.Replicas, id) {
			delete(p.followers, id)
		}
	}
}

// IsLeader reports whether this replica leads its partition.
func (p *Partition) IsLeader() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.leader == p.brokerID && !p.closed
}

// Leadership returns the leader this replica knows of and the epoch.
func (p *Partition) Leadership() (leader, epoch int32) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.leader, p.leaderEpoch
}

// State returns the registration the replica last applied.
func (p *Partition) State() State {
	p.mu.RLock()
	defer p.mu.RUnlock()
	st := p.state
	st.Replicas, st.ISR = slices.Clone(st.Replicas), slices.Clone(st.ISR)
	return st
}
