package segment

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/record"
)

// File name suffixes, as Kafka's LogFileUtils names them.
const (
	LogSuffix       = ".log"
	IndexSuffix     = ".index"
	TimeIndexSuffix = ".timeindex"
)

// FileName is the name of a segment file: the base offset as 20 digits.
func FileName(baseOffset int64, suffix string) string {
	return fmt.Sprintf("%020d%s", baseOffset, suffix)
}

// parseLogFileName returns the base offset of a .log file name.
func parseLogFileName(name string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, LogSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	base, err := strconv.ParseInt(digits, 10, 64)
	return base, err == nil && base >= 0
}

// segment is one .log file and its two indexes. It is not safe for
// concurrent use; the Log serialises access.
type segment struct {
	baseOffset int64
	log        File
	index      *offsetIndex
	timeIndex  *timeIndex

	indexIntervalBytes       int
	bytesSinceLastIndexEntry int

	nextOffset int64 // offset after the last batch

	// maxTimestamp and the last offset of the batch carrying it feed the
	// time index; -1 when the segment has no timestamped batch.
	maxTimestamp         int64
	offsetOfMaxTimestamp int64

	// firstBatchTimestamp drives segment.ms: a segment rolls once a new
	// batch is segment.ms newer than its first. createdMs is used for
	// batches without timestamps.
	firstBatchTimestamp int64
	createdMs           int64

	// rebuilt is set on a closed segment whose indexes were missing or
	// wrong when the log was opened, so it was recovered: its
	// .txnindex cannot be trusted either (TrustedAbortedTxns).
	rebuilt bool
}

// Info describes one segment for introspection.
type Info struct {
	BaseOffset   int64 // offset of the first batch (also the file name)
	NextOffset   int64 // offset after the last batch
	Size         int64 // bytes in the .log file
	Batches      int   // record batches
	Records      int64 // records, from the batch headers
	MaxTimestamp int64 // largest batch timestamp, or -1
	IndexEntries int
	TimeEntries  int
	// Cleaned is set for a segment wholly below the log's first dirty
	// offset: the log cleaner has compacted it.
	Cleaned bool
}

func createSegment(dir Dir, baseOffset int64, cfg Config, nowMs int64) (*segment, error) {
	if err := removeSegmentFiles(dir, baseOffset, ""); err != nil {
		return nil, err
	}
	s, err := openSegmentFiles(dir, baseOffset, cfg)
	if err != nil {
		return nil, err
	}
	s.createdMs = nowMs
	return s, nil
}

