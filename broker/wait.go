package broker

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Replication, elections and ISR changes run on the brokers' own
// goroutines, so a test that caused one waits for its effect. WaitUntil
// re-checks a condition each time any replica's offsets or leadership, the
// cluster metadata, or a broker's set of client connections change, so
// tests never poll with sleeps.

// changeNotifier wakes waiters when the cluster metadata changes.
type changeNotifier struct {
	mu      sync.Mutex
	waiters map[chan<- struct{}]struct{}
}

func (n *changeNotifier) add(ch chan<- struct{}) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.waiters == nil {
		n.waiters = make(map[chan<- struct{}]struct{})
	}
	n.waiters[ch] = struct{}{}
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.waiters, ch)
	}
}

func (n *changeNotifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.waiters {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// WaitUntil blocks until cond returns true or ctx ends, and returns ctx's
// error in that case. cond is evaluated at once and again after every
// change of the cluster metadata (topics, leaders, ISRs, fenced brokers),
// of any replica's offsets (log start, high watermark, log end) or
// leadership, and whenever a broker accepts or drops a client connection.
// It is not woken by group changes (use WaitForGroup) or by the clock
// alone: a cond that reads the clock must be paired with something that
// advances it.
func (c *Cluster) WaitUntil(ctx context.Context, cond func() bool) error {
	wake := make(chan struct{}, 1)
	cancelImage := c.changes.add(wake)
	defer cancelImage()
	var cancels []func()
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	watched := map[*replica]bool{}
	for {
		// Watch replicas created since the last round too.
		for _, b := range c.brokers {
			b.replicasMu.RLock()
			for _, r := range b.replicas {
				if !watched[r] {
					watched[r] = true
					cancels = append(cancels, r.Watch(wake))
				}
			}
			b.replicasMu.RUnlock()
		}
		if cond() {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitForISR waits until a partition's ISR, as registered in the cluster
// metadata by the controller (what Metadata and DescribeTopicPartitions
// report), is exactly isr, in any order. It does not wait for the leader's
// high watermark; follow it with WaitForReplication for that. A topic or
// partition that does not exist yet is waited for, not an error.
func (c *Cluster) WaitForISR(ctx context.Context, topic string, partition int32, isr ...int32) error {
	want := slices.Sorted(slices.Values(isr))
	var last []int32
	err := c.WaitUntil(ctx, func() bool {
		p, err := c.Partition(topic, partition)
		if err != nil {
			return false
		}
		last = slices.Sorted(slices.Values(p.ISR))
		return slices.Equal(last, want)
	})
	if err != nil {
		return fmt.Errorf("waiting for the ISR of %s-%d to be %v (it is %v): %w", topic, partition, want, last, err)
	}
	return nil
}

// WaitForReplication waits until every partition's replicas agree: each
// running, unpaused follower has copied its leader's whole log, has told
// the leader so (the leader knows its log end offset) and has learned the
// leader's high watermark and log start offset. Partitions with no leader (offline) and paused
// followers (PauseReplication) are skipped: nothing can replicate there.
//
// A partition whose leader has crashed (CrashBroker) but is not yet fenced
// is not replicated: its registered leader cannot serve, and no follower
// has caught up with anything. WaitForReplication keeps waiting until the
// controller fences the crashed broker (broker.session.timeout.ms on the
// cluster clock; advance a manual clock past it from another goroutine,
// or restart the broker) and a new leader's followers have caught up.
func (c *Cluster) WaitForReplication(ctx context.Context) error {
	lagging := c.firstLaggingFollower(false)
	if lagging == "" {
		return nil
	}
	err := c.WaitUntil(ctx, func() bool {
		lagging = c.firstLaggingFollower(false)
		return lagging == ""
	})
	if err != nil {
		return fmt.Errorf("waiting for replication, %s: %w", lagging, err)
	}
	return nil
}

// firstLaggingFollower describes a running, unpaused follower that has not
// caught up with its running leader, or a partition led by a broker that
// is not running, or returns "". skipCrashedLeaders leaves out the
// partitions whose leader is down: the manual clock's settler must not wait
// for a fencing that only the clock it holds can bring.
func (c *Cluster) firstLaggingFollower(skipCrashedLeaders bool) string {
	im := c.ctl.current()
	for _, t := range im.sortedTopics() {
		for i, p := range t.partitions {
			key := topicPartition{t.name, int32(i)}
			if p.leader < 0 {
				continue
			}
			leader := c.leaderReplica(key, p.leader)
			if leader == nil {
				if skipCrashedLeaders {
					continue
				}
				return fmt.Sprintf("%s-%d has leader %d, which is not running and not yet fenced", t.name, i, p.leader)
			}
			if lag := c.laggingFollower(key, p, leader); lag != "" {
				return lag
			}
		}
	}
	return ""
}

// laggingFollower describes the first follower of one partition that has
// not caught up with leader, or returns "".
func (c *Cluster) laggingFollower(key topicPartition, p *partitionImage, leader *replica) string {
	leaderStart, leaderHW, leaderEnd := leader.Offsets()
	// The leader's view matters too: a follower that has copied
	// everything but not yet fetched again at the log end has not told
	// the leader, whose high watermark is then behind.
	known := leader.FollowerLogEndOffsets()
	for _, id := range p.replicas {
		b := c.Broker(id)
		if id == p.leader || b == nil || !b.Running() || b.isPaused(key) {
			continue
		}
		r := b.replica(key.topic, key.partition)
		if r == nil {
			continue
		}
		// A follower takes its leader's log start offset (DeleteRecords)
		// from the next fetch; until then it still serves the records
		// below it.
		if start, hw, end := r.Offsets(); end != leaderEnd || hw != leaderHW || known[id] != leaderEnd || start < leaderStart {
			return fmt.Sprintf("%s-%d on broker %d is behind (log end %d/%d, known to the leader as %d, high watermark %d/%d, log start %d/%d)",
				key.topic, key.partition, id, end, leaderEnd, known[id], hw, leaderHW, start, leaderStart)
		}
	}
	return ""
}

// settleReplication is registered with a manual clock: before the clock
// moves, followers finish copying what their leaders already have.
func (c *Cluster) settleReplication(ctx context.Context) {
	lagging := c.firstLaggingFollower(true)
	if lagging == "" {
		// The common case, checked without registering any watches:
		// a manual clock asks before every timer it fires.
		return
	}
	err := c.WaitUntil(ctx, func() bool {
		lagging = c.firstLaggingFollower(true)
		return lagging == ""
	})
	if err != nil {
		c.logger.Warn("manual clock advanced before replication settled", "lagging", lagging, "error", err)
	}
}
