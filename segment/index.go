package segment

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Index entry sizes, as in Kafka's OffsetIndex and TimeIndex.
const (
	offsetEntrySize = 8  // relative offset int32, file position int32
	timeEntrySize   = 12 // timestamp int64, relative offset int32
)

// offsetIndex is a segment's sparse map from offsets to byte positions in
// its .log file. Entries are kept decoded in memory for lookups and
// appended encoded to the .index file.
type offsetIndex struct {
	file       File
	baseOffset int64
	maxEntries int
	offsets    []int64 // absolute
	positions  []int32
}

func openOffsetIndex(f File, baseOffset int64, maxBytes int) (*offsetIndex, error) {
	idx := &offsetIndex{file: f, baseOffset: baseOffset, maxEntries: maxBytes / offsetEntrySize}
	size := f.Size()
	if size%offsetEntrySize != 0 {
		return nil, fmt.Errorf("offset index of %d bytes is not a multiple of %d", size, offsetEntrySize)
	}
	raw, err := ReadFull(f, 0, int(size))
	if err != nil {
		return nil, err
	}
	for i := 0; i+offsetEntrySize <= len(raw); i += offsetEntrySize {
		rel := int32(binary.BigEndian.Uint32(raw[i:]))
		pos := int32(binary.BigEndian.Uint32(raw[i+4:]))
		// A preallocated Kafka index is zero-filled past its last
		// entry; a zero entry after the first marks the end.
		if i > 0 && rel == 0 && pos == 0 {
			break
		}
		idx.offsets = append(idx.offsets, baseOffset+int64(rel))
		idx.positions = append(idx.positions, pos)
	}
	return idx, nil
}

func (idx *offsetIndex) isFull() bool { return len(idx.offsets) >= idx.maxEntries }

// canAppend reports whether offset fits in the 4-byte relative offset.
func (idx *offsetIndex) canAppend(offset int64) bool {
	rel := offset - idx.baseOffset
	return rel >= 0 && rel <= 1<<31-1
}

func (idx *offsetIndex) append(offset int64, position int32) error {
	if n := len(idx.offsets); n > 0 && offset <= idx.offsets[n-1] {
		return fmt.Errorf("offset index entry %d is not above the last entry %d", offset, idx.offsets[n-1])
	}
	var e [offsetEntrySize]byte
	binary.BigEndian.PutUint32(e[0:], uint32(offset-idx.baseOffset))
	binary.BigEndian.PutUint32(e[4:], uint32(position))
	if err := idx.file.Append(e[:]); err != nil {
		return err
	}
	idx.offsets = append(idx.offsets, offset)
	idx.positions = append(idx.positions, position)
	return nil
}

// lookup returns the greatest indexed offset at or below target and its
// position, or the segment start when there is none.
func (idx *offsetIndex) lookup(target int64) (int64, int32) {
	i := sort.Search(len(idx.offsets), func(i int) bool { return idx.offsets[i] > target })
	if i == 0 {
		return idx.baseOffset, 0
	}
	return idx.offsets[i-1], idx.positions[i-1]
}

// truncateTo drops entries for offsets at or above offset.
func (idx *offsetIndex) truncateTo(offset int64) error {
	i := sort.Search(len(idx.offsets), func(i int) bool { return idx.offsets[i] >= offset })
	return idx.truncateEntries(i)
}

func (idx *offsetIndex) truncateEntries(n int) error {
	if n >= len(idx.offsets) {
		return nil
	}
	idx.offsets, idx.positions = idx.offsets[:n], idx.positions[:n]
	return idx.file.Truncate(int64(n * offsetEntrySize))
}

// timeIndex is a segment's sparse map from timestamps to offsets. Its
// timestamps only grow: an entry is added only for a timestamp above the
// last one.
type timeIndex struct {
	file       File
	baseOffset int64
	maxEntries int
	timestamps []int64
	offsets    []int64 // absolute
}

func openTimeIndex(f File, baseOffset int64, maxBytes int) (*timeIndex, error) {
	idx := &timeIndex{file: f, baseOffset: baseOffset, maxEntries: maxBytes / timeEntrySize}
	size := f.Size()
	if size%timeEntrySize != 0 {
		return nil, fmt.Errorf("time index of %d bytes is not a multiple of %d", size, timeEntrySize)
	}
	raw, err := ReadFull(f, 0, int(size))
	if err != nil {
		return nil, err
	}
	for i := 0; i+timeEntrySize <= len(raw); i += timeEntrySize {
		ts := int64(binary.BigEndian.Uint64(raw[i:]))
		rel := int32(binary.BigEndian.Uint32(raw[i+8:]))
		if i > 0 && ts == 0 && rel == 0 {
			break
		}
		idx.timestamps = append(idx.timestamps, ts)
		idx.offsets = append(idx.offsets, baseOffset+int64(rel))
	}
	return idx, nil
}

func (idx *timeIndex) isFull() bool { return len(idx.timestamps) >= idx.maxEntries }

// last returns the last entry, or (NoTimestamp, base offset) when empty,
// as Kafka's TimeIndex.lastEntry does.
func (idx *timeIndex) last() (int64, int64) {
	if n := len(idx.timestamps); n > 0 {
		return idx.timestamps[n-1], idx.offsets[n-1]
	}
	return -1, idx.baseOffset
}

// maybeAppend adds an entry if timestamp is above the last one.
func (idx *timeIndex) maybeAppend(timestamp, offset int64) error {
	lastTS, lastOff := idx.last()
	if timestamp <= lastTS {
		return nil
	}
	if len(idx.timestamps) > 0 && offset < lastOff {
		return fmt.Errorf("time index offset %d is below the last entry %d", offset, lastOff)
	}
	var e [timeEntrySize]byte
	binary.BigEndian.PutUint64(e[0:], uint64(timestamp))
	binary.BigEndian.PutUint32(e[8:], uint32(offset-idx.baseOffset))
	if err := idx.file.Append(e[:]); err != nil {
		return err
	}
	idx.timestamps = append(idx.timestamps, timestamp)
	idx.offsets = append(idx.offsets, offset)
	return nil
}

// lookup returns the offset of the last entry whose timestamp is at or
// below target, or the segment start when there is none: the place to
// start scanning for the first record at or after target.
func (idx *timeIndex) lookup(target int64) int64 {
	i := sort.Search(len(idx.timestamps), func(i int) bool { return idx.timestamps[i] > target })
	if i == 0 {
		return idx.baseOffset
	}
	return idx.offsets[i-1]
}

// truncateTo drops entries for offsets at or above offset.
func (idx *timeIndex) truncateTo(offset int64) error {
	i := sort.Search(len(idx.offsets), func(i int) bool { return idx.offsets[i] >= offset })
	if i >= len(idx.offsets) {
		return nil
	}
	idx.timestamps, idx.offsets = idx.timestamps[:i], idx.offsets[:i]
	return idx.file.Truncate(int64(i * timeEntrySize))
}
