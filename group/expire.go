package group

// Offset expiry (offsets.retention.minutes, KIP-211).
//
// Every offsets.retention.check.interval.ms each shard looks for committed
// offsets to forget. A group with active members keeps its offsets for
// the topics it consumes; once it is empty its offsets expire
// offsets.retention.minutes after it became empty (a consumer that comes
// back within the retention resumes where it was). Offsets of "simple"
// consumers, and a consumer group's offsets of topics it no longer
// subscribes to, expire that long after their commit. Expired offsets get
// tombstones in __consumer_offsets; an empty group left without offsets is
// deleted. The check is a timer on the cluster clock, so a test can
// advance a manual clock by a week and see it happen.

import "sort"

const expirationKey = "expire-group-metadata"

func (s *shard) scheduleExpiration() {
	s.schedule(expirationKey, s.c.cfg.OffsetsRetentionCheckInterval, s.cleanupGroupMetadata)
}

func (s *shard) cleanupGroupMetadata() {
	now := s.nowMs()
	retention := s.c.cfg.OffsetsRetention.Milliseconds()
	ids := make([]string, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var recs []logRecord
	type expiry struct {
		group   string
		offsets []CommittedOffset
	}
	var expired []expiry
	var deleted []string
	for _, id := range ids {
		g := s.groups[id]
		all := true
		var gone []CommittedOffset
		for _, topic := range s.offsets.sortedTopics(id) {
			parts := s.offsets[id][topic]
			if g.isSubscribedTo(topic) {
				all = false
				continue
			}
			for _, p := range sortedPartitions(parts) {
				o := parts[p]
				if offsetExpired(g, o, now, retention) {
					recs = append(recs, offsetTombstone(id, topic, p))
					gone = append(gone, CommittedOffset{Topic: topic, Partition: p, Offset: o.offset, Metadata: o.metadata})
				} else {
					all = false
				}
			}
		}
		if len(gone) > 0 {
			expired = append(expired, expiry{id, gone})
		}
		if all && g.isEmpty() {
			recs = append(recs, groupTombstone(id))
			deleted = append(deleted, id)
		}
	}
	if len(recs) > 0 {
		s.c.logger.Info("expiring group metadata", "partition", s.partition, "tombstones", len(recs))
		s.write(recs, func() { s.replayRecords(recs) }, func(error) {})
		for _, e := range expired {
			s.emit(Event{Type: EventOffsetsExpired, Group: e.group, Offsets: e.offsets, Reason: "offsets.retention.minutes passed"})
		}
		for _, id := range deleted {
			s.emit(Event{Type: EventGroupDeleted, Group: id, Reason: "empty group without offsets"})
		}
	}
	s.scheduleExpiration()
}

func offsetExpired(g group, o offsetEntry, nowMs, retentionMs int64) bool {
	base, ok := g.expiryBase(o)
	if !ok {
		return false
	}
	if o.expireTimestamp >= 0 {
		// Committed with an explicit retention (OffsetCommit v2-v4).
		return nowMs >= o.expireTimestamp
	}
	return nowMs-base >= retentionMs
}
