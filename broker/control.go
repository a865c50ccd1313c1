package broker

import (
	"fmt"

	"github.com/gregorkafka/gregor/partition"
)

// The control surface: what a test can do to a cluster that a Kafka
// client cannot. Each call returns when the cluster has applied it (the
// controller has decided and every running broker has followed), so a
// test can assert the outcome right away.

// StopBroker shuts a broker down cleanly, as Kafka's controlled shutdown
// does: the controller first moves leadership away from it and removes it
// from every ISR, then the broker closes its listener, connections and
// logs (writing its checkpoints). Stopping a stopped broker does nothing.
func (c *Cluster) StopBroker(id int32) error {
	b := c.Broker(id)
	if b == nil {
		return fmt.Errorf("no broker %d (brokers are 1..%d)", id, len(c.brokers))
	}
	if !b.Running() {
		return nil
	}
	c.logger.Info("broker stopping (controlled shutdown)", "broker", id)
	if err := c.ctl.fenceBroker(id, "controlled shutdown"); err != nil {
		return err
	}
	return b.shutdown(false)
}

// CrashBroker stops a broker abruptly: no leadership hand-off, no
// checkpoints. Its connections drop at once, but the controller only
// notices when broker.session.timeout.ms passes on the cluster clock
// without a heartbeat; until then the partitions it led have no working
// leader, exactly as after a real crash. Advance a manual clock past the
// session timeout to see the failover.
func (c *Cluster) CrashBroker(id int32) error {
	b := c.Broker(id)
	if b == nil {
		return fmt.Errorf("no broker %d (brokers are 1..%d)", id, len(c.brokers))
	}
	if !b.Running() {
		return nil
	}
	c.logger.Info("broker crashed", "broker", id)
	if err := b.shutdown(true); err != nil {
		return err
	}
	c.ctl.scheduleFence(id)
	return nil
}

// StartBroker starts a stopped broker on its old address and data. Its
// replicas are recovered from their logs and start as followers: each
// truncates to where its log diverges from the current leader's and
// catches up, rejoining the ISR once it has. A broker that crashed and
// was not yet fenced is fenced first, as a new incarnation of a broker
// replaces the old one in KRaft.
func (c *Cluster) StartBroker(id int32) error {
	b := c.Broker(id)
	if b == nil {
		return fmt.Errorf("no broker %d (brokers are 1..%d)", id, len(c.brokers))
	}
	if b.Running() {
		return nil
	}
	if err := c.ctl.fenceBroker(id, "restarted"); err != nil {
		return err
	}
	if err := b.start(); err != nil {
		return err
	}
	c.logger.Info("broker started", "broker", id)
	return c.ctl.unfenceBroker(id)
}

// PauseReplication stops one follower replica from fetching from its
// leader until ResumeReplication. It returns once no fetch of that replica
// is in flight, so records produced afterwards are on the leader only. A
// paused follower falls behind and, after replica.lag.time.max.ms, out of
// the ISR.
//
// The pause belongs to the replica, not to its current role: pausing the
// replica of the current leader is allowed and changes nothing while it
// leads, and takes effect as soon as it becomes a follower (after
// ElectLeader of another replica, a failover or a restart of its broker),
// so a test can make an old leader miss everything its successor
// appends. Pauses last until ResumeReplication, across leader changes and
// broker restarts, but not across Cluster.Restart.
func (c *Cluster) PauseReplication(topic string, partition, brokerID int32) error {
	b, err := c.replicaBroker(topic, partition, brokerID)
	if err != nil {
		return err
	}
	b.setPaused(topicPartition{topic, partition}, true)
	c.logger.Info("replication paused", "topic", topic, "partition", partition, "broker", brokerID)
	return nil
}

// ResumeReplication lets a paused follower fetch again.
func (c *Cluster) ResumeReplication(topic string, partition, brokerID int32) error {
	b, err := c.replicaBroker(topic, partition, brokerID)
	if err != nil {
		return err
	}
	b.setPaused(topicPartition{topic, partition}, false)
	c.logger.Info("replication resumed", "topic", topic, "partition", partition, "broker", brokerID)
	return nil
}

