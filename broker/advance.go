package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gregorkafka/gregor/clock"
)

// Moving a manual clock while real group consumers run. A consumer's
// heartbeats are sent on real time (kgo.HeartbeatInterval, Kafka's
// heartbeat.interval.ms) but stamped by the coordinator with the cluster
// clock. While a manual clock stands still every heartbeat renews the
// session at the same reading, so one Advance(session.timeout.ms) would
// find every member's deadline passed and evict the live members along
// with the dead. AdvanceInSteps moves the clock in steps instead and,
// after each, lets every live member renew its session at the new reading
// before taking the next.

// silentAfter is how many session renewals of other members a member may
// miss, within one wait, before AdvanceInSteps stops waiting for it: with
// every live member heartbeating at about the same rate, a member that
// let others heartbeat this often while it said nothing has stopped (a
// closed static member, a client cut off from the cluster).
const silentAfter = 3

// AdvanceInSteps moves the cluster's manual clock forward by d, step by
// step, so that consumer group members that are alive keep their sessions
// and only silent ones are evicted, as on a real clock. Before the first
// step and after each one it waits until every member of every group on a
// running coordinator has renewed its session at the clock's current
// reading (MemberDescription.SessionRenewedAt), a classic member parked in
// JoinGroup or SyncGroup counting as renewed. A member that stays silent
// while another member renews its session three times is taken for gone:
// AdvanceInSteps stops waiting for it, and its session timeout evicts it
// at the step that reaches its deadline. With no group at all nothing is
// waited for, and AdvanceInSteps is Advance in steps.
//
// step must be positive and shorter than the shortest session a member
// can have (group.min.session.timeout.ms, and
// group.consumer.session.timeout.ms for KIP-848 groups), or a live member
// could not renew in time; a third of it or less lets a member be late
// once without being evicted. Clients should heartbeat often in real time
// (kgo.HeartbeatInterval(100*time.Millisecond)), as each step waits for
// their heartbeats. ctx bounds the whole call; if every member has
// stopped, nobody renews and the wait lasts until ctx ends, so use plain
// Advance to time out a group with no live member. The cluster must have
// been started with a *clock.Manual (the Clock option). Timers and
// replication behave as with Advance at each step.
func (c *Cluster) AdvanceInSteps(ctx context.Context, d, step time.Duration) error {
	m, ok := c.clock.(*clock.Manual)
	if !ok {
		return errors.New("AdvanceInSteps needs a cluster started with a manual clock (broker.Clock(clock.NewManual(...)))")
	}
	if d < 0 {
		return fmt.Errorf("cannot advance the clock by a negative %v", d)
	}
	if limit := c.shortestSession(); step <= 0 || step >= limit {
		return fmt.Errorf("step %v must be positive and shorter than the shortest session timeout, %v", step, limit)
	}
	gone := map[memberKey]bool{}
	if err := c.awaitSessionRenewals(ctx, m.Now(), gone); err != nil {
		return err
	}
	for left := d; left > 0; left -= step {
		m.Advance(min(step, left))
		if err := c.awaitSessionRenewals(ctx, m.Now(), gone); err != nil {
			return err
		}
	}
	return nil
}

// shortestSession is the shortest session timeout a member may have.
func (c *Cluster) shortestSession() time.Duration {
	ms := min(c.brokerConfig.Long("group.min.session.timeout.ms"), c.brokerConfig.Long("group.consumer.session.timeout.ms"))
	return time.Duration(ms) * time.Millisecond
}

type memberKey struct{ group, member string }

// awaitSessionRenewals waits until every member not yet taken for gone
// has renewed its session at now, marking in gone the members that stay
// silent (see silentAfter) and clearing those that speak again.
func (c *Cluster) awaitSessionRenewals(ctx context.Context, now time.Time, gone map[memberKey]bool) error {
	wake := make(chan struct{}, 1)
	defer c.sessionRenewals.add(wake)()
	events, cancel := c.SubscribeGroupEvents() // members that leave
	defer cancel()
	baseline := map[memberKey]int64{}
	for {
		waiting := c.silentMembers(now, gone, baseline)
		if len(waiting) == 0 {
			return nil
		}
		select {
		case <-wake:
		case <-events:
		case <-ctx.Done():
			return fmt.Errorf("waiting for group members %v to heartbeat at %v: %w", waiting, now.Format(time.RFC3339Nano), ctx.Err())
		}
	}
}

// silentMembers returns the members still to renew their session at now.
// baseline holds each member's renewal count when first seen in this
// wait, so that progress counts renewals made during the wait only.
func (c *Cluster) silentMembers(now time.Time, gone map[memberKey]bool, baseline map[memberKey]int64) []memberKey {
	renewedAt := map[memberKey]bool{}
	var mostProgress int64
	for _, b := range c.brokers {
		if !b.Running() {
			continue
		}
		for _, l := range b.groups.List() {
			d, err := b.groups.Describe(l.Group)
			if err != nil {
				continue
			}
			for _, md := range d.Members {
				k := memberKey{l.Group, md.MemberID}
				if _, seen := baseline[k]; !seen {
					baseline[k] = md.SessionRenewals
				}
				mostProgress = max(mostProgress, md.SessionRenewals-baseline[k])
				renewedAt[k] = md.AwaitingRebalance || !md.SessionRenewedAt.Before(now)
			}
		}
	}
	var waiting []memberKey
	for k, renewed := range renewedAt {
		switch {
		case renewed:
			delete(gone, k)
		case gone[k]:
		case mostProgress >= silentAfter:
			gone[k] = true
		default:
			waiting = append(waiting, k)
		}
	}
	return waiting
}
