package partition

import (
	"slices"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
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
type AbortedTxn = segment.AbortedTxn

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

// completeTxn applies a marker, as ProducerAppendInfo.appendEndTxnMarker
// and UnifiedLog's completion of the transaction do: the producer's open
// transaction (or, with none open, just the marker) becomes completed, an
// aborted one goes into the transaction index.
func (ps *producerState) completeTxn(e *producerEntry, batch []byte, h record.Header) {
	commit, coordEpoch, ok := record.ReadEndTxnMarker(batch)
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

// dropAbortedBefore forgets the aborted transactions whose marker is
// below offset, the new log start: no fetch can ask for them again, as
// Kafka's deleted segments take their transaction index with them.
func (t *txnState) dropAbortedBefore(offset int64) {
	t.aborted = slices.DeleteFunc(t.aborted, func(a AbortedTxn) bool { return a.LastOffset < offset })
}

// indexAbortedSince writes the aborted transactions recorded since the
// first n to the log's transaction index files. Callers hold p.mu.
func (p *Partition) indexAbortedSince(n int) {
	for _, a := range p.producers.txns.aborted[n:] {
		if err := p.log.AppendAbortedTxn(a); err != nil {
			p.logger.Error("writing the transaction index", "error", err)
		}
	}
}

// rewriteTxnIndexes makes the transaction index files match the aborted
// transactions the replica knows (after a replay, a truncation or a
// cleaning), leaving alone the files that already match.
// Callers hold p.mu, or own p before it is shared.
func (p *Partition) rewriteTxnIndexes() {
	if err := p.log.RewriteTxnIndexes(p.producers.txns.aborted); err != nil {
		p.logger.Error("rewriting the transaction index", "error", err)
	}
}
