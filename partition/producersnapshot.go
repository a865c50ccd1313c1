package partition

import (
	"cmp"
	"errors"
	"log/slog"
	"slices"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
)

// Producer state on disk, after Kafka's ProducerStateManager and the
// producer-state half of LogLoader. The state of every producer (its
// epoch, its last batch, its open transaction) is written to a
// <offset>.snapshot file (segment/snapshot.go) when a segment rolls,
// named after the new segment's base offset, and at a clean close, at
// the log end offset. A replica that opens its log loads the latest
// snapshot and replays only the batches after it; the aborted
// transactions below the snapshot are read back from the segments'
// .txnindex files instead of being found again in the batches.
//
// As in Kafka:
//
//   - snapshots beyond the log end offset (a crash cut the log shorter),
//     at or below the log start offset, and stray ones not at a segment's
//     base offset (except the latest, a clean close's) are deleted before
//     loading; a deleted segment takes its snapshot with it;
//   - a corrupt snapshot (wrong version, size or CRC) is deleted with a
//     warning and the next older one is tried; with none left the state
//     is rebuilt from the log start;
//   - a truncation reloads the state from the latest snapshot at or below
//     the new log end and replays from there;
//   - a producer with no open transaction whose last timestamp is
//     producer.id.expiration.ms older than the clock is not loaded, and is
//     forgotten by the periodic expiration check (RemoveExpiredProducers,
//     every producer.id.expiration.check.interval.ms).
//
// A snapshot keeps each producer's last batch only, so after a reload
// only a retry of that batch is recognised as a duplicate, which is
// Kafka's trade-off too. Transactions completed below the snapshot are
// taken as replicated: a reopened replica's high watermark is not above
// its log end, and Kafka makes the same assumption.
//
// If a .txnindex cannot be trusted (not whole entries, entries out of
// their segment, or a segment whose other indexes had to be rebuilt at
// open), the snapshot is not used: the state and the indexes are
// rebuilt from the whole log, and the indexes rewritten.

// snapshotEntries returns the producers as snapshot entries, by id.
func (ps *producerState) snapshotEntries() []segment.ProducerSnapshotEntry {
	out := make([]segment.ProducerSnapshotEntry, 0, len(ps.entries))
	for pid, e := range ps.entries {
		se := segment.ProducerSnapshotEntry{
			ProducerID: pid, Epoch: e.epoch, LastSequence: -1, LastOffset: -1,
			Timestamp: e.lastTimestamp, CoordinatorEpoch: e.coordinatorEpoch, CurrentTxnFirstOffset: e.currentTxnFirstOffset,
		}
		if n := len(e.batches); n > 0 {
			b := e.batches[n-1]
			se.LastSequence, se.LastOffset, se.OffsetDelta = b.lastSeq, b.lastOffset, int32(b.lastOffset-b.firstOffset)
		}
		out = append(out, se)
	}
	slices.SortFunc(out, func(a, b segment.ProducerSnapshotEntry) int { return cmp.Compare(a.ProducerID, b.ProducerID) })
	return out
}

// decrementSequence is DefaultRecordBatch.decrementSequence: sequences
// wrap from MaxInt32 to 0, so going back from a small one wraps too.
func decrementSequence(seq, dec int32) int32 {
	if seq < dec {
		return 1<<31 - 1 - (dec - seq) + 1
	}
	return seq - dec
}

// loadSnapshotEntry adds a producer read from a snapshot, as
// ProducerStateManager.loadProducerEntry does: with its last batch (if it
// wrote one) and its open transaction.
func (ps *producerState) loadSnapshotEntry(se segment.ProducerSnapshotEntry) {
	e := &producerEntry{epoch: se.Epoch, coordinatorEpoch: se.CoordinatorEpoch,
		currentTxnFirstOffset: -1, lastTimestamp: se.Timestamp}
	if se.LastOffset >= 0 {
		e.batches = []batchMetadata{{
			firstSeq: decrementSequence(se.LastSequence, se.OffsetDelta), lastSeq: se.LastSequence,
			firstOffset: se.LastOffset - int64(se.OffsetDelta), lastOffset: se.LastOffset, timestamp: se.Timestamp,
		}}
	}
	if se.CurrentTxnFirstOffset >= 0 {
		e.currentTxnFirstOffset = se.CurrentTxnFirstOffset
		ps.txns.begin(se.ProducerID, se.CurrentTxnFirstOffset)
	}
	ps.entries[se.ProducerID] = e
}

// expired is ProducerStateManager.isProducerExpired.
func expired(nowMs, expirationMs int64, e *producerEntry) bool {
	return e.currentTxnFirstOffset < 0 && nowMs-e.lastTimestamp >= expirationMs
}

// removeExpired forgets the expired producers and returns how many.
func (ps *producerState) removeExpired(nowMs, expirationMs int64) int {
	n := 0
	for pid, e := range ps.entries {
		if expired(nowMs, expirationMs, e) {
			delete(ps.entries, pid)
			n++
		}
	}
	return n
}

// producerLoad is what loading the producer state needs.
type producerLoad struct {
	log          *segment.Log
	nowMs        int64
	expirationMs int64
	logger       *slog.Logger
	// abortedBelow returns the aborted transactions whose marker lies
	// below a snapshot's offset, or an error if they cannot be had
	// without replaying the log: from the .txnindex files when a replica
	// opens, from memory after a truncation.
	abortedBelow func(offset int64) ([]AbortedTxn, error)
}

