package broker

import (
	"slices"

	"github.com/gregorkafka/gregor/partition"
)

// applyImage brings the broker's replicas in line with a new metadata
// image, as a KRaft broker applies each metadata delta: replicas of new
// partitions are opened, replicas of deleted topics removed, changed
// topic configs applied, and the leader, epochs and ISR handed to each
// replica, which becomes leader or follower accordingly. prev is nil when
// the broker starts. Leadership changes are announced to listeners (the
// group coordinator) once the replicas lock is released.
func (b *Broker) applyImage(prev, next *image) {
	if !b.Running() {
		return
	}
	var changes []LeadershipChange
	defer func() { b.notifyLeadership(changes) }()
	b.replicasMu.Lock()
	defer b.replicasMu.Unlock()
	if b.applyDynamicConfigs(next) {
		defer b.reconfigureReplicas(next)
	}
	wanted := make(map[topicPartition]bool)
	for _, t := range next.topics {
		var prevTopic *topicImage
		if prev != nil {
			prevTopic = prev.topics[t.name]
		}
		for i, pi := range t.partitions {
			if !slices.Contains(pi.replicas, b.id) {
				continue
			}
			key := topicPartition{t.name, int32(i)}
			wanted[key] = true
			if change, ok := b.applyPartition(key, t, prevTopic, pi); ok {
				changes = append(changes, change)
			}
		}
	}
	for key, r := range b.replicas {
		if !wanted[key] {
			b.stopFetcher(key)
			b.deleteReplica(key, r)
			changes = append(changes, LeadershipChange{Topic: key.topic, Partition: key.partition, Leader: false, LeaderEpoch: -1, Deleted: true})
		}
	}
}

// applyPartition applies one partition's registration to the local
// replica, opening it if needed. It reports the leadership change, if
// any. Callers hold replicasMu.
func (b *Broker) applyPartition(key topicPartition, t, prevTopic *topicImage, pi *partitionImage) (LeadershipChange, bool) {
	r := b.replicas[key]
	if r != nil && r.topicID != t.id {
		// The topic was deleted and created again under the same name.
		b.deleteReplica(key, r)
		r = nil
	}
	fresh := r == nil
	if fresh {
		var err error
		if r, err = b.openReplica(t, key.partition, b.partitionConfig(t)); err != nil {
			b.logger.Error("opening replica failed", "topic", t.name, "partition", key.partition, "error", err)
			return LeadershipChange{}, false
		}
		b.replicas[key] = r
	} else if prevTopic == nil || !sameConfigs(prevTopic.configs, t.configs) {
		if err := r.SetConfig(b.partitionConfig(t)); err != nil {
			b.logger.Error("applying topic configs failed", "topic", t.name, "error", err)
		}
	}
	var prevPart *partitionImage
	if prevTopic != nil && prevTopic.id == t.id && int(key.partition) < len(prevTopic.partitions) {
		prevPart = prevTopic.partitions[key.partition]
	}
	if fresh || prevPart == nil || !samePartition(prevPart, pi) {
		r.ApplyState(partition.State{Leader: pi.leader, LeaderEpoch: pi.leaderEpoch, PartitionEpoch: pi.partitionEpoch,
			Replicas: pi.replicas, ISR: pi.isr})
	}
	if pi.leader == b.id {
		b.stopFetcher(key)
	} else {
		b.ensureFetcher(key, r)
	}
	if !fresh && prevPart != nil && prevPart.leader == pi.leader && prevPart.leaderEpoch == pi.leaderEpoch {
		return LeadershipChange{}, false
	}
	return LeadershipChange{Topic: t.name, Partition: key.partition, Leader: pi.leader == b.id, LeaderEpoch: pi.leaderEpoch}, true
}

func samePartition(a, b *partitionImage) bool {
	return a.leader == b.leader && a.leaderEpoch == b.leaderEpoch && a.partitionEpoch == b.partitionEpoch &&
		slices.Equal(a.isr, b.isr) && slices.Equal(a.replicas, b.replicas)
}

func sameConfigs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
