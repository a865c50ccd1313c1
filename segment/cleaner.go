package segment

import (
	"errors"
	"fmt"
	"math"

	"github.com/gregorkafka/gregor/record"
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
// of a cleaning still sees the delete. Batches are rewritten with
// record.Rebuild, which keeps their base and last offsets, producer
// fields, codec and timestamps; a batch left with nothing is dropped,
// unless it is its producer's last, which stays empty so that the
// producer's sequence survives (rebuildProducerState reads it).
//
// Consecutive segments are cleaned into one while their sizes add up to
// at most segment.bytes and their offsets fit one segment's 32-bit
// relative index, so a log of many small cleaned segments is regrouped
// (Kafka's groupSegmentsBySize). Each group is swapped in as swap.go
// describes.

// CleanOptions are the configs and bounds of one cleaning.
type CleanOptions struct {
	NowMs              int64
	DeleteRetentionMs  int64 // delete.retention.ms
	MinCompactionLagMs int64 // min.compaction.lag.ms
	// Bound is the first offset the cleaner may not touch: the last
	// stable offset (the high watermark without open transactions).
	Bound int64
}

// CleanResult says what one cleaning did.
type CleanResult struct {
	Segments       int   // old segments replaced
	Cleaned        int   // new segments written
	RecordsRemoved int64 // records dropped
	BytesBefore    int64 // bytes of the old segments
	BytesAfter     int64 // bytes of the new segments
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

// Clean compacts the cleanable part of the log (see above).
func (l *Log) Clean(o CleanOptions) (CleanResult, error) {
	var res CleanResult
	n := l.cleanableCount(o)
	if n == 0 {
		return res, nil
	}
	latest := map[string]int64{}
	lastOfProducer := map[int64]int64{}
	err := l.Batches(l.logStartOffset, func(b []byte, h record.Header) (bool, error) {
		if h.HasProducerID() {
			lastOfProducer[h.ProducerID] = h.BaseOffset
		}
		if h.NextOffset() > l.segments[n-1].nextOffset || h.IsControl() {
			return true, nil
		}
		return true, record.Each(b, func(_ int, r record.Record) error {
			if r.Key != nil {
				latest[string(r.Key)] = r.Offset
			}
			return nil
		})
	})
	if err != nil {
		return res, err
	}
	end := l.segments[n-1].nextOffset
	var groups [][2]int // [first, end) indexes into l.segments
	for i := 0; i < n; {
		j, size := i+1, l.segments[i].size()
		for j < n && size+l.segments[j].size() <= int64(l.cfg.SegmentBytes) &&
			l.segments[j].nextOffset-1-l.segments[i].baseOffset <= math.MaxInt32 {
			size += l.segments[j].size()
			j++
		}
		groups = append(groups, [2]int{i, j})
		i = j
	}
	// Replace the groups from the newest, so the indexes of the older
	// ones stay valid while l.segments changes.
	for g := len(groups) - 1; g >= 0; g-- {
		first, last := groups[g][0], groups[g][1]
		removed, err := l.cleanGroup(l.segments[first:last], latest, lastOfProducer, o)
		if err != nil {
			return res, err
		}
		for _, s := range l.segments[first:last] {
			res.BytesBefore += s.size()
		}
		if err := l.swapIn(first, last); err != nil {
			return res, err
		}
		res.Segments += last - first
		res.Cleaned++
		res.RecordsRemoved += removed
		res.BytesAfter += l.segments[first].size()
	}
	l.firstDirty = max(l.firstDirty, end)
	return res, nil
}

// cleanGroup writes the kept batches of segs as one .cleaned segment at
// the first one's base offset, synced and closed.
func (l *Log) cleanGroup(segs []*segment, latest map[string]int64, lastOfProducer map[int64]int64, o CleanOptions) (int64, error) {
	base := segs[0].baseOffset
	cdir := suffixDir{l.dir, CleanedSuffix}
	out, err := createSegment(cdir, base, l.cfg, segs[0].createdMs)
	if err != nil {
		return 0, err
	}
	var removed int64
	for _, s := range segs {
		err = s.batches(s.baseOffset, func(_ int64, b []byte, h record.Header) (bool, error) {
			kept, dropped, err := cleanBatch(b, h, latest, lastOfProducer, o)
			removed += dropped
			if err != nil || kept == nil {
				return err == nil, err
			}
			kh, err := record.ReadHeader(kept)
			if err != nil {
				return false, err
			}
			return true, out.append(kept, kh, false)
		})
		if err != nil {
			break
		}
	}
	if err == nil {
		err = out.onBecomeInactive()
	}
	if err == nil {
		err = out.sync()
	}
	err = errors.Join(err, out.close())
	if err != nil {
		removeSegmentFiles(l.dir, base, CleanedSuffix)
		return 0, err
	}
	return removed, nil
}

// cleanBatch returns the batch as the cleaner keeps it (nil: dropped) and
// how many records it lost.
func cleanBatch(b []byte, h record.Header, latest map[string]int64, lastOfProducer map[int64]int64, o CleanOptions) ([]byte, int64, error) {
	if h.IsControl() {
		// Transaction markers stay. When transactions land, this is
		// where Kafka's cleaner drops a marker whose delete horizon has
		// passed and the data batches of aborted transactions (it reads
		// the aborted ranges from the .txnindex files).
		return b, 0, nil
	}
	recs, err := record.Records(b)
	if err != nil {
		return nil, 0, err
	}
	horizon, hasHorizon := h.DeleteHorizon()
	kept := recs[:0:0]
	tombstones := false
	for _, r := range recs {
		if r.Key == nil || latest[string(r.Key)] != r.Offset {
			continue
		}
		if r.Value == nil {
			if hasHorizon && o.NowMs >= horizon {
				continue
			}
			tombstones = true
		}
		kept = append(kept, r)
	}
	dropped := int64(len(recs) - len(kept))
	switch {
	case len(kept) == len(recs) && (hasHorizon || !tombstones):
		return b, 0, nil
	case len(kept) == 0 && !(h.HasProducerID() && lastOfProducer[h.ProducerID] == h.BaseOffset):
		return nil, dropped, nil
	}
	newHorizon := int64(-1)
	if hasHorizon {
		newHorizon = horizon
	} else if tombstones {
		newHorizon = o.NowMs + o.DeleteRetentionMs
	}
	nb, err := record.Rebuild(h, kept, newHorizon)
	return nb, dropped, err
}

// swapIn replaces l.segments[first:end] by the .cleaned segment at their
// base offset, by the protocol in swap.go.
func (l *Log) swapIn(first, end int) error {
	base := l.segments[first].baseOffset
	if err := renameSegmentFiles(l.dir, base, CleanedSuffix, SwapSuffix); err != nil {
		return err
	}
	old := append([]*segment(nil), l.segments[first:end]...)
	for _, s := range old {
		if err := l.deleteSegment(s, "cleaning"); err != nil {
			return err
		}
	}
	if err := renameSegmentFiles(l.dir, base, SwapSuffix, ""); err != nil {
		return err
	}
	s, err := loadSegment(l.dir, base, l.cfg, false)
	if err != nil {
		return err
	}
	s.createdMs = old[0].createdMs
	l.segments = append(l.segments[:first], append([]*segment{s}, l.segments[end:]...)...)
	return nil
}
