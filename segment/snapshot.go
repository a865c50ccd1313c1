package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
)

// Producer state snapshots (Kafka's ProducerStateManager snapshot files,
// <offset>.snapshot beside the segments). A snapshot holds every
// producer's state as it stood at its offset: the state a replica had
// after applying every batch below that offset. A replica that opens its
// log loads the latest snapshot and replays only the batches after it,
// instead of every batch header of the log.
//
// The file is Kafka's ProducerSnapshot message, version 1, big-endian:
//
//	version           int16  (1)
//	crc               uint32 CRC-32C of everything after it
//	producer count    int32
//	per producer, 46 bytes:
//	  producer id              int64
//	  epoch                    int16
//	  last sequence            int32 (-1: no batch remembered)
//	  last offset              int64 (-1: no batch remembered)
//	  offset delta             int32 (last offset - first offset of that batch)
//	  timestamp                int64 (the producer's last timestamp)
//	  coordinator epoch        int32
//	  current txn first offset int64 (-1: no open transaction)
//
// Only each producer's last batch is kept, as in Kafka: after a restart
// a retry of an older in-flight batch is no longer recognised as a
// duplicate, which is why Kafka also snapshots at every roll and replays
// the segments after the snapshot.
//
// The log keeps snapshot files in step with its segments, as Kafka's
// UnifiedLog does: a deleted segment (retention, DeleteRecords,
// truncation, or merged away by the cleaner) takes the snapshot named
// after its base offset with it, renamed .deleted and removed with its
// files. The partition decides when to write one and which are stale
// after a truncation (package partition, producersnapshot.go).

// SnapshotSuffix names a producer state snapshot.
const SnapshotSuffix = ".snapshot"

// ErrCorruptSnapshot is wrapped by DecodeProducerSnapshot's errors, as
// Kafka's CorruptSnapshotException: the reader ignores the file.
var ErrCorruptSnapshot = errors.New("corrupt producer snapshot")

const (
	snapshotVersion      = 1
	snapshotHeaderSize   = 2 + 4 + 4 // version, CRC, producer count
	snapshotEntriesStart = 6         // Kafka's PRODUCER_ENTRIES_OFFSET: the CRC covers from here
	snapshotEntrySize    = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ProducerSnapshotEntry is one producer of a snapshot (Kafka's
// ProducerSnapshot.ProducerEntry).
type ProducerSnapshotEntry struct {
	ProducerID            int64
	Epoch                 int16
	LastSequence          int32
	LastOffset            int64
	OffsetDelta           int32
	Timestamp             int64
	CoordinatorEpoch      int32
	CurrentTxnFirstOffset int64
}

// EncodeProducerSnapshot returns a snapshot file's bytes.
func EncodeProducerSnapshot(entries []ProducerSnapshotEntry) []byte {
	b := make([]byte, snapshotHeaderSize, snapshotHeaderSize+len(entries)*snapshotEntrySize)
	binary.BigEndian.PutUint16(b, snapshotVersion)
	binary.BigEndian.PutUint32(b[6:], uint32(len(entries)))
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, uint64(e.ProducerID))
		b = binary.BigEndian.AppendUint16(b, uint16(e.Epoch))
		b = binary.BigEndian.AppendUint32(b, uint32(e.LastSequence))
		b = binary.BigEndian.AppendUint64(b, uint64(e.LastOffset))
		b = binary.BigEndian.AppendUint32(b, uint32(e.OffsetDelta))
		b = binary.BigEndian.AppendUint64(b, uint64(e.Timestamp))
		b = binary.BigEndian.AppendUint32(b, uint32(e.CoordinatorEpoch))
		b = binary.BigEndian.AppendUint64(b, uint64(e.CurrentTxnFirstOffset))
	}
	binary.BigEndian.PutUint32(b[2:], crc32.Checksum(b[snapshotEntriesStart:], castagnoli))
	return b
}

