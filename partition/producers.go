package partition

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Idempotent producing (KIP-98). A producer with enable.idempotence=true
// gets a producer id and epoch (InitProducerId) and numbers its batches
// per partition with sequence numbers. The partition leader remembers,
// per producer id, the epoch and the last five batches' sequence ranges
// with their offsets (Kafka's ProducerStateEntry keeps five because a
// producer has at most five requests in flight,
// max.in.flight.requests.per.connection <= 5). With that it can
//
//   - recognise a retried batch it already wrote and answer with the
//     original offsets instead of writing it twice;
//   - refuse a batch that skips ahead (OUT_OF_ORDER_SEQUENCE_NUMBER), so
//     a lost batch cannot be silently followed by later ones;
//   - refuse a producer older than the latest epoch (INVALID_PRODUCER_EPOCH).
//
// Followers rebuild the same state from the batches they copy, and a
// replica opened from disk loads it from its latest producer snapshot
// and the log after it (producersnapshot.go), so the rules hold across
// leader failover and restarts. A transactional producer's entry
// also holds its open transaction (txnstate.go): the offset of its first
// transactional batch since the last marker, Kafka's
// currentTxnFirstOffset, from which the last stable offset is derived.

// batchesToRetain is Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN.
const batchesToRetain = 5

// batchMetadata is one remembered batch of a producer.
type batchMetadata struct {
	firstSeq, lastSeq       int32
	firstOffset, lastOffset int64
	timestamp               int64
}

type producerEntry struct {
	epoch   int16
	batches []batchMetadata // oldest first, at most batchesToRetain
	// coordinatorEpoch is the epoch of the transaction coordinator that
	// wrote this producer's last marker, -1 before any.
	coordinatorEpoch int32
	// currentTxnFirstOffset is the first offset of the producer's open
	// transaction, -1 when none is open.
	currentTxnFirstOffset int64
	lastTimestamp         int64
}

type producerState struct {
	entries map[int64]*producerEntry
	txns    txnState
	// snapOffset is the offset of the latest snapshot written or loaded,
	// or the log start offset (Kafka's lastSnapOffset): a snapshot is
	// only worth taking beyond it.
	snapOffset int64
}

func newProducerState() *producerState {
	return &producerState{entries: make(map[int64]*producerEntry)}
}

// entry returns the producer's entry, creating it at epoch.
func (ps *producerState) entry(pid int64, epoch int16) *producerEntry {
	e := ps.entries[pid]
	if e == nil {
		e = &producerEntry{epoch: epoch, coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: -1}
		ps.entries[pid] = e
	}
	return e
}

// lastSequence is the sequence of a batch's last record; sequences wrap
// from MaxInt32 to 0 (DefaultRecordBatch.incrementSequence).
func lastSequence(h record.Header) int32 {
	if h.BaseSequence < 0 {
		return -1
	}
	inc := h.LastOffsetDelta
	if h.BaseSequence > 1<<31-1-inc {
		return inc - (1<<31 - 1 - h.BaseSequence) - 1
	}
	return h.BaseSequence + inc
}

func inSequence(last, next int32) bool {
	return int64(next) == int64(last)+1 || (next == 0 && last == 1<<31-1)
}

// checkClient applies the producer rules to a batch a client wants to
// append. It returns the metadata of the original batch when this one is a
// duplicate of a batch already in the log.
func (ps *producerState) checkClient(h record.Header) (*batchMetadata, error) {
	if !h.HasProducerID() {
		return nil, nil
	}
	e := ps.entries[h.ProducerID]
	if e == nil {
		// Nothing known (a new producer, or its records are gone): any
		// sequence is accepted, as Kafka does since KIP-360.
		return nil, nil
	}
	if e.currentTxnFirstOffset >= 0 && !h.IsTransactional() && h.ProducerEpoch == e.epoch {
		// ProducerAppendInfo.checkProducerEpoch's neighbour: a producer
		// inside a transaction may only write transactional batches.
		return nil, kafkaerr.New(kerr.InvalidTxnState, "expected a transactional write from producer %d at offset %d", h.ProducerID, e.currentTxnFirstOffset)
	}
	last := lastSequence(h)
	if h.ProducerEpoch == e.epoch {
		for i := range e.batches {
			if b := e.batches[i]; b.firstSeq == h.BaseSequence && b.lastSeq == last {
				return &b, nil
			}
		}
	}
	if h.ProducerEpoch < e.epoch {
		return nil, kafkaerr.New(kerr.InvalidProducerEpoch, "epoch %d of producer %d is older than the current epoch %d", h.ProducerEpoch, h.ProducerID, e.epoch)
	}
	if h.ProducerEpoch != e.epoch {
		if h.BaseSequence != 0 {
			return nil, kafkaerr.New(kerr.OutOfOrderSequenceNumber, "invalid sequence number %d for new epoch %d of producer %d: a new epoch starts at 0", h.BaseSequence, h.ProducerEpoch, h.ProducerID)
		}
		return nil, nil
	}
	current := int32(-1)
	if n := len(e.batches); n > 0 {
		current = e.batches[n-1].lastSeq
	}
	if !inSequence(current, h.BaseSequence) {
		return nil, kafkaerr.New(kerr.OutOfOrderSequenceNumber, "out of order sequence number for producer %d: %d (incoming), %d (current end)", h.ProducerID, h.BaseSequence, current)
	}
	return nil, nil
}

// update records an appended batch, whoever appended it: the leader, a
// follower copying it, or a replica replaying its log. batch is needed
// only for control batches, whose record says which marker it is.
func (ps *producerState) update(batch []byte, h record.Header) {
	if !h.HasProducerID() {
		return
	}
	e := ps.entry(h.ProducerID, h.ProducerEpoch)
	if h.ProducerEpoch > e.epoch || (h.ProducerEpoch != e.epoch && !h.IsControl()) {
		e.epoch, e.batches = h.ProducerEpoch, nil
	}
	e.lastTimestamp = h.MaxTimestamp
	if h.IsControl() {
		if h.IsTransactional() {
			ps.completeTxn(e, batch, h)
		}
		return
	}
	if h.IsTransactional() && e.currentTxnFirstOffset < 0 {
		e.currentTxnFirstOffset = h.BaseOffset
		ps.txns.begin(h.ProducerID, h.BaseOffset)
	}
	if h.BaseSequence < 0 {
		return
	}
	e.batches = append(e.batches, batchMetadata{
		firstSeq: h.BaseSequence, lastSeq: lastSequence(h),
		firstOffset: h.BaseOffset, lastOffset: h.LastOffset(), timestamp: h.MaxTimestamp,
	})
	if len(e.batches) > batchesToRetain {
		e.batches = append(e.batches[:0], e.batches[len(e.batches)-batchesToRetain:]...)
	}
}
