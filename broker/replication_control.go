package broker

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The controller's part in replication: it fences brokers that stop or
// stop heartbeating, moves leadership away from them, takes ISR changes
// from leaders (AlterPartition), and elects preferred leaders on request
// or periodically (auto.leader.rebalance.enable).

// replicationStats counts ISR changes for the cluster metrics.
type replicationStats struct {
	isrShrinks atomic.Int64
	isrExpands atomic.Int64
	elections  atomic.Int64
}

// changeAll applies change to every partition of base for which pick
// returns true and publishes the result if anything changed (or always,
// when base is not the current image). Callers hold ctl.mu.
func (ctl *controller) changeAll(base *image, reason string, pick func(*partitionImage) bool, change func(t *topicImage) partitionChange) error {
	im := base
	next := im.clone()
	changed := base != ctl.current()
	for _, t := range im.sortedTopics() {
		var nt *topicImage
		for i, p := range t.partitions {
			if !pick(p) {
				continue
			}
			np, ok := changePartition(im, p, change(t))
			if !ok {
				continue
			}
			if nt == nil {
				nt = t.clone()
			}
			nt.partitions[i] = np
			ctl.logPartitionChange(reason, t.name, int32(i), p, np)
			changed = true
		}
		if nt != nil {
			next.putTopic(nt)
		}
	}
	if !changed {
		return nil
	}
	return ctl.publish(next)
}

func (ctl *controller) logPartitionChange(reason, topic string, partition int32, old, next *partitionImage) {
	log := ctl.cluster.logger
	if old.leader != next.leader {
		ctl.cluster.stats.elections.Add(1)
		log.Info("leader elected", "reason", reason, "topic", topic, "partition", partition,
			"old_leader", old.leader, "new_leader", next.leader, "leader_epoch", next.leaderEpoch, "isr", next.isr)
	}
	switch {
	case len(next.isr) < len(old.isr):
		ctl.cluster.stats.isrShrinks.Add(1)
		log.Info("ISR shrunk", "reason", reason, "topic", topic, "partition", partition, "old_isr", old.isr, "new_isr", next.isr)
	case len(next.isr) > len(old.isr):
		ctl.cluster.stats.isrExpands.Add(1)
		log.Info("ISR expanded", "reason", reason, "topic", topic, "partition", partition, "old_isr", old.isr, "new_isr", next.isr)
	}
}

func (ctl *controller) uncleanAllowed(t *topicImage) bool {
	return ctl.cluster.brokerConfig.Topic(t.configs).Bool("unclean.leader.election.enable")
}

// fenceBroker marks a broker fenced: it leaves every ISR (unless it is the
// last member) and every partition it led gets a new leader. This is what
// happens in KRaft when a broker shuts down (controlled shutdown) or
// misses heartbeats for broker.session.timeout.ms.
func (ctl *controller) fenceBroker(id int32, reason string) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	ctl.cancelFenceTimer(id)
	im := ctl.current()
	b := im.brokers[id]
	if b == nil || b.fenced {
		return nil
	}
	base := im.clone()
	nb := *b
	nb.fenced = true
	base.brokers[id] = &nb
	ctl.cluster.logger.Info("broker fenced", "broker", id, "reason", reason)
	return ctl.changeAll(base, "broker "+fmt.Sprint(id)+" fenced: "+reason,
		func(p *partitionImage) bool { return p.leader == id || slices.Contains(p.isr, id) },
		func(t *topicImage) partitionChange {
			return partitionChange{removeBroker: id, addBroker: -1, unclean: ctl.uncleanAllowed(t)}
		})
}

// unfenceBroker marks a registered broker live again; partitions left
// without a leader whose ISR includes it elect it.
func (ctl *controller) unfenceBroker(id int32) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	b := im.brokers[id]
	if b == nil || !b.fenced {
		return nil
	}
	base := im.clone()
	nb := *b
	nb.fenced = false
	base.brokers[id] = &nb
	ctl.cluster.logger.Info("broker unfenced", "broker", id)
	return ctl.changeAll(base, "broker "+fmt.Sprint(id)+" unfenced",
		func(p *partitionImage) bool { return p.leader == -1 && slices.Contains(p.replicas, id) },
		func(t *topicImage) partitionChange {
			return partitionChange{removeBroker: -1, addBroker: id, unclean: ctl.uncleanAllowed(t)}
		})
}

