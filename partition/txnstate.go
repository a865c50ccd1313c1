package partition

import (
	"encoding/binary"
	"slices"

	"github.com/gregorkafka/gregor/record"
)

// Transactions on the partition side (KIP-98). A transactional producer
// writes batches with the transactional attribute; they stay "unstable"
// until its transaction coordinator writes a marker (a control batch,
// COMMIT or ABORT) after them. The partition keeps, as Kafka's
// ProducerStateManager does:
//
//   - the ongoing transactions, each producer's first offset since its
//     last marker (currentTxnFirstOffset);
//   - the completed transactions whose marker the high watermark has not
//     passed yet (unreplicatedTxns): until every in-sync replica holds the
//     marker, a read_committed consumer must not get past the
//     transaction, or a failover could turn an abort it never saw into
//     data it already returned;
//   - the aborted transactions (the transaction index, Kafka's AbortedTxn
//     entries), so that a read_committed fetch can tell the consumer which
//     producers' records to drop in the range it returns.
//
// The last stable offset (LSO) is the first offset of the earliest
// transaction that is ongoing or not yet replicated, capped by the high
// watermark: read_committed consumers read up to it.

// AbortedTxn is one entry of the transaction index: a transaction of
// ProducerID that spans [FirstOffset, LastOffset] (LastOffset is its
// ABORT marker), and the last stable offset when it was aborted (the
// first offset of another producer's open transaction, or LastOffset+1),
// which lets a reader stop collecting entries early, as Kafka's
// TransactionIndex.collectAbortedTxns does.
type AbortedTxn struct {
	ProducerID       int64
	FirstOffset      int64
	LastOffset       int64
	LastStableOffset int64
}

// completedTxn is a transaction whose marker is written.
type completedTxn struct {
	producerID              int64
	firstOffset, lastOffset int64
	aborted                 bool
}

type ongoingTxn struct {
	producerID  int64
	firstOffset int64
}

type txnState struct {
	ongoing      []ongoingTxn // by firstOffset
	unreplicated []completedTxn
	aborted      []AbortedTxn // by LastOffset, as the markers were written
}

func (t *txnState) begin(pid, firstOffset int64) {
	t.ongoing = append(t.ongoing, ongoingTxn{producerID: pid, firstOffset: firstOffset})
}

// firstUnstable is the first offset of the earliest transaction that is
// open, or completed with its marker at or above hw; -1 if none.
func (t *txnState) firstUnstable(hw int64) int64 {
	first := int64(-1)
	if len(t.ongoing) > 0 {
		first = t.ongoing[0].firstOffset
	}
	for _, c := range t.unreplicated {
		if c.lastOffset >= hw && (first < 0 || c.firstOffset < first) {
			first = c.firstOffset
		}
	}
	return first
}

// onHighWatermark forgets the completed transactions every in-sync
// replica now holds (ProducerStateManager.onHighWatermarkUpdated).
func (t *txnState) onHighWatermark(hw int64) {
	t.unreplicated = slices.DeleteFunc(t.unreplicated, func(c completedTxn) bool { return c.lastOffset < hw })
}

// Control record keys and values (Kafka's ControlRecordType and
// EndTransactionMarker): the key is version int16 (0) and type int16
// (0 ABORT, 1 COMMIT); the value is version int16 (0) and the
// coordinator epoch int32.
const (
	controlTypeAbort  = 0
	controlTypeCommit = 1
)

func controlKey(commit bool) []byte {
	k := make([]byte, 4)
	if commit {
		binary.BigEndian.PutUint16(k[2:], controlTypeCommit)
	}
	return k
}

func endTxnMarkerValue(coordinatorEpoch int32) []byte {
	v := make([]byte, 6)
	binary.BigEndian.PutUint32(v[2:], uint32(coordinatorEpoch))
	return v
}

// readEndTxnMarker decodes a control batch's record. ok is false for a
// control batch that is not a transaction marker (Kafka has others, for
// KRaft's own log, which a topic partition never holds) or is malformed.
func readEndTxnMarker(batch []byte) (commit bool, coordinatorEpoch int32, ok bool) {
	recs, err := record.Records(batch)
	if err != nil || len(recs) == 0 || len(recs[0].Key) < 4 {
		return false, 0, false
	}
	switch binary.BigEndian.Uint16(recs[0].Key[2:]) {
	case controlTypeAbort:
	case controlTypeCommit:
		commit = true
	default:
		return false, 0, false
	}
	coordinatorEpoch = -1
	if v := recs[0].Value; len(v) >= 6 {
		coordinatorEpoch = int32(binary.BigEndian.Uint32(v[2:]))
	}
	return commit, coordinatorEpoch, true
}

// completeTxn applies a marker, as ProducerAppendInfo.appendEndTxnMarker
// and UnifiedLog's completion of the transaction do: the producer's open
// transaction (or, with none open, just the marker) becomes completed, an
// aborted one goes into the transaction index.
func (ps *producerState) completeTxn(e *producerEntry, batch []byte, h record.Header) {
	commit, coordEpoch, ok := readEndTxnMarker(batch)
	if !ok {
		return
	}
	first := e.currentTxnFirstOffset
	if first < 0 {
		first = h.BaseOffset
	}
	c := completedTxn{producerID: h.ProducerID, firstOffset: first, lastOffset: h.BaseOffset, aborted: !commit}
	t := &ps.txns
	if c.aborted {
		lso := c.lastOffset + 1
		for _, o := range t.ongoing {
			if o.producerID != c.producerID {
				lso = o.firstOffset
				break
			}
		}
		t.aborted = append(t.aborted, AbortedTxn{ProducerID: c.producerID, FirstOffset: c.firstOffset, LastOffset: c.lastOffset, LastStableOffset: lso})
	}
	t.ongoing = slices.DeleteFunc(t.ongoing, func(o ongoingTxn) bool { return o.producerID == c.producerID })
	t.unreplicated = append(t.unreplicated, c)
	e.currentTxnFirstOffset = -1
	e.coordinatorEpoch = coordEpoch
}

// abortedTxns returns the index entries a read_committed fetch of
// [from, upTo) must carry: every aborted transaction overlapping it.
func (t *txnState) abortedTxns(from, upTo int64) []AbortedTxn {
	var out []AbortedTxn
	for _, a := range t.aborted {
		if a.LastOffset >= from && a.FirstOffset < upTo {
			out = append(out, a)
		}
	}
	return out
}
