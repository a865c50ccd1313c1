package segment

import (
	"errors"
	"fmt"
	"sort"

	"github.com/gregorkafka/gregor/record"
)

// Config holds the topic configs that shape a log's segments.
type Config struct {
	SegmentBytes       int   // segment.bytes: roll before the active segment grows past this
	SegmentMs          int64 // segment.ms: roll once the first batch is this old
	SegmentIndexBytes  int   // segment.index.bytes: roll when an index reaches this size
	IndexIntervalBytes int   // index.interval.bytes: log bytes between index entries
}

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		SegmentBytes:       1 << 30,
		SegmentMs:          7 * 24 * 60 * 60 * 1000,
		SegmentIndexBytes:  10 << 20,
		IndexIntervalBytes: 4096,
	}
}

// Validate reports the first config value Kafka would reject.
func (c Config) Validate() error {
	switch {
	case c.SegmentBytes < 14:
		return fmt.Errorf("segment.bytes %d is below the minimum of 14", c.SegmentBytes)
	case c.SegmentMs < 1:
		return fmt.Errorf("segment.ms %d is below the minimum of 1", c.SegmentMs)
	case c.SegmentIndexBytes < 4:
		return fmt.Errorf("segment.index.bytes %d is below the minimum of 4", c.SegmentIndexBytes)
	case c.IndexIntervalBytes < 0:
		return fmt.Errorf("index.interval.bytes %d is negative", c.IndexIntervalBytes)
	}
	return nil
}

// ErrOffsetOutOfRange is returned for reads outside [log start, log end].
var ErrOffsetOutOfRange = errors.New("offset out of range")

// Log is one partition replica's log: its segments, its log start offset
// (the first offset still kept) and its log end offset (the offset the
// next record will get). A Log is not safe for concurrent use except that
// reads may run alongside other reads; the partition serialises writers.
type Log struct {
	dir            Dir
	cfg            Config
	segments       []*segment // ascending base offsets; the last is active
	logStartOffset int64

	firstDirty      int64        // cleaner.go: where the next cleaning's dirty part starts
	cleaning        *Cleaning    // cleaner_run.go: the cleaning in progress, if any
	onEvent         func(Event)  // OpenOptions.OnEvent
	scheduleRemoval func(func()) // OpenOptions.ScheduleRemoval
}

// OpenOptions say how to open a log.
type OpenOptions struct {
	// LogStartOffset, if above the first segment's base offset, is the
	// first offset kept (from log-start-offset-checkpoint).
	LogStartOffset int64
	// NowMs is the time, for segment.ms of a new active segment.
	NowMs int64
	// OnEvent, if set, is told of every roll and deletion (deletion.go).
	// It runs while the log is being changed and must not call the log.
	OnEvent func(Event)
	// ScheduleRemoval, if set, is asked to call remove once
	// file.delete.delay.ms has passed; it must not call remove itself
	// while the log is being changed, and remove must not run alongside
	// another use of the log. Nil removes deleted files at once.
	ScheduleRemoval func(remove func())
}

