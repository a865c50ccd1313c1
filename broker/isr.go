package broker

import (
	"slices"
	"time"

	"github.com/gregorkafka/gregor/partition"
)

// ISR maintenance on the leader's broker, after Kafka's ReplicaManager:
// every replica.lag.time.max.ms / 2 the broker looks at each partition it
// leads and proposes to the controller an ISR without the followers that
// have not caught up for longer than replica.lag.time.max.ms. Followers
// that catch up are proposed back when they fetch (proposeISRJoin). A
// follower that stops completely is therefore out of the ISR between
// replica.lag.time.max.ms and 1.5 times that after its last caught-up
// fetch, as in Kafka.

func (b *Broker) scheduleISRCheck() {
	interval := time.Duration(b.config.Long("replica.lag.time.max.ms")/2) * time.Millisecond
	if interval <= 0 {
		interval = time.Millisecond
	}
	b.isrTimerMu.Lock()
	defer b.isrTimerMu.Unlock()
	b.isrTimer = b.cluster.clock.AfterFunc(interval, func() {
		if !b.Running() {
			return
		}
		b.shrinkISRs()
		b.isrTimerMu.Lock()
		stopped := b.isrTimer == nil
		b.isrTimerMu.Unlock()
		if !stopped {
			b.scheduleISRCheck()
		}
	})
}

func (b *Broker) stopISRChecks() {
	b.isrTimerMu.Lock()
	defer b.isrTimerMu.Unlock()
	if b.isrTimer != nil {
		b.isrTimer.Stop()
		b.isrTimer = nil
	}
}

// shrinkISRs proposes smaller ISRs for the partitions this broker leads.
func (b *Broker) shrinkISRs() {
	b.replicasMu.RLock()
	type proposal struct {
		key topicPartition
		st  partition.State
		out []int32
	}
	var proposals []proposal
	for key, r := range b.replicas {
		if out := r.OutOfSyncReplicas(); len(out) > 0 {
			proposals = append(proposals, proposal{key, r.State(), out})
		}
	}
	b.replicasMu.RUnlock()
	for _, p := range proposals {
		isr := slices.DeleteFunc(slices.Clone(p.st.ISR), func(id int32) bool { return slices.Contains(p.out, id) })
		b.logger.Info("proposing ISR shrink", "topic", p.key.topic, "partition", p.key.partition, "out_of_sync", p.out,
			"replica_lag_time_max_ms", b.config.Long("replica.lag.time.max.ms"))
		if err := b.cluster.ctl.alterPartition(p.key.topic, p.key.partition, b.id, p.st.LeaderEpoch, p.st.PartitionEpoch, isr); err != nil {
			b.logger.Info("ISR shrink refused", "topic", p.key.topic, "partition", p.key.partition, "error", err)
		}
	}
}

// proposeISRJoin asks the controller, on the leader's behalf, to add this
// broker's replica to the ISR once it has caught up.
func (b *Broker) proposeISRJoin(key topicPartition, leader *replica) {
	st := leader.State()
	if slices.Contains(st.ISR, b.id) {
		return
	}
	// Keep the ISR in assignment order, as it started.
	var isr []int32
	for _, id := range st.Replicas {
		if id == b.id || slices.Contains(st.ISR, id) {
			isr = append(isr, id)
		}
	}
	if err := b.cluster.ctl.alterPartition(key.topic, key.partition, st.Leader, st.LeaderEpoch, st.PartitionEpoch, isr); err != nil {
		b.logger.Debug("ISR expansion refused", "topic", key.topic, "partition", key.partition, "error", err)
	}
}
