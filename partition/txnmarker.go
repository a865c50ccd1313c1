package partition

import (
	"cmp"
	"slices"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// TxnMarker is what a transaction coordinator asks a partition leader to
// write when a transaction ends (one entry of WriteTxnMarkers).
type TxnMarker struct {
	ProducerID    int64
	ProducerEpoch int16
	// Commit writes a COMMIT marker; false writes ABORT.
	Commit           bool
	CoordinatorEpoch int32
	// TransactionVersion is the transaction protocol the coordinator
	// uses (WriteTxnMarkers v2+, KIP-890): from version 2 the
	// coordinator bumps the producer epoch on every EndTxn, so a marker
	// must carry an epoch newer than the transaction's batches. Zero
	// and 1 are the older protocol.
	TransactionVersion int8
}

// AppendTxnMarker writes the control batch that ends a producer's
// transaction on this partition, as the leader does for WriteTxnMarkers
// (UnifiedLog.appendAsLeader with origin COORDINATOR): one control
// record in a transactional batch with the producer's id and epoch and
// no sequence. It completes the producer's open transaction, moving the
// last stable offset, and records an aborted one in the transaction
// index.
//
// A marker older than the producer's epoch is INVALID_PRODUCER_EPOCH;
// one from an older coordinator than the producer's last marker is
// TRANSACTION_COORDINATOR_FENCED (ProducerAppendInfo's checks).
// requiredAcks is as for AppendBatchAsLeader (the coordinator uses -1);
// waiting for the followers is the caller's part.
func (p *Partition) AppendTxnMarker(m TxnMarker, requiredAcks int16) (AppendResult, error) {
	if m.ProducerID < 0 || m.ProducerEpoch < 0 {
		return noAppend, kafkaerr.New(kerr.InvalidRequest, "a transaction marker needs a producer id and epoch, got %d and %d", m.ProducerID, m.ProducerEpoch)
	}
	if m.CoordinatorEpoch < 0 {
		return noAppend, kafkaerr.New(kerr.InvalidRequest, "a transaction marker needs a coordinator epoch of 0 or more, got %d", m.CoordinatorEpoch)
	}
	if requiredAcks != 0 && requiredAcks != 1 && requiredAcks != -1 {
		return noAppend, kafkaerr.New(kerr.InvalidRequiredAcks, "acks must be 0, 1 or -1 (all), not %d", requiredAcks)
	}
	cfg := p.Config()
	now := p.nowMs()
	b, err := record.Build(record.BatchOptions{
		Transactional: true,
		Control:       true,
		HasProducer:   true,
		ProducerID:    m.ProducerID,
		ProducerEpoch: m.ProducerEpoch,
		BaseSequence:  -1,
	}, []record.Record{{Timestamp: now, Key: record.EndTxnMarkerKey(m.Commit), Value: record.EndTxnMarkerValue(m.CoordinatorEpoch)}})
	if err != nil {
		return noAppend, err
	}
	h, err := record.ReadHeader(b)
	if err != nil {
		return noAppend, err
	}
	v := validated{batch: b, header: h, maxTimestamp: now, numRecords: 1}
	p.mu.Lock()
	if _, err := p.checkAppendLocked(v, FromCoordinator, requiredAcks, cfg); err != nil {
		p.mu.Unlock()
		return noAppend, err
	}
	if err := p.producers.checkMarker(m); err != nil {
		p.mu.Unlock()
		return noAppend, err
	}
	res, err := p.writeLocked(v, cfg, now)
	if err == nil {
		p.endVerificationLocked(m)
	}
	p.mu.Unlock()
	if err == nil {
		p.watchers.wake()
	}
	return res, err
}

// checkMarker applies ProducerAppendInfo's epoch checks to a marker.
func (ps *producerState) checkMarker(m TxnMarker) error {
	e := ps.entries[m.ProducerID]
	if e == nil {
		return nil
	}
	if m.ProducerEpoch < e.epoch || (m.TransactionVersion >= 2 && m.ProducerEpoch == e.epoch && e.currentTxnFirstOffset >= 0) {
		return kafkaerr.New(kerr.InvalidProducerEpoch, "epoch %d of the marker for producer %d is older than the producer's epoch %d", m.ProducerEpoch, m.ProducerID, e.epoch)
	}
	if e.coordinatorEpoch > m.CoordinatorEpoch {
		return kafkaerr.New(kerr.TransactionCoordinatorFenced, "coordinator epoch %d of the marker for producer %d is older than %d, the epoch of its last marker", m.CoordinatorEpoch, m.ProducerID, e.coordinatorEpoch)
	}
	return nil
}

// LastStableOffset is the offset read_committed consumers read up to: the
// first offset of the earliest transaction not yet completed on every
// in-sync replica, or the high watermark when there is none.
func (p *Partition) LastStableOffset() int64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.lastStableOffset()
}

// lastStableOffset: callers hold p.mu.
func (p *Partition) lastStableOffset() int64 {
	if first := p.producers.txns.firstUnstable(p.highWatermark); first >= 0 && first < p.highWatermark {
		return first
	}
	return p.highWatermark
}

// ProducerInfo is one producer this replica knows of, as DescribeProducers
// reports it.
type ProducerInfo struct {
	ProducerID       int64
	ProducerEpoch    int16
	LastSequence     int32 // -1 before any sequenced batch
	LastTimestamp    int64 // -1 when unknown
	CoordinatorEpoch int32 // -1 before any marker
	// CurrentTxnStartOffset is the first offset of the producer's open
	// transaction, -1 when none is open.
	CurrentTxnStartOffset int64
}

// ActiveProducers returns the producers whose state this replica keeps,
// by producer id.
func (p *Partition) ActiveProducers() []ProducerInfo {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]ProducerInfo, 0, len(p.producers.entries))
	for pid, e := range p.producers.entries {
		seq := int32(-1)
		if n := len(e.batches); n > 0 {
			seq = e.batches[n-1].lastSeq
		}
		out = append(out, ProducerInfo{ProducerID: pid, ProducerEpoch: e.epoch, LastSequence: seq,
			LastTimestamp: e.lastTimestamp, CoordinatorEpoch: e.coordinatorEpoch, CurrentTxnStartOffset: e.currentTxnFirstOffset})
	}
	slices.SortFunc(out, func(a, b ProducerInfo) int { return cmp.Compare(a.ProducerID, b.ProducerID) })
	return out
}

// AbortedTransactions returns the transaction index entries of aborted
// transactions that end at or after offset, oldest first.
func (p *Partition) AbortedTransactions(offset int64) []AbortedTxn {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.producers.txns.abortedTxns(offset, 1<<63-1)
}
