package broker

import (
	"time"
)

// Producer id expiration, after Kafka's PeriodicProducerExpirationCheck:
// every producer.id.expiration.check.interval.ms (an internal config,
// default ten minutes) on the cluster's clock, each broker asks every
// replica it hosts to forget the producers with no open transaction
// whose last timestamp is producer.id.expiration.ms (default one day)
// old (partition.RemoveExpiredProducers). Leaders and followers check
// alike, as in Kafka, where every UnifiedLog runs the check.

func (b *Broker) scheduleProducerExpiration() {
	interval := time.Duration(b.config.Long("producer.id.expiration.check.interval.ms")) * time.Millisecond
	b.producerExpiryTimerMu.Lock()
	defer b.producerExpiryTimerMu.Unlock()
	b.producerExpiryTimer = b.cluster.clock.AfterFunc(interval, func() {
		if !b.Running() {
			return
		}
		b.removeExpiredProducers()
		b.producerExpiryTimerMu.Lock()
		stopped := b.producerExpiryTimer == nil
		b.producerExpiryTimerMu.Unlock()
		if !stopped {
			b.scheduleProducerExpiration()
		}
	})
}

func (b *Broker) stopProducerExpiration() {
	b.producerExpiryTimerMu.Lock()
	defer b.producerExpiryTimerMu.Unlock()
	if b.producerExpiryTimer != nil {
		b.producerExpiryTimer.Stop()
		b.producerExpiryTimer = nil
	}
}

// removeExpiredProducers runs one check over the hosted replicas,
// collected first so that no replica is locked under the table's lock.
func (b *Broker) removeExpiredProducers() {
	b.replicasMu.RLock()
	replicas := make([]*replica, 0, len(b.replicas))
	for _, r := range b.replicas {
		replicas = append(replicas, r)
	}
	b.replicasMu.RUnlock()
	for _, r := range replicas {
		r.RemoveExpiredProducers()
	}
}
