package broker

import (
	"time"
)

// Log retention, after Kafka's LogManager: every
// log.retention.check.interval.ms (default five minutes) on the cluster's
// clock, each broker applies retention.ms and retention.bytes to every
// replica it hosts, leaders and followers alike, deleting the closed
// segments they no longer keep (partition.ApplyRetention). The log start
// offset moves with them; a follower also takes its leader's log start
// offset from each fetch response, so replicas agree on it even when
// their segments roll at different moments.

func (b *Broker) scheduleRetentionCheck() {
	interval := time.Duration(b.config.Long("log.retention.check.interval.ms")) * time.Millisecond
	if interval <= 0 {
		interval = time.Millisecond
	}
	b.retentionTimerMu.Lock()
	defer b.retentionTimerMu.Unlock()
	b.retentionTimer = b.cluster.clock.AfterFunc(interval, func() {
		if !b.Running() {
			return
		}
		b.applyRetention()
		b.retentionTimerMu.Lock()
		stopped := b.retentionTimer == nil
		b.retentionTimerMu.Unlock()
		if !stopped {
			b.scheduleRetentionCheck()
		}
	})
}

func (b *Broker) stopRetentionChecks() {
	b.retentionTimerMu.Lock()
	defer b.retentionTimerMu.Unlock()
	if b.retentionTimer != nil {
		b.retentionTimer.Stop()
		b.retentionTimer = nil
	}
}

// applyRetention runs one retention check over the hosted replicas. The
// replicas are collected first so that no segment is deleted while the
// replica table is locked.
func (b *Broker) applyRetention() {
	b.replicasMu.RLock()
	replicas := make([]*replica, 0, len(b.replicas))
	for _, r := range b.replicas {
		replicas = append(replicas, r)
	}
	b.replicasMu.RUnlock()
	deleted := 0
	for _, r := range replicas {
		n, err := r.ApplyRetention()
		if err != nil {
			b.logger.Warn("retention check failed", "topic", r.Topic(), "partition", r.Index(), "error", err)
		}
		deleted += n
	}
	if deleted > 0 {
		b.cluster.changes.notify() // for WaitUntil
	}
}
