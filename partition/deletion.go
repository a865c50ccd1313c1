package partition

import (
	"time"

	"github.com/gregorkafka/gregor/segment"
)

// Segment deletion on the cluster clock. The log renames a deleted
// segment's files .deleted at once (segment/deletion.go) and asks the
// replica to remove them file.delete.delay.ms later: a timer on the
// replica's clock, so a test with a manual clock sees the files go
// exactly when it advances past the delay. A replica closed before its
// timers fire leaves the files to the next open, which removes them, as a
// Kafka broker restarted within the delay does.

// scheduleRemoval is the log's ScheduleRemoval. The log calls it with
// p.mu held, so the delay is the one in force at the deletion.
func (p *Partition) scheduleRemoval(remove func()) {
	delay := time.Duration(p.cfg.FileDeleteDelayMs) * time.Millisecond
	p.clock.AfterFunc(delay, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.closed {
			remove()
		}
	})
}

// segmentEvent reports a change to the log's segments: in the replica's
// log, and to the owner's SegmentEvents hook. The log calls it with p.mu
// held.
func (p *Partition) segmentEvent(e segment.Event) {
	switch e.Kind {
	case segment.Rolled:
		p.logger.Info("segment rolled", "base_offset", e.BaseOffset, "next_offset", e.NextOffset, "size", e.Size)
		// The new segment starts where the producer state stands:
		// every batch below its base is applied (UnifiedLog.roll).
		p.takeProducerSnapshot(p.log.LogEndOffset(), false)
	case segment.Deleted:
		p.logger.Info("segment deleted", "base_offset", e.BaseOffset, "next_offset", e.NextOffset, "size", e.Size, "cause", e.Cause, "file_delete_delay_ms", p.cfg.FileDeleteDelayMs)
	case segment.Removed:
		p.logger.Info("deleted segment's files removed", "base_offset", e.BaseOffset)
	}
	if p.onSegmentEvent != nil {
		p.onSegmentEvent(SegmentEvent{Topic: p.topic, Partition: p.index, BrokerID: p.brokerID, Event: e})
	}
}

// SegmentEvent is a segment event of one replica.
type SegmentEvent struct {
	Topic     string
	Partition int32
	BrokerID  int32
	segment.Event
}