// scheduleFence arms the session timeout of a broker that stopped without
// telling the controller: it is fenced once broker.session.timeout.ms
// passes on the cluster clock, unless it registers again first.
func (ctl *controller) scheduleFence(id int32) {
	ctl.fenceMu.Lock()
	defer ctl.fenceMu.Unlock()
	if ctl.fenceTimers == nil {
		ctl.fenceTimers = map[int32]clock.Timer{}
	}
	if t := ctl.fenceTimers[id]; t != nil {
		t.Stop()
	}
	timeout := time.Duration(ctl.cluster.brokerConfig.Long("broker.session.timeout.ms")) * time.Millisecond
	ctl.fenceTimers[id] = ctl.cluster.clock.AfterFunc(timeout, func() {
		if err := ctl.fenceBroker(id, "no heartbeat for broker.session.timeout.ms"); err != nil {
			ctl.cluster.logger.Error("fencing broker failed", "broker", id, "error", err)
		}
	})
}

func (ctl *controller) cancelFenceTimer(id int32) {
	ctl.fenceMu.Lock()
	defer ctl.fenceMu.Unlock()
	if t := ctl.fenceTimers[id]; t != nil {
		t.Stop()
		delete(ctl.fenceTimers, id)
	}
}

// alterPartition applies an ISR change proposed by a partition's leader,
// as KRaft's AlterPartition does: the proposal must come from the current
// leader in the current leader epoch and be based on the current
// partition epoch, and may only name live replicas.
func (ctl *controller) alterPartition(topic string, partition int32, leader, leaderEpoch, partitionEpoch int32, newISR []int32) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	t := im.topics[topic]
	if t == nil || partition < 0 || int(partition) >= len(t.partitions) {
		return kafkaerr.New(kerr.UnknownTopicOrPartition, "%s-%d does not exist", topic, partition)
	}
	p := t.partitions[partition]
	switch {
	case p.leader != leader:
		return kafkaerr.New(kerr.NotLeaderForPartition, "broker %d does not lead %s-%d", leader, topic, partition)
	case p.leaderEpoch != leaderEpoch:
		return kafkaerr.New(kerr.FencedLeaderEpoch, "leader epoch %d is not the current %d", leaderEpoch, p.leaderEpoch)
	case p.partitionEpoch != partitionEpoch:
		return kafkaerr.New(kerr.InvalidUpdateVersion, "partition epoch %d is not the current %d", partitionEpoch, p.partitionEpoch)
	case !slices.Contains(newISR, leader):
		return kafkaerr.New(kerr.InvalidRequest, "the leader must stay in the ISR")
	}
	for _, r := range newISR {
		b := im.brokers[r]
		if !slices.Contains(p.replicas, r) || b == nil || b.fenced {
			return kafkaerr.New(kerr.IneligibleReplica, "replica %d cannot join the ISR of %s-%d", r, topic, partition)
		}
	}
	np, changed := changePartition(im, p, partitionChange{removeBroker: -1, addBroker: -1, targetISR: newISR})
	if !changed {
		return nil
	}
	nt := t.clone()
	nt.partitions[partition] = np
	next := im.clone()
	next.putTopic(nt)
	ctl.logPartitionChange("AlterPartition from the leader", topic, partition, p, np)
	return ctl.publish(next)
}

