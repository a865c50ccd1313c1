package segment

// Retention with cleanup.policy=delete, after Kafka's
// UnifiedLog.deleteOldSegments: the broker periodically
// (log.retention.check.interval.ms) deletes whole segments from the old
// end of the log, and the log start offset moves to the first segment
// kept. A segment goes
//
//   - by time (retention.ms) when the broker's clock is more than
//     retention.ms past the segment's largest record timestamp. A segment
//     whose largest timestamp lies in the future is therefore kept until
//     the clock has passed it by retention.ms;
//   - by size (retention.bytes) while the log would still hold at least
//     retention.bytes without it: oldest first, so the log ends up at
//     most one segment above the limit.
//
// Either limit at -1 is off. Deletion stops at the first segment that is
// not due, so the log start offset only ever moves to a segment boundary,
// and it never takes the active segment, nor a segment holding records at
// or above the high watermark (bound), which consumers have not been
// allowed to see.

// Retention is a topic's retention configs.
type Retention struct {
	Ms    int64 // retention.ms; -1 keeps segments forever
	Bytes int64 // retention.bytes; -1 sets no size limit
}

// RetentionDue returns how many of the oldest segments retention would
// delete at nowMs, among those lying wholly below bound (the high
// watermark), and the log start offset that deleting them leads to (the
// base offset of the first segment kept). The active segment is never
// counted.
func (l *Log) RetentionDue(r Retention, nowMs, bound int64) (n int, logStart int64) {
	excess := int64(-1)
	if r.Bytes >= 0 {
		excess = l.Size() - r.Bytes
	}
	for ; n < len(l.segments)-1; n++ {
		s, next := l.segments[n], l.segments[n+1]
		if next.baseOffset > bound {
			break
		}
		byTime := r.Ms >= 0 && nowMs-s.largestTimestamp() > r.Ms
		bySize := excess >= 0 && excess-s.size() >= 0
		if !byTime && !bySize {
			break
		}
		if excess >= 0 {
			excess -= s.size()
		}
	}
	return n, max(l.segments[n].baseOffset, l.logStartOffset)
}

// largestTimestamp is what retention.ms measures a segment's age from:
// its largest record timestamp, or, for a segment without timestamped
// records, when it was created (Kafka uses the file's modification time).
func (s *segment) largestTimestamp() int64 {
	if s.maxTimestamp >= 0 {
		return s.maxTimestamp
	}
	return s.createdMs
}
