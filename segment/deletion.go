package segment

import (
	"errors"
	"strings"
)

// Deleting a segment, as Kafka's UnifiedLog.deleteSegmentFiles does: the
// segment leaves the log at once (readers no longer find it) and all its
// files are renamed with the .deleted suffix; the files themselves are
// removed file.delete.delay.ms later, so that a read that already holds
// them can finish. The Log asks its owner to schedule that removal
// (OpenOptions.ScheduleRemoval, on the cluster clock). A broker that
// stops before the delay has passed leaves the .deleted files behind;
// opening the log removes them, as Kafka's LogLoader does, so a restart
// finishes every pending deletion. Retention, DeleteRecords and
// truncation all delete segments this way, in files and in memory alike.

// DeletedSuffix marks the files of a deleted segment awaiting removal.
const DeletedSuffix = ".deleted"

// EventKind says what happened to a segment.
type EventKind int

const (
	// Rolled: the segment stopped being the active one; a new active
	// segment starts after it.
	Rolled EventKind = iota
	// Deleted: the segment left the log and its files were renamed
	// .deleted.
	Deleted
	// Removed: the .deleted files of the segment were removed, after
	// file.delete.delay.ms.
	Removed
	// Cleaned: the log cleaner compacted the log up to NextOffset (the
	// new first dirty offset); Cleaning says what it did.
	Cleaned
)

func (k EventKind) String() string {
	switch k {
	case Rolled:
		return "rolled"
	case Deleted:
		return "deleted"
	case Removed:
		return "removed"
	case Cleaned:
		return "cleaned"
	}
	return "unknown"
}

// Event is one change to a log's segments, for the owner to report.
type Event struct {
	Kind       EventKind
	BaseOffset int64 // the segment's base offset (its file name)
	NextOffset int64 // the offset after its last batch (Rolled, Deleted)
	Size       int64 // bytes in its .log file (Rolled, Deleted)
	// Cause is why a segment was deleted: "log start offset" (retention,
	// DeleteRecords, a follower taking its leader's), "truncation" or
	// "cleaning" (replaced by a cleaned segment).
	Cause string
	// Cleaning is what a cleaning did (Cleaned).
	Cleaning *CleanResult
}

func (l *Log) emit(e Event) {
	if l.onEvent != nil {
		l.onEvent(e)
	}
}

// deleteSegment takes s out of service: its files are closed and renamed
// .deleted, and their removal is scheduled. The caller drops s from
// l.segments.
func (l *Log) deleteSegment(s *segment, cause string) error {
	e := Event{Kind: Deleted, BaseOffset: s.baseOffset, NextOffset: s.nextOffset, Size: s.size(), Cause: cause}
	err := s.close()
	if rerr := renameSegmentFiles(l.dir, s.baseOffset, "", DeletedSuffix); rerr != nil {
		return errors.Join(err, rerr)
	}
	// The producer snapshot at the segment's base goes with it (Kafka's
	// deleteProducerSnapshots), unless the cleaner is replacing the
	// segment by one at the same base: its swap file is then in place.
	if !l.dir.Exists(FileName(s.baseOffset, LogSuffix) + SwapSuffix) {
		if rerr := l.retireSnapshot(s.baseOffset); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	l.emit(e)
	base := s.baseOffset
	remove := func() {
		// A failed removal leaves the files for the next open to remove.
		if errors.Join(removeSegmentFiles(l.dir, base, DeletedSuffix), l.dir.Remove(FileName(base, SnapshotSuffix)+DeletedSuffix)) == nil {
			l.emit(Event{Kind: Removed, BaseOffset: base})
		}
	}
	if l.scheduleRemoval == nil {
		remove()
	} else {
		l.scheduleRemoval(remove)
	}
	return err
}

// removeDeletedFiles removes every .deleted file in dir: deletions a
// broker stopped before finishing.
func removeDeletedFiles(dir Dir) error {
	names, err := dir.Names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasSuffix(n, DeletedSuffix) {
			err = errors.Join(err, dir.Remove(n))
		}
	}
	return err
}