// electLeaders runs a preferred or unclean election for the given
// partitions (nil: all), as ElectLeaders does. It returns, per partition,
// nil or the Kafka error for that partition.
func (ctl *controller) electLeaders(unclean bool, targets map[string][]int32) map[string]map[int32]error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	results := map[string]map[int32]error{}
	set := func(topic string, p int32, err error) {
		if results[topic] == nil {
			results[topic] = map[int32]error{}
		}
		results[topic][p] = err
	}
	next := im.clone()
	changed := false
	for _, t := range im.sortedTopics() {
		parts, named := targets[t.name]
		if targets != nil && !named {
			continue
		}
		if targets == nil {
			for i := range t.partitions {
				parts = append(parts, int32(i))
			}
		}
		var nt *topicImage
		for _, pi := range parts {
			if pi < 0 || int(pi) >= len(t.partitions) {
				set(t.name, pi, kafkaerr.New(kerr.UnknownTopicOrPartition, "%s-%d does not exist", t.name, pi))
				continue
			}
			p := t.partitions[pi]
			ch := partitionChange{removeBroker: -1, addBroker: -1, election: electPreferred}
			if unclean {
				ch = partitionChange{removeBroker: -1, addBroker: -1, unclean: true}
			}
			np, ok := changePartition(im, p, ch)
			switch {
			case !unclean && p.leader == p.replicas[0]:
				set(t.name, pi, kafkaerr.New(kerr.ElectionNotNeeded, "leader is already the preferred replica"))
				continue
			case unclean && p.leader >= 0:
				set(t.name, pi, kafkaerr.New(kerr.ElectionNotNeeded, "partition already has a leader"))
				continue
			case !ok || np.leader == p.leader:
				if unclean {
					set(t.name, pi, kafkaerr.New(kerr.EligibleLeadersNotAvailable, "no live replica of %s-%d", t.name, pi))
				} else {
					set(t.name, pi, kafkaerr.New(kerr.PreferredLeaderNotAvailable, "preferred replica %d of %s-%d is not live and in sync", p.replicas[0], t.name, pi))
				}
				continue
			}
			if nt == nil {
				nt = t.clone()
			}
			nt.partitions[pi] = np
			reason := "preferred leader election"
			if unclean {
				reason = "unclean leader election"
			}
			ctl.logPartitionChange(reason, t.name, pi, p, np)
			set(t.name, pi, nil)
			changed = true
		}
		if nt != nil {
			next.putTopic(nt)
		}
	}
	for topic, parts := range targets {
		if im.topics[topic] == nil {
			for _, p := range parts {
				set(topic, p, kafkaerr.New(kerr.UnknownTopicOrPartition, "topic %s does not exist", topic))
			}
		}
	}
	if changed {
		if err := ctl.publish(next); err != nil {
			ctl.cluster.logger.Error("publishing elections failed", "error", err)
		}
	}
	return results
}

// scheduleLeaderRebalance arms the periodic preferred-leader check of
// auto.leader.rebalance.enable, every leader.imbalance.check.interval.seconds.
// KRaft moves every partition whose preferred replica is live and in sync
// back to it.
func (ctl *controller) scheduleLeaderRebalance() {
	cfg := ctl.cluster.brokerConfig
	if !cfg.Bool("auto.leader.rebalance.enable") {
		return
	}
	interval := time.Duration(cfg.Long("leader.imbalance.check.interval.seconds")) * time.Second
	ctl.fenceMu.Lock()
	defer ctl.fenceMu.Unlock()
	if ctl.stopped {
		return
	}
	ctl.rebalanceTimer = ctl.cluster.clock.AfterFunc(interval, func() {
		ctl.rebalanceLeaders()
		ctl.scheduleLeaderRebalance()
	})
}

func (ctl *controller) rebalanceLeaders() {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	err := ctl.changeAll(ctl.current(), "auto leader rebalance",
		func(p *partitionImage) bool { return len(p.replicas) > 0 && p.leader != p.replicas[0] },
		func(*topicImage) partitionChange {
			return partitionChange{removeBroker: -1, addBroker: -1, election: electPreferred}
		})
	if err != nil {
		ctl.cluster.logger.Error("auto leader rebalance failed", "error", err)
	}
}

// stopTimers cancels the controller's timers when the cluster closes.
func (ctl *controller) stopTimers() {
	ctl.fenceMu.Lock()
	defer ctl.fenceMu.Unlock()
	ctl.stopped = true
	for id, t := range ctl.fenceTimers {
		t.Stop()
		delete(ctl.fenceTimers, id)
	}
	if ctl.rebalanceTimer != nil {
		ctl.rebalanceTimer.Stop()
	}
}
