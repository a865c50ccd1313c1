package broker

import (
	"slices"
	"sync/atomic"
)

// TxnMarkerEvent is one transaction marker a partition leader wrote
// (WriteTxnMarkers, from a client or the cluster's own transaction
// coordinator): where it went and what it said.
type TxnMarkerEvent struct {
	Broker           int32 // the leader that wrote it
	Topic            string
	Partition        int32
	ProducerID       int64
	ProducerEpoch    int16
	Commit           bool // false: ABORT
	CoordinatorEpoch int32
	Offset           int64 // the control batch's offset
}

// markerLogSize bounds the markers kept.
const markerLogSize = 1024

// markerLog keeps the most recent markers. Markers are rare next to
// records, so each one copies the list (copy on write) rather than take
// a lock.
type markerLog struct {
	events atomic.Pointer[[]TxnMarkerEvent]
}

func (l *markerLog) record(e TxnMarkerEvent) {
	for {
		old := l.events.Load()
		var next []TxnMarkerEvent
		if old != nil {
			next = slices.Clone(*old)
		}
		next = append(next, e)
		if len(next) > markerLogSize {
			next = next[len(next)-markerLogSize:]
		}
		if l.events.CompareAndSwap(old, &next) {
			return
		}
	}
}

// TxnMarkers returns the transaction markers written so far (at least the
// most recent 1024), oldest first: a test sees which transactions ended,
// how, and where, whether a client or the coordinator wrote them.
func (c *Cluster) TxnMarkers() []TxnMarkerEvent {
	if p := c.markers.events.Load(); p != nil {
		return slices.Clone(*p)
	}
	return nil
}
