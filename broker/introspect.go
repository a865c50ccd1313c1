package broker

import (
	"fmt"
	"slices"

	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/segment"
)

// What a test can see of the cluster, beyond what the Kafka protocol
// shows: every topic, and per partition the offsets of each replica and
// the segments of its log.

// TopicInfo describes a topic.
type TopicInfo struct {
	Name              string
	ID                TopicID
	Internal          bool
	Partitions        int
	ReplicationFactor int
	Configs           map[string]string // the topic's own settings
}

// PartitionInfo describes one partition: its registration in the cluster
// metadata and the state of each replica.
type PartitionInfo struct {
	Topic       string
	Partition   int32
	Leader      int32 // -1 when offline
	LeaderEpoch int32
	Replicas    []int32
	ISR         []int32
	// AddingReplicas and RemovingReplicas are set while the partition is
	// being reassigned (Cluster.AlterPartitionReassignments): Replicas is
	// then the target followed by the removing replicas.
	AddingReplicas   []int32
	RemovingReplicas []int32
	// OfflineReplicas are replicas on brokers that are not running.
	OfflineReplicas []int32
	// Replica holds the state of each replica on a running broker, by
	// broker id.
	Replica map[int32]ReplicaInfo
}

// ReplicaInfo is one replica's offsets and segments.
type ReplicaInfo struct {
	Broker         int32
	LogStartOffset int64
	HighWatermark  int64
	LogEndOffset   int64
	// LastStableOffset is where read_committed consumers stop: the first
	// offset of the earliest transaction not completed on every in-sync
	// replica, else the high watermark.
	LastStableOffset int64
	// Producers are the producers whose state the replica keeps, with
	// their open transaction's start offset (DescribeProducers' view).
	Producers []partition.ProducerInfo
	// AbortedTransactions is the replica's transaction index: what a
	// read_committed consumer is told to drop.
	AbortedTransactions []partition.AbortedTxn
	Segments            []segment.Info
}

// LeaderReplica returns the leader's replica state.
func (p PartitionInfo) LeaderReplica() (ReplicaInfo, bool) {
	r, ok := p.Replica[p.Leader]
	return r, ok
}

// Topics lists the topics, by name.
func (c *Cluster) Topics() []TopicInfo {
	im := c.ctl.current()
	var out []TopicInfo
	for _, t := range im.sortedTopics() {
		ti := TopicInfo{Name: t.name, ID: t.id, Internal: t.internal, Partitions: len(t.partitions), Configs: map[string]string{}}
		if len(t.partitions) > 0 {
			// During a reassignment the replicas being removed do not
			// count, as kafka-topics.sh --describe counts them.
			ti.ReplicationFactor = len(t.partitions[0].replicas) - len(t.partitions[0].removing)
		}
		for k, v := range t.configs {
			ti.Configs[k] = v
		}
		out = append(out, ti)
	}
	return out
}

// Partition describes one partition.
func (c *Cluster) Partition(topic string, p int32) (PartitionInfo, error) {
	im := c.ctl.current()
	t := im.topics[topic]
	if t == nil {
		return PartitionInfo{}, fmt.Errorf("topic %q does not exist", topic)
	}
	if p < 0 || int(p) >= len(t.partitions) {
		return PartitionInfo{}, fmt.Errorf("topic %q has no partition %d (it has %d)", topic, p, len(t.partitions))
	}
	pi := t.partitions[p]
	info := PartitionInfo{
		Topic: topic, Partition: p, Leader: pi.leader, LeaderEpoch: pi.leaderEpoch,
		Replicas: slices.Clone(pi.replicas), ISR: slices.Clone(pi.isr),
		AddingReplicas: slices.Clone(pi.adding), RemovingReplicas: slices.Clone(pi.removing),
		OfflineReplicas: offlineReplicas(im, pi), Replica: map[int32]ReplicaInfo{},
	}
	for _, id := range pi.replicas {
		b := c.Broker(id)
		if b == nil {
			continue
		}
		r := b.replica(topic, p)
		if r == nil {
			continue
		}
		st, err := r.Status()
		if err != nil {
			return info, err
		}
		info.Replica[id] = ReplicaInfo{Broker: id, LogStartOffset: st.LogStartOffset, HighWatermark: st.HighWatermark, LogEndOffset: st.LogEndOffset,
			LastStableOffset: r.LastStableOffset(), Producers: r.ActiveProducers(), AbortedTransactions: r.AbortedTransactions(0),
			Segments: st.Segments}
	}
	return info, nil
}

// Partitions describes every partition of a topic.
func (c *Cluster) Partitions(topic string) ([]PartitionInfo, error) {
	t := c.ctl.current().topics[topic]
	if t == nil {
		return nil, fmt.Errorf("topic %q does not exist", topic)
	}
	out := make([]PartitionInfo, 0, len(t.partitions))
	for i := range t.partitions {
		pi, err := c.Partition(topic, int32(i))
		if err != nil {
			return out, err
		}
		out = append(out, pi)
	}
	return out, nil
}
