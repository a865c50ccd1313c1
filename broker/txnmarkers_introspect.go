package broker

import (
	"slices"
	"sync"
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

// markerLog keeps the most recent markers, a ring of markerLogSize.
// Under transaction version 2 a transaction's markers are as frequent as
// its EndTxn, so a marker costs one slot, not a copy of the list.
type markerLog struct {
	mu     sync.Mutex
	events []TxnMarkerEvent
	next   int // the oldest event, once the ring is full
}

func (l *markerLog) record(e TxnMarkerEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) < markerLogSize {
		l.events = append(l.events, e)
		return
	}
	l.events[l.next] = e
	l.next = (l.next + 1) % markerLogSize
}

// list returns the events, oldest first.
func (l *markerLog) list() []TxnMarkerEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return nil
	}
	return append(slices.Clone(l.events[l.next:]), l.events[:l.next]...)
}

// TxnMarkers returns the transaction markers written so far (at least the
// most recent 1024), oldest first: a test sees which transactions ended,
// how, and where, whether a client or the coordinator wrote them.
func (c *Cluster) TxnMarkers() []TxnMarkerEvent {
	return c.markers.list()
}
