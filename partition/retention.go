package partition

import (
	"github.com/gregorkafka/gregor/clock"
)

// ApplyRetention deletes the old segments that retention.ms and
// retention.bytes no longer keep (cleanup.policy=delete; see
// segment.Log.RetentionDue) and moves the log start offset to the first
// segment kept, as Kafka's UnifiedLog.deleteOldSegments does on every
// replica, leader or follower. A compacted topic without delete in its
// policy keeps everything. It returns how many segments went.
func (p *Partition) ApplyRetention() (int, error) {
	p.mu.Lock()
	if p.closed || !p.cfg.DeletePolicy {
		p.mu.Unlock()
		return 0, nil
	}
	now := clock.Millis(p.clock.Now())
	n, logStart := p.log.RetentionDue(p.cfg.Retention, now, p.highWatermark)
	var err error
	if n > 0 {
		err = p.advanceLogStart(logStart, "retention")
	}
	p.mu.Unlock()
	if n > 0 && err == nil {
		p.watchers.wake()
	}
	return n, err
}
