package broker

import (
	"sort"
	"time"
)

// The log cleaner, after Kafka's LogCleaner: while log.cleaner.enable is
// true, every log.cleaner.backoff.ms on the cluster's clock each broker
// cleans the compacted replicas it hosts that are due (partition.Clean
// decides: min.cleanable.dirty.ratio, max.compaction.lag.ms), the
// dirtiest first as Kafka's cleaner threads pick them. Kafka's cleaner
// thread sleeps for the backoff only when no log was due; gregor checks
// on the backoff every time, so a test advancing the clock by
// log.cleaner.backoff.ms knows a due log has been cleaned. __consumer_offsets
// (cleanup.policy=compact) is cleaned the same way. A replica is locked
// only while its cleaning picks segments and swaps the cleaned ones in
// (partition.Clean), so produce, replication and fetches to it go on while
// the cleaner reads and writes.

func (b *Broker) scheduleCleaning() {
	if !b.config.Bool("log.cleaner.enable") {
		return
	}
	backoff := time.Duration(b.config.Long("log.cleaner.backoff.ms")) * time.Millisecond
	if backoff <= 0 {
		backoff = time.Millisecond
	}
	b.cleanerTimerMu.Lock()
	defer b.cleanerTimerMu.Unlock()
	b.cleanerTimer = b.cluster.clock.AfterFunc(backoff, func() {
		if !b.Running() {
			return
		}
		b.cleanLogs()
		b.cleanerTimerMu.Lock()
		stopped := b.cleanerTimer == nil
		b.cleanerTimerMu.Unlock()
		if !stopped {
			b.scheduleCleaning()
		}
	})
}

func (b *Broker) stopCleaning() {
	b.cleanerTimerMu.Lock()
	defer b.cleanerTimerMu.Unlock()
	if b.cleanerTimer != nil {
		b.cleanerTimer.Stop()
		b.cleanerTimer = nil
	}
}

// cleanLogs runs one round of the cleaner over the hosted replicas.
func (b *Broker) cleanLogs() {
	b.replicasMu.RLock()
	replicas := make([]*replica, 0, len(b.replicas))
	for _, r := range b.replicas {
		if r.Config().Compact {
			replicas = append(replicas, r)
		}
	}
	b.replicasMu.RUnlock()
	sort.SliceStable(replicas, func(i, j int) bool { return replicas[i].DirtyRatio() > replicas[j].DirtyRatio() })
	cleaned := 0
	for _, r := range replicas {
		res, err := r.Clean()
		if err != nil {
			b.logger.Warn("log cleaning failed", "topic", r.Topic(), "partition", r.Index(), "error", err)
		}
		cleaned += res.Segments
	}
	if cleaned > 0 {
		b.replicasMu.Lock()
		err := b.writeCleanerCheckpoint()
		b.replicasMu.Unlock()
		if err != nil {
			b.logger.Warn("writing cleaner-offset-checkpoint failed", "error", err)
		}
		b.cluster.changes.notify() // for WaitUntil
	}
}