func (c *Cluster) replicaBroker(topic string, partition, brokerID int32) (*Broker, error) {
	pi, err := c.Partition(topic, partition)
	if err != nil {
		return nil, err
	}
	b := c.Broker(brokerID)
	if b == nil {
		return nil, fmt.Errorf("no broker %d", brokerID)
	}
	for _, r := range pi.Replicas {
		if r == brokerID {
			return b, nil
		}
	}
	return nil, fmt.Errorf("broker %d holds no replica of %s-%d (replicas %v)", brokerID, topic, partition, pi.Replicas)
}

// ElectPreferredLeaders moves leadership of every partition whose
// preferred replica (the first assigned) is live and in sync back to it,
// as kafka-leader-election.sh --election-type preferred does. It returns
// how many partitions changed leader.
func (c *Cluster) ElectPreferredLeaders() int {
	n := 0
	for _, parts := range c.ctl.electLeaders(false, nil) {
		for _, err := range parts {
			if err == nil {
				n++
			}
		}
	}
	return n
}

// ReplicationMetrics are the cluster-level replication figures Kafka
// exposes as JMX metrics.
type ReplicationMetrics struct {
	// UnderReplicatedPartitions have fewer in-sync replicas than replicas,
	// or during a reassignment than the original replicas
	// (kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions).
	UnderReplicatedPartitions int
	// OfflinePartitions have no leader
	// (kafka.controller:type=KafkaController,name=OfflinePartitionsCount).
	OfflinePartitions int
	// UnderMinISRPartitions have fewer in-sync replicas than
	// min.insync.replicas (UnderMinIsrPartitionCount).
	UnderMinISRPartitions int
	// ISRShrinks and ISRExpands count ISR changes since the cluster
	// started (IsrShrinksPerSec, IsrExpandsPerSec).
	ISRShrinks int64
	ISRExpands int64
	// LeaderElections counts leader changes (LeaderElectionRateAndTimeMs).
	LeaderElections int64
}

// ReplicationMetrics returns the current replication figures of the
// whole cluster, internal topics (__consumer_offsets) included, as Kafka's
// JMX metrics count them. Use TopicReplicationMetrics to leave the
// internal topics apart.
func (c *Cluster) ReplicationMetrics() ReplicationMetrics {
	m := ReplicationMetrics{
		ISRShrinks:      c.stats.isrShrinks.Load(),
		ISRExpands:      c.stats.isrExpands.Load(),
		LeaderElections: c.stats.elections.Load(),
	}
	for _, t := range c.ctl.current().topics {
		c.addPartitionGauges(&m, t)
	}
	return m
}

// TopicReplicationMetrics returns the partition gauges of one topic
// (under-replicated, offline, under min ISR), so that a test's figures
// are not disturbed by internal topics or other tests' topics. The
// counters (ISR shrinks and expands, elections) are kept cluster-wide
// only, as in Kafka, and are zero here. An unknown topic is an error.
func (c *Cluster) TopicReplicationMetrics(topic string) (ReplicationMetrics, error) {
	t := c.ctl.current().topics[topic]
	if t == nil {
		return ReplicationMetrics{}, fmt.Errorf("topic %q does not exist", topic)
	}
	var m ReplicationMetrics
	c.addPartitionGauges(&m, t)
	return m, nil
}

// UserReplicationMetrics returns the partition gauges over every topic
// that is not internal: the figures of the topics a test created.
// Counters are zero, as in TopicReplicationMetrics.
func (c *Cluster) UserReplicationMetrics() ReplicationMetrics {
	var m ReplicationMetrics
	for _, t := range c.ctl.current().topics {
		if !t.internal {
			c.addPartitionGauges(&m, t)
		}
	}
	return m
}

func (c *Cluster) addPartitionGauges(m *ReplicationMetrics, t *topicImage) {
	minISR := c.brokerConfig.Topic(t.configs).Int("min.insync.replicas")
	for _, p := range t.partitions {
		minISR := partition.EffectiveMinISR(minISR, len(p.replicas))
		if len(p.isr) < p.replicationFactor() {
			m.UnderReplicatedPartitions++
		}
		if p.leader < 0 {
			m.OfflinePartitions++
		}
		if len(p.isr) < minISR {
			m.UnderMinISRPartitions++
		}
	}
}
