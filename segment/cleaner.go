package segment

import (
	"fmt"
)

// Log compaction (cleanup.policy=compact), after Kafka's Cleaner. The
// cleanable part of a log runs from its start to the first uncleanable
// offset: the active segment, the first segment holding offsets at or
// above the bound (the last stable offset: consumers have not seen them,
// or an open transaction may yet abort them), and the first segment with
// a record younger than min.compaction.lag.ms are never cleaned. The part
// below the first dirty offset (FirstDirtyOffset; Kafka's
// cleaner-offset-checkpoint) was cleaned before; the rest is dirty.
//
// Cleaning keeps, for every key, only the record with the latest offset in
// the cleanable part, each at its original offset, so offsets keep their
// gaps. A record without a key is dropped, as Kafka's cleaner does. A
// tombstone (a null value) that is the latest for its key stays until its
// batch's delete horizon (KIP-534) has passed: the first cleaning that
// keeps it sets the horizon to now + delete.retention.ms, and a later one
// drops it, so a consumer that reads the log within delete.retention.ms
// of a cleaning still sees the delete. Aborted transactions' data and
// transaction markers go as cleaner_txn.go describes. Batches are
// rewritten with record.Rebuild, which keeps their base and last offsets,
// producer fields, codec and timestamps. A batch left with nothing is
// dropped, unless it is its producer's last data batch (or, for a
// producer with none, its last marker of the current epoch), which stays
// empty so that the producer's sequence and epoch survive
// (rebuildProducerState reads it), or it is the last batch before the
// first uncleanable offset, which stays empty so that the log keeps its
// offsets up to there.
//
// Consecutive segments are cleaned into one while their .log sizes add up
// to at most segment.bytes, their index sizes to at most
// segment.index.bytes, and their offsets fit one segment's 32-bit
// relative index (Kafka's groupSegmentsBySize; an empty segment joins a
// group whatever its offsets), so a log of many small cleaned segments is
// regrouped. A group whose records all go leaves an empty segment at its
// base offset, as in Kafka, which the next cleaning joins to its
// neighbour. Each group is swapped in as swap.go describes.
//
// A cleaning runs in three steps (cleaner_run.go) so that appends go on
// while it reads and writes: the log's owner picks the segments and
// later swaps the cleaned ones in under its lock, and builds them
// without it.

// CleanOptions are the configs and bounds of one cleaning.
type CleanOptions struct {
	NowMs              int64
	DeleteRetentionMs  int64 // delete.retention.ms
	MinCompactionLagMs int64 // min.compaction.lag.ms
	// Bound is the first offset the cleaner may not touch: the last
	// stable offset (the high watermark without open transactions).
	Bound int64
	// AbortedTxns are the log's aborted transactions (the entries of its
	// transaction indexes), in any order: their data batches are removed.
	AbortedTxns []AbortedTxn
	// Producers are the producers whose state the log's owner keeps,
	// by producer id (Kafka's lastRecordsOfActiveProducers): each one's
	// last batch stays. Nil takes every producer with a batch in the log.
	Producers map[int64]ProducerLast
}

// ProducerLast is what the cleaner keeps of an active producer: the last
// offset of its last data batch (-1 if none), and its epoch.
type ProducerLast struct {
	LastDataOffset int64
	Epoch          int16
}

// CleanResult says what one cleaning did.
type CleanResult struct {
	Segments       int   // old segments replaced
	Cleaned        int   // new segments written
	RecordsRemoved int64 // records dropped
	BytesBefore    int64 // bytes of the old segments
	BytesAfter     int64 // bytes of the new segments
	// FirstOffset and EndOffset bound the offsets of the replaced
	// segments; KeptAbortedTxns are the aborted transactions whose marker
	// lies there and was kept, with data: the transaction indexes of the
	// new segments, which replace the old ones' entries in that range.
	FirstOffset, EndOffset int64
	KeptAbortedTxns        []AbortedTxn
}

// FirstDirtyOffset is where the next cleaning's dirty part starts: the
// end of what was cleaned last, never below the log start offset.
func (l *Log) FirstDirtyOffset() int64 { return max(l.firstDirty, l.logStartOffset) }

// SetFirstDirtyOffset restores the first dirty offset from Kafka's
// cleaner-offset-checkpoint when a log is opened.
func (l *Log) SetFirstDirtyOffset(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("first dirty offset %d is negative", offset)
	}
	l.firstDirty = min(offset, l.LogEndOffset())
	return nil
}

// cleanableCount is how many of the oldest segments lie wholly below the
// first uncleanable offset.
func (l *Log) cleanableCount(o CleanOptions) int {
	n := 0
	for ; n < len(l.segments)-1; n++ {
		s := l.segments[n]
		if s.nextOffset > o.Bound {
			break
		}
		if o.MinCompactionLagMs > 0 && o.NowMs-s.largestTimestamp() < o.MinCompactionLagMs {
			break
		}
	}
	return n
}

// Dirtiness returns the bytes of the cleanable part already cleaned and
// still dirty (Kafka's cleanable ratio is dirty / (clean + dirty)), and
// the first timestamp of the dirty part (-1 if none), against which
// max.compaction.lag.ms is measured.
func (l *Log) Dirtiness(o CleanOptions) (clean, dirty, firstDirtyTimestamp int64) {
	firstDirtyTimestamp = -1
	firstDirty := l.FirstDirtyOffset()
	for _, s := range l.segments[:l.cleanableCount(o)] {
		if s.nextOffset <= firstDirty {
			clean += s.size()
			continue
		}
		dirty += s.size()
		if firstDirtyTimestamp < 0 {
			firstDirtyTimestamp = s.firstBatchTimestamp
			if firstDirtyTimestamp < 0 {
				firstDirtyTimestamp = s.createdMs
			}
		}
	}
	return clean, dirty, firstDirtyTimestamp
}