// DecodeProducerSnapshot reads a snapshot file. Any damage (a version
// other than 1, a short or overlong file, a CRC mismatch) is an error
// wrapping ErrCorruptSnapshot.
func DecodeProducerSnapshot(b []byte) ([]ProducerSnapshotEntry, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes is too short for the version", ErrCorruptSnapshot, len(b))
	}
	if v := int16(binary.BigEndian.Uint16(b)); v != snapshotVersion {
		return nil, fmt.Errorf("%w: unknown file version %d", ErrCorruptSnapshot, v)
	}
	if len(b) < snapshotHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes is too short for the CRC and the producer count", ErrCorruptSnapshot, len(b))
	}
	n := int64(int32(binary.BigEndian.Uint32(b[6:])))
	if n < 0 || n*snapshotEntrySize != int64(len(b)-snapshotHeaderSize) {
		return nil, fmt.Errorf("%w: %d producers in %d bytes", ErrCorruptSnapshot, n, len(b)-snapshotHeaderSize)
	}
	if stored, computed := binary.BigEndian.Uint32(b[2:]), crc32.Checksum(b[snapshotEntriesStart:], castagnoli); stored != computed {
		return nil, fmt.Errorf("%w: stored CRC %d, computed %d", ErrCorruptSnapshot, stored, computed)
	}
	out := make([]ProducerSnapshotEntry, 0, n)
	for e := b[snapshotHeaderSize:]; len(e) > 0; e = e[snapshotEntrySize:] {
		out = append(out, ProducerSnapshotEntry{
			ProducerID:            int64(binary.BigEndian.Uint64(e)),
			Epoch:                 int16(binary.BigEndian.Uint16(e[8:])),
			LastSequence:          int32(binary.BigEndian.Uint32(e[10:])),
			LastOffset:            int64(binary.BigEndian.Uint64(e[14:])),
			OffsetDelta:           int32(binary.BigEndian.Uint32(e[22:])),
			Timestamp:             int64(binary.BigEndian.Uint64(e[26:])),
			CoordinatorEpoch:      int32(binary.BigEndian.Uint32(e[34:])),
			CurrentTxnFirstOffset: int64(binary.BigEndian.Uint64(e[38:])),
		})
	}
	return out, nil
}

// parseSnapshotName returns the offset of a .snapshot file name.
func parseSnapshotName(name string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, SnapshotSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	off, err := strconv.ParseInt(digits, 10, 64)
	return off, err == nil && off >= 0
}

// ProducerSnapshots lists the offsets of the snapshot files, ascending.
func (l *Log) ProducerSnapshots() ([]int64, error) {
	names, err := l.dir.Names()
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, n := range names {
		if off, ok := parseSnapshotName(n); ok {
			out = append(out, off)
		}
	}
	slices.Sort(out)
	return out, nil
}

// WriteProducerSnapshot writes the snapshot at offset, replacing any.
// With sync the file is made durable before it replaces the old one (a
// clean close); a roll skips the sync, as Kafka's roll does, since a
// snapshot lost in a crash only costs a longer replay.
func (l *Log) WriteProducerSnapshot(offset int64, entries []ProducerSnapshotEntry, sync bool) error {
	if offset < 0 {
		return fmt.Errorf("producer snapshot at negative offset %d", offset)
	}
	name := FileName(offset, SnapshotSuffix)
	if sync {
		return WriteFileAtomic(l.dir, name, EncodeProducerSnapshot(entries))
	}
	tmp := name + ".tmp"
	f, err := l.dir.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Truncate(0)
	if err == nil {
		err = f.Append(EncodeProducerSnapshot(entries))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return l.dir.Rename(tmp, name)
}

// ReadProducerSnapshot reads the snapshot at offset.
func (l *Log) ReadProducerSnapshot(offset int64) ([]ProducerSnapshotEntry, error) {
	if offset < 0 {
		return nil, fmt.Errorf("producer snapshot at negative offset %d", offset)
	}
	b, err := ReadFile(l.dir, FileName(offset, SnapshotSuffix))
	if err != nil {
		return nil, err
	}
	return DecodeProducerSnapshot(b)
}

// DeleteProducerSnapshot removes the snapshot at offset at once (a stale
// or corrupt one); a missing file is not an error.
func (l *Log) DeleteProducerSnapshot(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("producer snapshot at negative offset %d", offset)
	}
	return l.dir.Remove(FileName(offset, SnapshotSuffix))
}

// RemoveStraySnapshots deletes the snapshots not at a segment's base
// offset, keeping the latest of them if it lies beyond the last
// segment's base (the snapshot of a clean close, at the log end), as
// Kafka's ProducerStateManager.removeStraySnapshots does when a log is
// loaded.
func (l *Log) RemoveStraySnapshots() error {
	offsets, err := l.ProducerSnapshots()
	if err != nil {
		return err
	}
	bases := make(map[int64]bool, len(l.segments))
	for _, s := range l.segments {
		bases[s.baseOffset] = true
	}
	stray := int64(-1)
	for _, off := range offsets {
		if bases[off] {
			continue
		}
		if stray >= 0 {
			err = errors.Join(err, l.DeleteProducerSnapshot(stray))
		}
		stray = off
	}
	if stray >= 0 && stray < l.active().baseOffset {
		err = errors.Join(err, l.DeleteProducerSnapshot(stray))
	}
	return err
}

// retireSnapshot renames the snapshot at a deleted segment's base offset
// .deleted, to be removed with the segment's files.
func (l *Log) retireSnapshot(base int64) error {
	name := FileName(base, SnapshotSuffix)
	if !l.dir.Exists(name) {
		return nil
	}
	return l.dir.Rename(name, name+DeletedSuffix)
}
