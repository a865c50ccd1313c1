package segment

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/gregorkafka/gregor/record"
)

// One cleaning in three steps, so that appends go on while the cleaner
// reads and writes, as Kafka's cleaner threads work beside the log and
// take its lock only in UnifiedLog.replaceSegments:
//
//  1. PrepareClean, under the owner's lock: picks the cleanable segments
//     and groups them, and notes what each one is (its size and next
//     offset). The segments are closed, below the active segment and the
//     last stable offset, so nothing appends to them.
//  2. Build, without the lock: reads those segments (their .log files
//     only, which a concurrent deletion leaves readable or closes) and
//     writes the .cleaned segments.
//  3. Finish, under the lock again: checks that the log still holds the
//     segments the cleaning read, and swaps the cleaned ones in. A group
//     whose segments retention or DeleteRecords deleted meanwhile is
//     dropped (its offsets are below the new log start offset); a
//     segment that changed in place (a truncation) or became the active
//     one aborts the whole cleaning, as Kafka aborts a cleaning before it
//     truncates a log. An aborted cleaning replaces nothing and leaves
//     the first dirty offset where it was.
//
// One cleaning of a log runs at a time. Cancel makes a Build in progress
// stop at its next batch; the owner calls it before it closes or deletes
// the log, waits for Build to return, and then calls Abandon.

// ErrCleaningAborted is returned by Finish when the log changed under the
// cleaning in a way it cannot follow, or the cleaning was canceled:
// nothing was replaced.
var ErrCleaningAborted = errors.New("cleaning aborted: the log changed while it was cleaned")

// Cleaning is one cleaning of a log in progress.
type Cleaning struct {
	l          *Log
	o          CleanOptions
	cfg        Config
	dir        Dir
	segs       []cleaningSegment
	groups     [][2]int // [first, end) indexes into segs
	upperBound int64    // Kafka's first uncleanable offset
	producers  map[int64]ProducerLast
	canceled   atomic.Bool

	// Written by Build, read by Finish.
	latest  map[string]int64
	txns    *cleanerTxns
	written int // groups whose .cleaned segment is complete
	removed []int64
	sizes   []int64
}

// cleaningSegment is a segment as PrepareClean saw it.
type cleaningSegment struct {
	s                   *segment
	base, next, size    int64
	largestTimestamp    int64
	indexes, timeIndexs int64 // bytes of its offset and time index entries
}

// PrepareClean starts a cleaning of the cleanable part of the log (see
// cleaner.go), or returns nil when there is none. Callers hold the lock
// that serialises the log's writers.
func (l *Log) PrepareClean(o CleanOptions) (*Cleaning, error) {
	switch {
	case o.DeleteRetentionMs < 0:
		return nil, fmt.Errorf("delete.retention.ms %d is negative", o.DeleteRetentionMs)
	case o.MinCompactionLagMs < 0:
		return nil, fmt.Errorf("min.compaction.lag.ms %d is negative", o.MinCompactionLagMs)
	case o.Bound < 0:
		return nil, fmt.Errorf("cleaning bound %d is negative", o.Bound)
	case l.cleaning != nil:
		return nil, errors.New("a cleaning of this log is already in progress")
	}
	n := l.cleanableCount(o)
	if n == 0 {
		return nil, nil
	}
	c := &Cleaning{l: l, o: o, cfg: l.cfg, dir: l.dir, upperBound: l.firstUncleanable(o), producers: o.Producers}
	for _, s := range l.segments[:n] {
		c.segs = append(c.segs, cleaningSegment{s: s, base: s.baseOffset, next: s.nextOffset, size: s.size(),
			largestTimestamp: s.largestTimestamp(),
			indexes:          int64(len(s.index.offsets)) * 8, timeIndexs: int64(len(s.timeIndex.timestamps)) * 12})
	}
	if c.producers == nil {
		var err error
		if c.producers, err = l.lastOfProducers(); err != nil {
			return nil, err
		}
	}
	c.groups = groupBySize(c.segs, c.cfg, c.upperBound)
	l.cleaning = c
	return c, nil
}

// firstUncleanable is Kafka's first uncleanable offset: the least of the
// bound, the active segment's base offset and the base offset of the
// first segment younger than min.compaction.lag.ms.
func (l *Log) firstUncleanable(o CleanOptions) int64 {
	u := min(o.Bound, l.active().baseOffset)
	if o.MinCompactionLagMs > 0 {
		for _, s := range l.segments {
			if o.NowMs-s.largestTimestamp() < o.MinCompactionLagMs {
				return min(u, s.baseOffset)
			}
		}
	}
	return u
}

