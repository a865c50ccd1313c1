package dumplog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Entry sizes of the two sparse indexes.
const (
	offsetEntrySize = 8  // relative offset int32, position int32
	timeEntrySize   = 12 // timestamp int64, relative offset int32
)

type offsetEntry struct {
	offset   int64
	position int32
}

type timeEntry struct {
	timestamp, offset int64
}

// offsetEntries reads every whole entry of an offset index, the
// preallocated zero tail of an active segment's index included, as Kafka
// maps the file.
func offsetEntries(b []byte, base int64) []offsetEntry {
	es := make([]offsetEntry, len(b)/offsetEntrySize)
	for i := range es {
		e := b[i*offsetEntrySize:]
		es[i] = offsetEntry{base + int64(int32(binary.BigEndian.Uint32(e))), int32(binary.BigEndian.Uint32(e[4:]))}
	}
	return es
}

func timeEntries(b []byte, base int64) []timeEntry {
	es := make([]timeEntry, len(b)/timeEntrySize)
	for i := range es {
		e := b[i*timeEntrySize:]
		es[i] = timeEntry{int64(binary.BigEndian.Uint64(e)), base + int64(int32(binary.BigEndian.Uint32(e[8:])))}
	}
	return es
}

// offsetIndex prints an .index file's entries and checks that each names
// the last offset of the batch at its position.
func (d *dumper) offsetIndex(path string) error {
	base, err := baseOffsetOf(path)
	if err != nil {
		return err
	}
	logBytes, _, err := readPrefix(sibling(path, ".log"), defaultMaxBytes)
	if err != nil {
		return fmt.Errorf("%s: its log: %w", path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	es := offsetEntries(b, base)
	if len(es) == 0 {
		d.printf("%s is empty.\n", path)
		return nil
	}
	if d.opts.IndexSanityCheck {
		abs, _ := filepath.Abs(path)
		if last := es[len(es)-1].offset; last < base {
			return kafkaMessagef("Corrupt index found, index file (%s) has non-zero size but the last offset is %d which is less than the base offset %d.", abs, last, base)
		}
		if len(b)%offsetEntrySize != 0 {
			return kafkaMessagef("Index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d.", abs, len(b), offsetEntrySize)
		}
		d.printf("%s passed sanity check.\n", path)
		return nil
	}
	for i, e := range es {
		// An entry at the base offset after the first is the zero tail of
		// a preallocated index: the entries end there.
		if i > 0 && e.offset == base {
			return nil
		}
		if e.position < 0 || int64(e.position) >= int64(len(logBytes)) {
			note(&d.indexMismatches, path, e.offset, -1)
		} else {
			end := min(len(logBytes), int(e.position)+d.opts.MaxMessageSize)
			found := int64(-1)
			_, err := batches(logBytes[e.position:end], func(bt batch) error {
				found = bt.h.LastOffset()
				return errStop
			})
			if err != nil && !errors.Is(err, errStop) {
				return fmt.Errorf("%s: the entry for offset %d points at position %d of the log: %v", path, e.offset, e.position, err)
			}
			if found != e.offset {
				note(&d.indexMismatches, path, e.offset, found)
			}
		}
		if !d.opts.VerifyIndexOnly {
			d.printf("offset: %d position: %d\n", e.offset, e.position)
		}
	}
	return nil
}

var errStop = errors.New("stop")

// timeIndex prints a .timeindex file's entries and checks each against the
// batch holding its offset: that batch must end at the offset, and its
// largest timestamp must be the entry's; entries' timestamps must grow.
func (d *dumper) timeIndex(path string) error {
	base, err := baseOffsetOf(path)
	if err != nil {
		return err
	}
	logBytes, _, err := readPrefix(sibling(path, ".log"), defaultMaxBytes)
	if err != nil {
		return fmt.Errorf("%s: its log: %w", path, err)
	}
	var offsets []offsetEntry
	if ib, err := os.ReadFile(sibling(path, ".index")); err == nil {
		offsets = offsetEntries(ib, base)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	es := timeEntries(b, base)
	if d.opts.IndexSanityCheck {
		abs, _ := filepath.Abs(path)
		if len(es) > 0 {
			last := es[len(es)-1]
			if last.timestamp < es[0].timestamp {
				return kafkaMessagef("Corrupt time index found, time index file (%s) has non-zero size but the last timestamp is %d which is less than the first timestamp %d", abs, last.timestamp, es[0].timestamp)
			}
			if last.offset < base {
				return kafkaMessagef("Corrupt time index found, time index file (%s) has non-zero size but the last offset is %d which is less than the first offset %d", abs, last.offset, base)
			}
		}
		if len(b)%timeEntrySize != 0 {
			return kafkaMessagef("Time index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d.", abs, len(b), timeEntrySize)
		}
		d.printf("%s passed sanity check.\n", path)
		return nil
	}
	prev := int64(-1)
	for i, e := range es {
		if i > 0 && e.offset == base {
			return nil
		}
		if err := d.checkTimeEntry(path, logBytes, lookup(offsets, base, e.offset), e, prev); err != nil {
			return err
		}
		if !d.opts.VerifyIndexOnly {
			d.printf("timestamp: %d offset: %d\n", e.timestamp, e.offset)
		}
		prev = e.timestamp
	}
	return nil
}

func (d *dumper) checkTimeEntry(path string, logBytes []byte, from int32, e timeEntry, prev int64) error {
	var found *batch
	if from >= 0 && int(from) < len(logBytes) {
		_, err := batches(logBytes[from:], func(bt batch) error {
			if bt.h.LastOffset() >= e.offset {
				found = &bt
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return fmt.Errorf("%s: looking for offset %d in the log: %v", path, e.offset, err)
		}
	}
	switch {
	case found == nil:
		note(&d.timeNotFound, path, e.offset, -1)
	case found.h.LastOffset() != e.offset:
		note(&d.timeNotFound, path, e.offset, found.h.LastOffset())
	default:
		rs, err := found.records()
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		max := int64(-1)
		for _, r := range rs {
			max = maxInt64(max, r.Timestamp)
		}
		if max != e.timestamp {
			note(&d.timeMismatches, path, e.timestamp, max)
		}
		if prev >= e.timestamp {
			note(&d.timeOutOfOrder, path, e.timestamp, prev)
		}
	}
	return nil
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// lookup is the offset index's answer for target: the position of the
// last entry at or below it among the entries before the zero tail, or the
// start of the log.
func lookup(es []offsetEntry, base, target int64) int32 {
	pos := int32(0)
	for i, e := range es {
		if (i > 0 && e.offset == base) || e.offset > target {
			break
		}
		pos = e.position
	}
	return pos
}