func openSegmentFiles(dir Dir, baseOffset int64, cfg Config) (*segment, error) {
	var files []File
	open := func(suffix string) (File, error) {
		f, err := dir.Open(FileName(baseOffset, suffix))
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	fail := func(err error) (*segment, error) {
		for _, f := range files {
			f.Close()
		}
		return nil, err
	}
	logFile, err := open(LogSuffix)
	if err != nil {
		return fail(err)
	}
	s := &segment{
		baseOffset:           baseOffset,
		log:                  logFile,
		indexIntervalBytes:   cfg.IndexIntervalBytes,
		nextOffset:           baseOffset,
		maxTimestamp:         -1,
		offsetOfMaxTimestamp: -1,
		firstBatchTimestamp:  -1,
	}
	idxFile, err := open(IndexSuffix)
	if err != nil {
		return fail(err)
	}
	if s.index, err = openOffsetIndex(idxFile, baseOffset, cfg.SegmentIndexBytes); err != nil {
		return fail(err)
	}
	tiFile, err := open(TimeIndexSuffix)
	if err != nil {
		return fail(err)
	}
	if s.timeIndex, err = openTimeIndex(tiFile, baseOffset, cfg.SegmentIndexBytes); err != nil {
		return fail(err)
	}
	return s, nil
}

func (s *segment) size() int64 { return s.log.Size() }

// headerAt reads the batch header at a file position. It returns io.EOF
// style errors as errTornBatch when fewer bytes remain than the batch
// claims.
func (s *segment) headerAt(pos int64) (record.Header, error) {
	remaining := s.size() - pos
	if remaining < record.LogOverhead+5 {
		return record.Header{}, errTornBatch
	}
	n := int64(record.HeaderSize)
	if remaining < n {
		n = remaining
	}
	b, err := ReadFull(s.log, pos, int(n))
	if err != nil {
		return record.Header{}, err
	}
	h, err := record.ReadHeader(b)
	if err != nil {
		return h, err
	}
	if h.Length < record.HeaderSize-record.LogOverhead || int64(h.Size()) > remaining {
		return h, errTornBatch
	}
	return h, nil
}

var errTornBatch = errors.New("incomplete batch at the end of the segment")

// append adds one batch whose offsets are already assigned. With shared
// (see Log.AppendShared) a memory file keeps the batch's bytes instead of
// a copy.
func (s *segment) append(batch []byte, h record.Header, shared bool) error {
	pos := s.size()
	if pos == 0 {
		s.firstBatchTimestamp = h.MaxTimestamp
	}
	if !s.index.canAppend(h.LastOffset()) {
		return fmt.Errorf("offset %d does not fit in segment %d", h.LastOffset(), s.baseOffset)
	}
	var err error
	if sh, ok := s.log.(sharer); ok && shared {
		err = sh.appendShared(batch)
	} else {
		err = s.log.Append(batch)
	}
	if err != nil {
		return err
	}
	return s.afterAppend(h, pos)
}

// afterAppend updates the in-memory state and indexes for a batch that is
// now at pos, following LogSegment.append.
func (s *segment) afterAppend(h record.Header, pos int64) error {
	if h.MaxTimestamp > s.maxTimestamp {
		s.maxTimestamp, s.offsetOfMaxTimestamp = h.MaxTimestamp, h.LastOffset()
	}
	if s.bytesSinceLastIndexEntry > s.indexIntervalBytes {
		if err := s.index.append(h.LastOffset(), int32(pos)); err != nil {
			return err
		}
		if err := s.timeIndex.maybeAppend(s.maxTimestamp, s.offsetOfMaxTimestamp); err != nil {
			return err
		}
		s.bytesSinceLastIndexEntry = 0
	}
	s.bytesSinceLastIndexEntry += h.Size()
	s.nextOffset = h.NextOffset()
	return nil
}

// find returns the position and header of the first batch whose last
// offset is at or above offset, scanning from the index's entry for it.
func (s *segment) find(offset int64) (int64, record.Header, bool, error) {
	_, pos32 := s.index.lookup(offset)
	for pos := int64(pos32); pos < s.size(); {
		h, err := s.headerAt(pos)
		if err != nil {
			return 0, h, false, err
		}
		if h.LastOffset() >= offset {
			return pos, h, true, nil
		}
		pos += int64(h.Size())
	}
	return 0, record.Header{}, false, nil
}

// read returns whole batches starting with the one that holds offset,
// stopping before maxOffset and after maxBytes. With minOne, the first
// batch is returned even if it is larger than maxBytes (KIP-74).
func (s *segment) read(offset int64, maxBytes int, maxOffset int64, minOne, lentOnly bool) ([]byte, error) {
	start, h, ok, err := s.find(offset)
	if err != nil || !ok || h.BaseOffset >= maxOffset {
		return nil, err
	}
	lendable := int64(-1) // with lentOnly, where the bytes lent from start end
	if lc, ok := s.log.(lendCounter); ok && lentOnly {
		lendable = lc.lendableTo(start)
	}
	end := start
	for end < s.size() {
		if end > start {
			if h, err = s.headerAt(end); err != nil {
				return nil, err
			}
			if lendable >= 0 && end+int64(h.Size()) > lendable {
				break
			}
		}
		if h.BaseOffset >= maxOffset {
			break
		}
		if end-start+int64(h.Size()) > int64(maxBytes) && !(minOne && end == start) {
			break
		}
		end += int64(h.Size())
	}
	if end == start {
		return nil, nil
	}
	return ReadFull(s.log, start, int(end-start))
}

// batches calls fn for each batch from the one holding offset onwards.
func (s *segment) batches(offset int64, fn func(pos int64, batch []byte, h record.Header) (bool, error)) error {
	pos, _, ok, err := s.find(offset)
	if err != nil || !ok {
		return err
	}
	for pos < s.size() {
		h, err := s.headerAt(pos)
		if err != nil {
			return err
		}
		b, err := ReadFull(s.log, pos, h.Size())
		if err != nil {
			return err
		}
		more, err := fn(pos, b, h)
		if err != nil || !more {
			return err
		}
		pos += int64(h.Size())
	}
	return nil
}

// findByTimestamp returns the first record at or after startOffset whose
// timestamp is at or above ts, as LogSegment.findOffsetByTimestamp does.
func (s *segment) findByTimestamp(ts, startOffset int64) (offset, timestamp int64, found bool, err error) {
	from := max(s.timeIndex.lookup(ts), startOffset)
	err = s.batches(from, func(_ int64, b []byte, h record.Header) (bool, error) {
		if h.MaxTimestamp < ts {
			return true, nil
		}
		recs, err := record.Records(b)
		if err != nil {
			return false, err
		}
		for _, r := range recs {
			if r.Timestamp >= ts && r.Offset >= startOffset {
				offset, timestamp, found = r.Offset, r.Timestamp, true
				return false, nil
			}
		}
		return true, nil
	})
	return offset, timestamp, found, err
}

// truncateTo removes every batch at or above offset (which must be a batch
// boundary to keep whole batches, as the leader epoch protocol ensures).
func (s *segment) truncateTo(offset int64) error {
	pos, _, ok, err := s.find(offset)
	if err != nil {
		return err
	}
	if err := s.index.truncateTo(offset); err != nil {
		return err
	}
	if err := s.timeIndex.truncateTo(offset); err != nil {
		return err
	}
	if ok {
		if err := s.log.Truncate(pos); err != nil {
			return err
		}
	}
	return s.rescan()
}

// rescan rebuilds the in-memory state (next offset, max timestamp, bytes
// since the last index entry) from the .log file, without changing it,
// and checks on the way that every index entry points at a batch as the
// segment wrote it: an offset index entry is a batch's last offset and
// its start position, a time index entry a new largest timestamp and the
// last offset of the batch that carried it. Used after opening and after
// truncating.
func (s *segment) rescan() error {
	s.nextOffset = s.baseOffset
	s.maxTimestamp, s.offsetOfMaxTimestamp = -1, -1
	s.firstBatchTimestamp = -1
	s.bytesSinceLastIndexEntry = 0
	idx, tidx := s.index, s.timeIndex
	i, j := 0, 0 // the next offset and time index entries to meet
	for pos := int64(0); pos < s.size(); {
		h, err := s.headerAt(pos)
		if err != nil {
			return fmt.Errorf("segment %d at byte %d: %w", s.baseOffset, pos, err)
		}
		if pos == 0 {
			s.firstBatchTimestamp = h.MaxTimestamp
		}
		for ; i < len(idx.positions) && int64(idx.positions[i]) <= pos; i++ {
			if int64(idx.positions[i]) != pos || idx.offsets[i] != h.LastOffset() {
				return fmt.Errorf("%w: offset index entry (%d, %d) does not match the batch at byte %d", errCorruptIndex, idx.offsets[i], idx.positions[i], pos)
			}
			s.bytesSinceLastIndexEntry = 0
		}
		if h.MaxTimestamp > s.maxTimestamp {
			s.maxTimestamp, s.offsetOfMaxTimestamp = h.MaxTimestamp, h.LastOffset()
			for ; j < len(tidx.timestamps) && tidx.timestamps[j] <= h.MaxTimestamp; j++ {
				if tidx.timestamps[j] != h.MaxTimestamp || tidx.offsets[j] != h.LastOffset() {
					return fmt.Errorf("%w: time index entry (%d, %d) does not match the batch at byte %d", errCorruptIndex, tidx.timestamps[j], tidx.offsets[j], pos)
				}
			}
		}
		s.bytesSinceLastIndexEntry += h.Size()
		s.nextOffset = h.NextOffset()
		pos += int64(h.Size())
	}
	if i < len(idx.offsets) || j < len(tidx.timestamps) {
		return fmt.Errorf("%w: index entries beyond the last batch", errCorruptIndex)
	}
	return nil
}

var errCorruptIndex = errors.New("corrupt index")

// recover checks every batch (CRC included), truncates the file after the
// last valid one and rebuilds both indexes, as LogSegment.recover does.
// It returns the number of bytes cut off.
func (s *segment) recover() (int64, error) {
	if err := s.index.truncateEntries(0); err != nil {
		return 0, err
	}
	s.timeIndex.timestamps, s.timeIndex.offsets = nil, nil
	if err := s.timeIndex.file.Truncate(0); err != nil {
		return 0, err
	}
	s.nextOffset = s.baseOffset
	s.maxTimestamp, s.offsetOfMaxTimestamp = -1, -1
	s.firstBatchTimestamp = -1
	s.bytesSinceLastIndexEntry = 0
	var valid int64
	for valid < s.size() {
		h, err := s.headerAt(valid)
		if err != nil {
			break
		}
		b, err := ReadFull(s.log, valid, h.Size())
		if err != nil {
			return 0, err
		}
		// Kafka keeps a batch whose size and CRC check out and whose
		// offsets fit the segment; offsets must also move forward, or
		// the batch cannot have been written by a leader.
		if _, err := record.Check(b); err != nil || h.BaseOffset < s.nextOffset || h.LastOffsetDelta < 0 || !s.index.canAppend(h.LastOffset()) {
			break
		}
		if valid == 0 {
			s.firstBatchTimestamp = h.MaxTimestamp
		}
		if err := s.afterAppend(h, valid); err != nil {
			return 0, err
		}
		valid += int64(h.Size())
	}
	truncated := s.size() - valid
	if truncated > 0 {
		if err := s.log.Truncate(valid); err != nil {
			return 0, err
		}
	}
	// A cleanly closed segment ends its time index with its largest
	// timestamp; recovery does the same.
	if err := s.timeIndex.maybeAppend(s.maxTimestamp, s.offsetOfMaxTimestamp); err != nil {
		return truncated, err
	}
	return truncated, nil
}

// onBecomeInactive is called when the segment stops being the active one:
// its time index gets a final entry for its largest timestamp, which time
// retention later reads.
func (s *segment) onBecomeInactive() error {
	return s.timeIndex.maybeAppend(s.maxTimestamp, s.offsetOfMaxTimestamp)
}

func (s *segment) info() (Info, error) {
	in := Info{
		BaseOffset:   s.baseOffset,
		NextOffset:   s.nextOffset,
		Size:         s.size(),
		MaxTimestamp: s.maxTimestamp,
		IndexEntries: len(s.index.offsets),
		TimeEntries:  len(s.timeIndex.timestamps),
	}
	for pos := int64(0); pos < in.Size; {
		h, err := s.headerAt(pos)
		if err != nil {
			return in, err
		}
		in.Batches++
		in.Records += int64(h.NumRecords)
		pos += int64(h.Size())
	}
	return in, nil
}

func (s *segment) sync() error {
	for _, f := range []File{s.log, s.index.file, s.timeIndex.file} {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return nil
}

func (s *segment) close() error {
	return errors.Join(s.log.Close(), s.index.file.Close(), s.timeIndex.file.Close())
}

func (s *segment) delete(dir Dir) error {
	return errors.Join(s.close(), removeSegmentFiles(dir, s.baseOffset, ""))
}
