package segment

import (
	"cmp"
	"slices"

	"github.com/gregorkafka/gregor/record"
)

// Transactions in the cleaner, after Kafka's CleanedTransactionMetadata.
// The cleaner reads the cleanable range in offset order and, from the
// log's aborted transactions (its transaction index), knows at each batch
// which producers are inside an aborted transaction:
//
//   - a data batch of an aborted transaction is removed whole, records
//     and all (a producer's last batch stays empty, as for any batch), and
//     its records never enter the key map, so an aborted value cannot
//     shadow the committed value before it;
//   - an ABORT marker stays while the cleaning saw a data batch of its
//     transaction, and then its transaction index entry stays too; once a
//     cleaning finds no data of it, the marker gets a delete horizon of
//     now + delete.retention.ms (KIP-534, as a tombstone does) and the
//     first cleaning after the horizon removes it, its index entry gone;
//   - a COMMIT marker likewise stays while the cleaning still meets data
//     of its transaction, and then goes the same way.
//
// The delay gives a consumer that has read the transaction's data within
// delete.retention.ms the marker too. Open transactions never reach the
// cleaner: it stops below the last stable offset.

// cleanerTxns is the transaction state of one pass over the cleanable
// range.
type cleanerTxns struct {
	pending   []AbortedTxn // by first offset: aborted transactions not yet reached
	aborted   map[int64]*abortedInPass
	committed map[int64]bool // producers inside a transaction not aborted
	kept      []AbortedTxn   // index entries whose marker the pass kept with data
}

type abortedInPass struct {
	txn     AbortedTxn
	sawData bool
}

func newCleanerTxns(aborted []AbortedTxn) *cleanerTxns {
	pending := slices.Clone(aborted)
	slices.SortStableFunc(pending, func(a, b AbortedTxn) int { return cmp.Compare(a.FirstOffset, b.FirstOffset) })
	return &cleanerTxns{pending: pending, aborted: map[int64]*abortedInPass{}, committed: map[int64]bool{}}
}

// reach makes the aborted transactions that have begun by offset current.
func (t *cleanerTxns) reach(offset int64) {
	for len(t.pending) > 0 && t.pending[0].FirstOffset <= offset {
		a := t.pending[0]
		t.pending = t.pending[1:]
		if t.aborted[a.ProducerID] == nil {
			t.aborted[a.ProducerID] = &abortedInPass{txn: a}
		}
	}
}

// onData reports whether a data batch belongs to an aborted transaction.
func (t *cleanerTxns) onData(h record.Header) bool {
	t.reach(h.LastOffset())
	if !h.IsTransactional() {
		return false
	}
	if a := t.aborted[h.ProducerID]; a != nil {
		a.sawData = true
		return true
	}
	t.committed[h.ProducerID] = true
	return false
}

// onControl reports whether a control batch may be removed (once its
// delete horizon has passed): a marker whose transaction left no data in
// this pass, or a control batch already emptied by an earlier cleaning.
func (t *cleanerTxns) onControl(b []byte, h record.Header) bool {
	t.reach(h.LastOffset())
	if h.NumRecords == 0 {
		return true
	}
	commit, _, ok := record.ReadEndTxnMarker(b)
	if !ok {
		return false // not a transaction marker: kept as it is
	}
	if commit {
		seen := t.committed[h.ProducerID]
		delete(t.committed, h.ProducerID)
		return !seen
	}
	a := t.aborted[h.ProducerID]
	delete(t.aborted, h.ProducerID)
	if a != nil && a.sawData {
		t.kept = append(t.kept, a.txn)
		return false
	}
	return true
}
