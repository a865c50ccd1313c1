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

// WaitUntil blocks until cond returns true or ctx ends. cond is evaluated
// at once and again after every change of the cluster metadata, of any
// replica's offsets or leadership, and whenever a broker accepts or drops
// a client connection.
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

// WaitForISR waits until a partition's ISR is exactly isr (in any order).
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

// WaitForReplication waits until every running follower of every
// partition has copied its leader's whole log and learned its high
// watermark (paused followers excepted).
func (c *Cluster) WaitForReplication(ctx context.Context) error {
	lagging := c.firstLaggingFollower()
	if lagging == "" {
		// The common case, checked without registering any watches:
		// a manual clock asks before every timer it fires.
		return nil
	}
	err := c.WaitUntil(ctx, func() bool {
		lagging = c.firstLaggingFollower()
		return lagging == ""
	})
	if err != nil {
		return fmt.Errorf("waiting for replication, %s is behind: %w", lagging, err)
	}
	return nil
}

// firstLaggingFollower describes a running, unpaused follower that has not
// caught up with its running leader, or returns "".
func (c *Cluster) firstLaggingFollower() string {
	im := c.ctl.current()
	for _, t := range im.sortedTopics() {
		for i, p := range t.partitions {
			key := topicPartition{t.name, int32(i)}
			leader := c.leaderReplica(key, p.leader)
			if leader == nil {
				continue
			}
			_, leaderHW, leaderEnd := leader.Offsets()
			// The leader's view matters too: a follower that has copied
			// everything but not yet fetched again at the log end has
			// not told the leader, whose high watermark is then behind.
			known := leader.FollowerLogEndOffsets()
			for _, id := range p.replicas {
				b := c.Broker(id)
				if id == p.leader || b == nil || !b.Running() || b.isPaused(key) {
					continue
				}
				r := b.replica(t.name, int32(i))
				if r == nil {
					continue
				}
				if _, hw, end := r.Offsets(); end != leaderEnd || hw != leaderHW || known[id] != leaderEnd {
					return fmt.Sprintf("%s-%d on broker %d (log end %d/%d, known to the leader as %d, high watermark %d/%d)",
						t.name, i, id, end, leaderEnd, known[id], hw, leaderHW)
				}
			}
		}
	}
	return ""
}

// settleReplication is registered with a manual clock: before the clock
// moves, followers finish copying what their leaders already have.
func (c *Cluster) settleReplication(ctx context.Context) {
	if err := c.WaitForReplication(ctx); err != nil {
		c.logger.Warn("manual clock advanced before replication settled", "error", err)
	}
}