// Open opens the log in dir, creating an empty one if dir has no
// segments. Existing segments are loaded and the last one is recovered:
// a torn or corrupt tail (a crash in the middle of a write) is cut off.
func Open(dir Dir, cfg Config, opts OpenOptions) (*Log, error) {
	if dir == nil {
		return nil, errors.New("segment.Open: nil directory")
	}
	if opts.LogStartOffset < 0 {
		return nil, fmt.Errorf("log start offset %d is negative", opts.LogStartOffset)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Log{dir: dir, cfg: cfg, onEvent: opts.OnEvent, scheduleRemoval: opts.ScheduleRemoval}
	if err := removeDeletedFiles(dir); err != nil {
		return nil, err
	}
	if err := recoverSwaps(dir, cfg); err != nil {
		return nil, err
	}
	names, err := dir.Names()
	if err != nil {
		return nil, err
	}
	var bases []int64
	for _, n := range names {
		if base, ok := parseLogFileName(n); ok {
			bases = append(bases, base)
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	for i, base := range bases {
		s, err := loadSegment(dir, base, cfg, i == len(bases)-1)
		if err != nil {
			l.closeSegments()
			return nil, err
		}
		l.segments = append(l.segments, s)
	}
	if len(l.segments) == 0 {
		s, err := createSegment(dir, opts.LogStartOffset, cfg, opts.NowMs)
		if err != nil {
			return nil, err
		}
		l.segments = []*segment{s}
	}
	l.logStartOffset = max(l.segments[0].baseOffset, opts.LogStartOffset)
	if l.logStartOffset > l.LogEndOffset() {
		l.logStartOffset = l.LogEndOffset()
	}
	return l, nil
}

// loadSegment opens an existing segment. The last segment is always
// recovered, because it is the one a crash can leave half-written. Older
// segments were closed whole and keep their indexes, unless an index file
// is missing or disagrees with the batches in the .log file (a position
// that is not a batch boundary, an offset or timestamp that is not the
// one of its batch): then the segment is recovered too, which rebuilds
// both indexes, as Kafka's LogLoader does on a CorruptIndexException.
func loadSegment(dir Dir, base int64, cfg Config, last bool) (*segment, error) {
	missing := !dir.Exists(FileName(base, IndexSuffix)) || !dir.Exists(FileName(base, TimeIndexSuffix))
	s, err := openSegmentFiles(dir, base, cfg)
	if err == nil && !last && !missing {
		if err = s.rescan(); err == nil {
			return s, nil
		}
	}
	if err != nil || missing {
		if s != nil {
			s.close()
		}
		if rmErr := errors.Join(dir.Remove(FileName(base, IndexSuffix)), dir.Remove(FileName(base, TimeIndexSuffix))); rmErr != nil {
			return nil, rmErr
		}
		if s, err = openSegmentFiles(dir, base, cfg); err != nil {
			return nil, err
		}
	}
	if _, err := s.recover(); err != nil {
		s.close()
		return nil, fmt.Errorf("recovering segment %d: %w", base, err)
	}
	return s, nil
}

func (l *Log) active() *segment { return l.segments[len(l.segments)-1] }

// Dir is the directory holding the log's files.
func (l *Log) Dir() Dir { return l.dir }

// Config returns the segment configs in force.
func (l *Log) Config() Config { return l.cfg }

// SetConfig changes the segment configs; they apply from the next append.
func (l *Log) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	l.cfg = cfg
	for _, s := range l.segments {
		s.indexIntervalBytes = cfg.IndexIntervalBytes
	}
	return nil
}

// LogStartOffset is the first offset still in the log.
func (l *Log) LogStartOffset() int64 { return l.logStartOffset }

// LogEndOffset is the offset the next appended record will get.
func (l *Log) LogEndOffset() int64 { return l.active().nextOffset }

// Size is the total bytes of the .log files.
func (l *Log) Size() int64 {
	var n int64
	for _, s := range l.segments {
		n += s.size()
	}
	return n
}

// Append adds one batch whose base offset the caller has already set to
// LogEndOffset() (or above it, leaving a gap, as a compacted replica may).
// The active segment rolls first if the batch would not fit. The log
// keeps a copy: the caller may reuse batch afterwards.
func (l *Log) Append(batch []byte, h record.Header, nowMs int64) error {
	return l.append(batch, h, nowMs, false)
}

// AppendShared is Append for a batch whose bytes nobody will ever modify,
// such as a batch lent by another log's Read. A log in memory keeps those
// bytes instead of a copy, so that the replicas of a partition in one
// process hold one copy of each batch between them, as a follower copying
// from its leader in process would otherwise write every byte again. A
// log in files writes them as Append does.
func (l *Log) AppendShared(batch []byte, h record.Header, nowMs int64) error {
	return l.append(batch, h, nowMs, true)
}

func (l *Log) append(batch []byte, h record.Header, nowMs int64, shared bool) error {
	if len(batch) < record.HeaderSize || h.Size() != len(batch) {
		return fmt.Errorf("batch of %d bytes does not match its header (%d bytes)", len(batch), h.Size())
	}
	if h.LastOffsetDelta < 0 {
		return fmt.Errorf("batch at %d has a negative last offset delta %d", h.BaseOffset, h.LastOffsetDelta)
	}
	if h.BaseOffset < l.LogEndOffset() {
		return fmt.Errorf("batch base offset %d is below the log end offset %d", h.BaseOffset, l.LogEndOffset())
	}
	if l.shouldRoll(len(batch), h, nowMs) {
		if err := l.roll(h.BaseOffset, nowMs); err != nil {
			return err
		}
	}
	return l.active().append(batch, h, shared)
}

// shouldRoll follows LogSegment.shouldRoll.
func (l *Log) shouldRoll(batchSize int, h record.Header, nowMs int64) bool {
	s := l.active()
	size := s.size()
	if size == 0 {
		return false
	}
	waited := nowMs - s.createdMs
	if s.firstBatchTimestamp >= 0 {
		waited = h.MaxTimestamp - s.firstBatchTimestamp
	}
	return size > int64(l.cfg.SegmentBytes-batchSize) ||
		waited > l.cfg.SegmentMs ||
		s.index.isFull() || s.timeIndex.isFull() ||
		!s.index.canAppend(h.LastOffset())
}

// Roll closes the active segment and starts a new one at the log end
// offset, unless the active segment is empty.
func (l *Log) Roll(nowMs int64) error {
	if l.active().size() == 0 {
		return nil
	}
	return l.roll(l.LogEndOffset(), nowMs)
}

func (l *Log) roll(base int64, nowMs int64) error {
	old := l.active()
	if err := old.onBecomeInactive(); err != nil {
		return err
	}
	s, err := createSegment(l.dir, base, l.cfg, nowMs)
	if err != nil {
		return err
	}
	l.segments = append(l.segments, s)
	l.emit(Event{Kind: Rolled, BaseOffset: old.baseOffset, NextOffset: old.nextOffset, Size: old.size()})
	return nil
}

// segmentFor returns the index of the segment that holds offset: the last
// one whose base offset is at or below it.
func (l *Log) segmentFor(offset int64) int {
	i := sort.Search(len(l.segments), func(i int) bool { return l.segments[i].baseOffset > offset })
	return max(i-1, 0)
}

// Read returns whole batches starting with the batch that holds offset,
// from one segment, stopping before maxOffset (the high watermark, for
// consumers) and after maxBytes. With minOne the first batch is returned
// even when it is larger than maxBytes. An offset outside [log start, log
// end] is ErrOffsetOutOfRange; at the log end the result is empty.
func (l *Log) Read(offset int64, maxBytes int, maxOffset int64, minOne bool) ([]byte, error) {
	return l.read(offset, maxBytes, maxOffset, minOne, false)
}

// ReadLent is Read for a reader that will fetch again for the rest, such
// as a follower copying into a log of its own with AppendShared: it
// stops before a batch that a log in memory could not lend without a
// copy (one that runs past the end of the first batch's chunk). The first
// batch is always returned, copied if it spans two chunks.
func (l *Log) ReadLent(offset int64, maxBytes int, maxOffset int64) ([]byte, error) {
	return l.read(offset, maxBytes, maxOffset, true, true)
}

func (l *Log) read(offset int64, maxBytes int, maxOffset int64, minOne, lentOnly bool) ([]byte, error) {
	if offset < l.logStartOffset || offset > l.LogEndOffset() {
		return nil, fmt.Errorf("%w: %d is outside [%d, %d]", ErrOffsetOutOfRange, offset, l.logStartOffset, l.LogEndOffset())
	}
	for i := l.segmentFor(offset); i < len(l.segments); i++ {
		b, err := l.segments[i].read(offset, maxBytes, maxOffset, minOne, lentOnly)
		if err != nil || len(b) > 0 {
			return b, err
		}
		if l.segments[i].nextOffset >= maxOffset {
			break
		}
	}
	return nil, nil
}

// Batches calls fn for each batch from the one holding offset to the end
// of the log, until fn returns false.
func (l *Log) Batches(offset int64, fn func(batch []byte, h record.Header) (bool, error)) error {
	if fn == nil {
		return errors.New("Batches: nil function")
	}
	if offset < l.logStartOffset {
		offset = l.logStartOffset
	}
	stopped := false
	for i := l.segmentFor(offset); i < len(l.segments) && !stopped; i++ {
		err := l.segments[i].batches(offset, func(_ int64, b []byte, h record.Header) (bool, error) {
			more, err := fn(b, h)
			stopped = !more
			return more, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// OffsetForTimestamp returns the first record whose timestamp is at or
// above ts, as ListOffsets by timestamp does. found is false when every
// record is older.
func (l *Log) OffsetForTimestamp(ts int64) (offset, timestamp int64, found bool, err error) {
	for _, s := range l.segments {
		if s.maxTimestamp < ts {
			continue
		}
		offset, timestamp, found, err = s.findByTimestamp(ts, l.logStartOffset)
		if err != nil || found {
			return offset, timestamp, found, err
		}
	}
	return 0, 0, false, nil
}

// MaxTimestamp returns the largest record timestamp in the log and the
// offset of the record carrying it (ListOffsets MAX_TIMESTAMP, KIP-734);
// found is false for an empty log.
func (l *Log) MaxTimestamp() (timestamp, offset int64, found bool, err error) {
	best := -1
	for i, s := range l.segments {
		if s.maxTimestamp >= 0 && (best < 0 || s.maxTimestamp > l.segments[best].maxTimestamp) {
			best = i
		}
	}
	if best < 0 {
		return 0, 0, false, nil
	}
	s := l.segments[best]
	offset, timestamp, found, err = s.findByTimestamp(s.maxTimestamp, l.logStartOffset)
	return timestamp, offset, found, err
}

// TruncateTo removes every record at or above offset. Followers do this
// to discard records the new leader does not have (KIP-101).
func (l *Log) TruncateTo(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("cannot truncate to negative offset %d", offset)
	}
	if offset >= l.LogEndOffset() {
		return nil
	}
	if offset < l.segments[0].baseOffset {
		return l.TruncateFullyAndStartAt(offset, l.active().createdMs)
	}
	keep := l.segmentFor(offset)
	for _, s := range l.segments[keep+1:] {
		if err := l.deleteSegment(s, "truncation"); err != nil {
			return err
		}
	}
	l.segments = l.segments[:keep+1]
	if err := l.active().truncateTo(offset); err != nil {
		return err
	}
	l.logStartOffset = min(l.logStartOffset, l.LogEndOffset())
	l.firstDirty = min(l.firstDirty, offset) // what comes next is dirty
	return nil
}

// TruncateFullyAndStartAt deletes every segment and starts an empty log
// at offset, for a follower whose leader no longer has anything it has.
func (l *Log) TruncateFullyAndStartAt(offset int64, nowMs int64) error {
	if offset < 0 {
		return fmt.Errorf("cannot start a log at negative offset %d", offset)
	}
	for _, s := range l.segments {
		if err := l.deleteSegment(s, "truncation"); err != nil {
			return err
		}
	}
	s, err := createSegment(l.dir, offset, l.cfg, nowMs)
	if err != nil {
		return err
	}
	l.segments = []*segment{s}
	l.logStartOffset = offset
	l.firstDirty = offset
	return nil
}

// AdvanceLogStartOffset moves the log start offset forward (DeleteRecords,
// retention) and deletes the segments that lie wholly before it.
func (l *Log) AdvanceLogStartOffset(offset int64) error {
	if offset <= l.logStartOffset {
		return nil
	}
	if offset > l.LogEndOffset() {
		return fmt.Errorf("%w: log start offset %d beyond log end offset %d", ErrOffsetOutOfRange, offset, l.LogEndOffset())
	}
	l.logStartOffset = offset
	for len(l.segments) > 1 && l.segments[1].baseOffset <= offset {
		if err := l.deleteSegment(l.segments[0], "log start offset"); err != nil {
			return err
		}
		l.segments = l.segments[1:]
	}
	return nil
}

// DeleteOldestSegments deletes the n oldest segments (never the active
// one) and moves the log start offset to the first remaining segment.
func (l *Log) DeleteOldestSegments(n int) error {
	n = min(n, len(l.segments)-1)
	if n <= 0 {
		return nil
	}
	return l.AdvanceLogStartOffset(l.segments[n].baseOffset)
}

// Segments describes every segment, oldest first.
func (l *Log) Segments() ([]Info, error) {
	out := make([]Info, 0, len(l.segments))
	for i, s := range l.segments {
		in, err := s.info()
		if err != nil {
			return out, err
		}
		in.Cleaned = i < len(l.segments)-1 && s.nextOffset <= l.firstDirty && l.firstDirty > 0
		out = append(out, in)
	}
	return out, nil
}

// Sync makes every segment durable.
func (l *Log) Sync() error {
	for _, s := range l.segments {
		if err := s.sync(); err != nil {
			return err
		}
	}
	return nil
}

// Close syncs and closes the files; the bytes stay in the directory. As
// Kafka's LogSegment.close does, the active segment's time index first
// gets an entry for its largest timestamp, so a closed log's files are
// what a clean Kafka shutdown leaves.
func (l *Log) Close() error {
	var err error
	if len(l.segments) > 0 {
		err = l.active().onBecomeInactive()
	}
	err = errors.Join(err, l.Sync())
	return errors.Join(err, l.closeSegments())
}

func (l *Log) closeSegments() error {
	var err error
	for _, s := range l.segments {
		err = errors.Join(err, s.close())
	}
	return err
}

// Delete removes every file of the log at once (DeleteTopics), with the
// .deleted files of segments still awaiting removal.
func (l *Log) Delete() error {
	var err error
	for _, s := range l.segments {
		err = errors.Join(err, s.delete(l.dir))
	}
	l.segments = nil
	return errors.Join(err, removeDeletedFiles(l.dir))
}