// lastOfProducers reads, for every producer with a batch in the log, the
// last offset of its last data batch and the epoch of its last batch.
func (l *Log) lastOfProducers() (map[int64]ProducerLast, error) {
	last := map[int64]ProducerLast{}
	for _, s := range l.segments {
		err := s.batches(s.baseOffset, func(_ int64, _ []byte, h record.Header) (bool, error) {
			if !h.HasProducerID() {
				return true, nil
			}
			p, ok := last[h.ProducerID]
			if !ok {
				p.LastDataOffset = -1
			}
			if !h.IsControl() {
				p.LastDataOffset = h.LastOffset()
			}
			p.Epoch = h.ProducerEpoch
			last[h.ProducerID] = p
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return last, nil
}

// groupBySize is Kafka's groupSegmentsBySize: consecutive segments join a
// group while the group's log and index sizes stay within segment.bytes
// and segment.index.bytes, and its offsets within one segment's 32-bit
// relative offsets (an empty segment joins whatever its offsets). The
// last offset of a segment is taken as the next one's base offset less
// one, and for the last segment the first uncleanable offset less one,
// as Kafka estimates it without reading the segment.
func groupBySize(segs []cleaningSegment, cfg Config, firstUncleanable int64) [][2]int {
	var groups [][2]int
	for i := 0; i < len(segs); {
		j := i + 1
		size, idx, tidx := segs[i].size, segs[i].indexes, segs[i].timeIndexs
		for j < len(segs) {
			s := segs[j]
			lastOffset := firstUncleanable - 1
			if j+1 < len(segs) {
				lastOffset = segs[j+1].base - 1
			}
			if size+s.size > int64(cfg.SegmentBytes) || idx+s.indexes > int64(cfg.SegmentIndexBytes) ||
				tidx+s.timeIndexs > int64(cfg.SegmentIndexBytes) ||
				(s.size > 0 && lastOffset-segs[i].base > math.MaxInt32) {
				break
			}
			size, idx, tidx = size+s.size, idx+s.indexes, tidx+s.timeIndexs
			j++
		}
		groups = append(groups, [2]int{i, j})
		i = j
	}
	return groups
}

// Cancel makes a Build in progress stop at its next batch. It may be
// called from any goroutine.
func (c *Cleaning) Cancel() { c.canceled.Store(true) }

var errCanceled = errors.New("cleaning canceled")

// Build reads the segments PrepareClean picked and writes the cleaned
// ones beside them as .cleaned files. It runs without the owner's lock,
// alongside appends and reads, but not alongside another Build of the
// same cleaning.
func (c *Cleaning) Build() error {
	c.latest = map[string]int64{}
	mapTxns := newCleanerTxns(c.o.AbortedTxns)
	for _, cs := range c.segs {
		err := c.read(cs, func(b []byte, h record.Header) error {
			if h.IsControl() {
				mapTxns.onControl(b, h)
				return nil
			}
			if mapTxns.onData(h) {
				return nil // an aborted value must not shadow a committed one
			}
			return record.Each(b, func(_ int, r record.Record) error {
				if r.Key != nil {
					c.latest[string(r.Key)] = r.Offset
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
	}
	c.txns = newCleanerTxns(c.o.AbortedTxns)
	for _, g := range c.groups {
		removed, size, err := c.writeGroup(c.segs[g[0]:g[1]])
		if err != nil {
			return err
		}
		c.removed = append(c.removed, removed)
		c.sizes = append(c.sizes, size)
		c.written++
	}
	return nil
}

// read calls fn with each batch of a segment, from its .log file alone:
// the segment is closed and nothing else changes it, but its indexes
// belong to the owner's lock.
func (c *Cleaning) read(cs cleaningSegment, fn func([]byte, record.Header) error) error {
	s := cs.s
	for pos := int64(0); pos < cs.size; {
		if c.canceled.Load() {
			return errCanceled
		}
		h, err := s.headerAt(pos)
		if err != nil {
			return fmt.Errorf("segment %d at byte %d: %w", cs.base, pos, err)
		}
		b, err := ReadFull(s.log, pos, h.Size())
		if err != nil {
			return err
		}
		if err := fn(b, h); err != nil {
			return err
		}
		pos += int64(h.Size())
	}
	return nil
}

// writeGroup writes the kept batches of segs as one .cleaned segment at
// the first one's base offset, synced and closed.
func (c *Cleaning) writeGroup(segs []cleaningSegment) (removed, size int64, err error) {
	base := segs[0].base
	created := int64(-1)
	for _, cs := range segs {
		// Kafka gives the cleaned segment the last old one's modification
		// time; the largest timestamp of the old ones stands in for it
		// (an empty cleaned segment's age for retention.ms).
		created = max(created, cs.largestTimestamp)
	}
	out, err := createSegment(suffixDir{c.dir, CleanedSuffix}, base, c.cfg, created)
	if err != nil {
		return 0, 0, err
	}
	keptBefore := len(c.txns.kept)
	for _, cs := range segs {
		err = c.read(cs, func(b []byte, h record.Header) error {
			kept, dropped, err := c.cleanBatch(b, h)
			removed += dropped
			if err != nil || kept == nil {
				return err
			}
			kh, err := record.ReadHeader(kept)
			if err != nil {
				return err
			}
			return out.append(kept, kh, false)
		})
		if err != nil {
			break
		}
	}
	if err == nil && len(c.txns.kept) > keptBefore {
		// The new segment's transaction index: the aborted transactions
		// whose markers it kept, swapped in with it.
		err = writeTxnIndex(suffixDir{c.dir, CleanedSuffix}, base, c.txns.kept[keptBefore:])
	}
	if err == nil {
		err = out.onBecomeInactive()
	}
	if err == nil {
		err = out.sync()
	}
	size = out.size()
	err = errors.Join(err, out.close())
	if err != nil {
		removeSegmentFiles(c.dir, base, CleanedSuffix)
		return 0, 0, err
	}
	return removed, size, nil
}

// cleanBatch returns the batch as the cleaner keeps it (nil: dropped) and
// how many records it lost, after Kafka's log cleaner filter.
func (c *Cleaning) cleanBatch(b []byte, h record.Header) ([]byte, int64, error) {
	var canDiscard bool
	if h.IsControl() {
		canDiscard = c.txns.onControl(b, h)
	} else {
		canDiscard = c.txns.onData(h)
	}
	horizon, hasHorizon := h.DeleteHorizon()
	discardRecords := canDiscard
	if h.IsControl() {
		// A marker waits for its delete horizon, as a tombstone does.
		discardRecords = canDiscard && hasHorizon && horizon <= c.o.NowMs
	}
	retainEmpty := (h.HasProducerID() && c.lastOfProducer(h)) || h.NextOffset() == c.upperBound
	if discardRecords && !retainEmpty {
		return nil, int64(h.NumRecords), nil
	}
	recs, err := record.Records(b)
	if err != nil {
		return nil, 0, err
	}
	kept := recs[:0:0]
	tombstones := false
	for _, r := range recs {
		switch {
		case discardRecords:
			continue
		case h.IsControl():
		case r.Key == nil, c.latest[string(r.Key)] > r.Offset:
			continue
		case r.Value == nil:
			if hasHorizon && c.o.NowMs >= horizon {
				continue
			}
			tombstones = true
		}
		kept = append(kept, r)
	}
	dropped := int64(len(recs) - len(kept))
	// A marker of a transaction with no data left gets its delete
	// horizon, as a batch with a tombstone does (KIP-534).
	needHorizon := (tombstones || (canDiscard && h.IsControl())) && !hasHorizon
	switch {
	case len(kept) == 0 && !retainEmpty:
		return nil, dropped, nil // a batch emptied before goes once it is no longer needed
	case len(kept) == len(recs) && !needHorizon:
		return b, 0, nil
	}
	newHorizon := int64(-1)
	if hasHorizon {
		newHorizon = horizon
	} else if needHorizon {
		newHorizon = c.o.NowMs + c.o.DeleteRetentionMs
	}
	nb, err := record.Rebuild(h, kept, newHorizon)
	return nb, dropped, err
}

// lastOfProducer reports whether a batch is the one kept for its
// producer's state: its last data batch or, for a producer with none, a
// marker of its current epoch.
func (c *Cleaning) lastOfProducer(h record.Header) bool {
	p, ok := c.producers[h.ProducerID]
	switch {
	case !ok:
		return false
	case p.LastDataOffset >= 0:
		return h.LastOffset() == p.LastDataOffset
	}
	return h.IsControl() && h.ProducerEpoch == p.Epoch
}

// groupState is what became of a group's segments while it was cleaned.
type groupState int

const (
	groupIntact  groupState = iota
	groupGone               // some or all of its segments were deleted from the log's front
	groupChanged            // a segment changed in place or became the active one
)

// check finds a group's segments in the log: at which index they start,
// and whether they are as PrepareClean saw them.
func (c *Cleaning) check(g [2]int) (int, groupState) {
	l := c.l
	first := -1
	for i, s := range l.segments {
		if s == c.segs[g[0]].s {
			first = i
			break
		}
	}
	if first < 0 {
		if c.segs[g[0]].base < l.segments[0].baseOffset {
			// Retention and DeleteRecords take segments from the front;
			// the rest of the group, if any, now starts the log and
			// stays as it is.
			return -1, groupGone
		}
		return -1, groupChanged // truncated away
	}
	for k, cs := range c.segs[g[0]:g[1]] {
		i := first + k
		if i >= len(l.segments)-1 || l.segments[i] != cs.s || cs.s.nextOffset != cs.next || cs.s.size() != cs.size {
			return -1, groupChanged
		}
	}
	return first, groupIntact
}

// Finish swaps the cleaned segments in, under the owner's lock, once
// Build has returned buildErr. It returns ErrCleaningAborted when the log
// changed in a way the cleaning cannot follow or the cleaning was
// canceled; nothing is replaced then.
func (c *Cleaning) Finish(buildErr error) (CleanResult, error) {
	l := c.l
	if l.cleaning != c {
		return CleanResult{}, errors.New("the cleaning was abandoned")
	}
	defer func() { l.cleaning = nil }()
	if len(l.segments) == 0 { // deleted
		c.removeCleaned()
		return CleanResult{}, ErrCleaningAborted
	}
	at := make([]int, len(c.groups))
	gone := false
	for gi, g := range c.groups {
		var st groupState
		at[gi], st = c.check(g)
		if st == groupChanged || c.canceled.Load() || errors.Is(buildErr, errCanceled) {
			c.removeCleaned()
			return CleanResult{}, ErrCleaningAborted
		}
		gone = gone || st == groupGone
	}
	if buildErr != nil {
		c.removeCleaned()
		if gone {
			// A deleted segment's file closed under the read.
			return CleanResult{}, ErrCleaningAborted
		}
		return CleanResult{}, buildErr
	}
	res := CleanResult{EndOffset: c.segs[len(c.segs)-1].next}
	// Replace the groups from the newest, so the indexes of the older
	// ones stay valid while l.segments changes.
	for gi := len(c.groups) - 1; gi >= 0; gi-- {
		g := c.groups[gi]
		if at[gi] < 0 {
			removeSegmentFiles(c.dir, c.segs[g[0]].base, CleanedSuffix)
			continue
		}
		for _, cs := range c.segs[g[0]:g[1]] {
			res.BytesBefore += cs.size
		}
		if err := l.swapIn(at[gi], at[gi]+g[1]-g[0]); err != nil {
			for _, older := range c.groups[:gi] {
				removeSegmentFiles(c.dir, c.segs[older[0]].base, CleanedSuffix)
			}
			return res, err
		}
		res.Segments += g[1] - g[0]
		res.Cleaned++
		res.RecordsRemoved += c.removed[gi]
		res.BytesAfter += c.sizes[gi]
		res.FirstOffset = c.segs[g[0]].base
	}
	if res.Segments == 0 {
		return CleanResult{}, nil
	}
	for _, a := range c.txns.kept {
		if a.LastOffset >= res.FirstOffset && a.LastOffset < res.EndOffset {
			res.KeptAbortedTxns = append(res.KeptAbortedTxns, a)
		}
	}
	l.firstDirty = max(l.firstDirty, res.EndOffset)
	return res, nil
}

// Abandon ends a cleaning that will not be finished (its log is being
// closed or deleted), removing what Build wrote. Callers hold the owner's
// lock, after Build has returned.
func (c *Cleaning) Abandon() {
	if c.l.cleaning == c {
		c.removeCleaned()
		c.l.cleaning = nil
	}
}

func (c *Cleaning) removeCleaned() {
	for _, g := range c.groups {
		removeSegmentFiles(c.dir, c.segs[g[0]].base, CleanedSuffix)
	}
}

// Clean compacts the cleanable part of the log in one go (see
// cleaner.go): PrepareClean, Build and Finish together, for an owner that
// holds its lock throughout.
func (l *Log) Clean(o CleanOptions) (CleanResult, error) {
	c, err := l.PrepareClean(o)
	if c == nil || err != nil {
		return CleanResult{}, err
	}
	return c.Finish(c.Build())
}

// swapIn replaces l.segments[first:end] by the .cleaned segment at their
// base offset, by the protocol in swap.go.
func (l *Log) swapIn(first, end int) error {
	base := l.segments[first].baseOffset
	if err := renameSegmentFiles(l.dir, base, CleanedSuffix, SwapSuffix); err != nil {
		return err
	}
	old := append([]*segment(nil), l.segments[first:end]...)
	created := int64(-1)
	for _, s := range old {
		created = max(created, s.largestTimestamp())
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
	s.createdMs = created
	l.segments = append(l.segments[:first], append([]*segment{s}, l.segments[end:]...)...)
	return nil
}

func writeTxnIndex(dir Dir, base int64, entries []AbortedTxn) error {
	var b []byte
	for _, a := range entries {
		b = appendAbortedTxn(b, a)
	}
	f, err := dir.Open(FileName(base, TxnIndexSuffix))
	if err != nil {
		return err
	}
	err = f.Append(b)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
