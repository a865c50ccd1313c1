package broker

import (
	"sync"

	"github.com/gregorkafka/gregor/partition"
)

// SegmentEvent is one change to a replica's segments: a roll, a deletion
// (its files renamed .deleted, with the cause) or the removal of a deleted
// segment's files after file.delete.delay.ms. Scenario 9 watches these to
// see retention happen.
type SegmentEvent = partition.SegmentEvent

// segmentEventHistory is how many segment events the cluster keeps.
const segmentEventHistory = 10000

// segmentEventLog is the cluster's recent segment events of every
// replica. Replicas publish under their own lock, so publishing only
// appends.
type segmentEventLog struct {
	mu     sync.Mutex
	events []SegmentEvent
}

func (l *segmentEventLog) publish(e SegmentEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	if len(l.events) > segmentEventHistory+segmentEventHistory/2 {
		// Trim in chunks, so keeping the history costs O(1) per event.
		l.events = append(l.events[:0:0], l.events[len(l.events)-segmentEventHistory:]...)
	}
}

// SegmentEvents returns the segment events recorded so far for a topic
// ("" for every topic), oldest first, from every broker's replicas. The
// cluster keeps at least the most recent 10000.
func (c *Cluster) SegmentEvents(topic string) []SegmentEvent {
	c.segmentEvents.mu.Lock()
	defer c.segmentEvents.mu.Unlock()
	var out []SegmentEvent
	for _, e := range c.segmentEvents.events {
		if topic == "" || e.Topic == topic {
			out = append(out, e)
		}
	}
	return out
}