// loadProducerState builds the producer state of a log: from its latest
// usable snapshot, then replaying the batches after it. It returns the
// state and whether the transaction indexes must be rewritten from it
// (they were not trusted).
func loadProducerState(ld producerLoad) (*producerState, bool, error) {
	l := ld.log
	logStart, logEnd := l.LogStartOffset(), l.LogEndOffset()
	offsets, err := l.ProducerSnapshots()
	if err != nil {
		return nil, false, err
	}
	// ProducerStateManager.truncateAndReload: snapshots out of range go.
	offsets = slices.DeleteFunc(offsets, func(off int64) bool {
		if off > logEnd || off <= logStart {
			if err := l.DeleteProducerSnapshot(off); err != nil {
				ld.logger.Warn("deleting an out-of-range producer snapshot", "offset", off, "error", err)
			}
			return true
		}
		return false
	})
	rewrite := false
	for i := len(offsets) - 1; i >= 0; i-- {
		off := offsets[i]
		entries, err := l.ReadProducerSnapshot(off)
		if errors.Is(err, segment.ErrCorruptSnapshot) {
			ld.logger.Warn("ignoring a corrupt producer snapshot; deleting it", "offset", off, "error", err)
			if err := l.DeleteProducerSnapshot(off); err != nil {
				ld.logger.Warn("deleting a corrupt producer snapshot", "offset", off, "error", err)
			}
			continue
		}
		if err != nil {
			return nil, false, err
		}
		aborted, err := ld.abortedBelow(off)
		if err != nil {
			ld.logger.Warn("rebuilding the producer state and transaction indexes from the log", "reason", err.Error())
			rewrite = true
			break
		}
		ps := newProducerState()
		for _, se := range entries {
			if se.CurrentTxnFirstOffset >= 0 || ld.nowMs-se.Timestamp < ld.expirationMs {
				ps.loadSnapshotEntry(se)
			}
		}
		slices.SortFunc(ps.txns.ongoing, func(a, b ongoingTxn) int { return cmp.Compare(a.firstOffset, b.firstOffset) })
		ps.txns.aborted = aborted
		ps.txns.dropAbortedBefore(logStart)
		ps.snapOffset = off
		ld.logger.Info("loaded producer state from snapshot", "offset", off, "producers", len(ps.entries), "replaying_from", off, "log_end_offset", logEnd)
		return ps, false, replay(ps, l, off)
	}
	ps := newProducerState()
	ps.snapOffset = logStart
	return ps, rewrite, replay(ps, l, -1)
}

// replay applies the log's batches that start at or after from, or all
// of them (the batch holding the log start included) when from is -1.
func replay(ps *producerState, l *segment.Log, from int64) error {
	if from >= l.LogEndOffset() {
		return nil
	}
	return l.Batches(max(from, l.LogStartOffset()), func(batch []byte, h record.Header) (bool, error) {
		if h.BaseOffset >= from {
			ps.update(batch, h)
		}
		return true, nil
	})
}

// takeProducerSnapshot writes the state at offset, which must be where
// the state stands (the log end, or a new segment's base at a roll),
// unless a snapshot at or beyond it was already taken
// (ProducerStateManager.takeSnapshot). Callers hold p.mu or own p.
func (p *Partition) takeProducerSnapshot(offset int64, sync bool) {
	if offset <= p.producers.snapOffset {
		return
	}
	if err := p.log.WriteProducerSnapshot(offset, p.producers.snapshotEntries(), sync); err != nil {
		p.logger.Error("writing a producer snapshot", "offset", offset, "error", err)
		return
	}
	p.producers.snapOffset = offset
}

// reloadProducerState rebuilds the state after a truncation, from the
// latest snapshot at or below the new log end; the aborted transactions
// below that snapshot are the ones already known. Callers hold p.mu.
func (p *Partition) reloadProducerState() error {
	known := p.producers.txns.aborted
	ps, _, err := loadProducerState(producerLoad{
		log: p.log, nowMs: clock.Millis(p.clock.Now()), expirationMs: p.cfg.ProducerIDExpirationMs, logger: p.logger,
		abortedBelow: func(off int64) ([]AbortedTxn, error) {
			return slices.DeleteFunc(slices.Clone(known), func(a AbortedTxn) bool { return a.LastOffset >= off }), nil
		},
	})
	if err != nil {
		return err
	}
	p.producers = ps
	p.takeProducerSnapshot(p.log.LogEndOffset(), true)
	return nil
}

// RemoveExpiredProducers forgets the producers whose
// producer.id.expiration.ms has passed since their last timestamp and
// that have no open transaction, as Kafka's periodic
// PeriodicProducerExpirationCheck does. DescribeProducers no longer lists
// them, and a later batch of theirs is taken as a new producer's (any
// sequence is accepted, KIP-360), so a retry of an old batch is no longer
// recognised. It returns how many were forgotten.
func (p *Partition) RemoveExpiredProducers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0
	}
	n := p.producers.removeExpired(clock.Millis(p.clock.Now()), p.cfg.ProducerIDExpirationMs)
	if n > 0 {
		p.logger.Info("expired producer ids", "removed", n, "remaining", len(p.producers.entries), "producer_id_expiration_ms", p.cfg.ProducerIDExpirationMs)
	}
	return n
}
