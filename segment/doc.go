// Package segment is a partition's log as Kafka keeps it: a sequence of
// segments, each a .log file of record batches with two sparse indexes.
//
// A partition directory (named <topic>-<partition>) holds, for each
// segment, three files named after the segment's base offset, the offset
// of its first record, zero-padded to 20 digits:
//
//	00000000000000000000.log        record batches, as the leader appended them
//	00000000000000000000.index      offset index: (relative offset, file position) pairs
//	00000000000000000000.timeindex  time index: (timestamp, relative offset) pairs
//	00000000000000000000.txnindex   transactions aborted in the segment, if any (txnindex.go)
//	00000000000000001000.log        the next segment starts at offset 1000
//	…
//
// Only the last segment, the active one, is written to. It rolls (a new
// segment starts) when it would grow past segment.bytes, when its first
// batch is older than segment.ms, or when an index is full
// (segment.index.bytes). Closed segments never change again. The log
// start offset moves forward to any offset (DeleteRecords,
// AdvanceLogStartOffset); the segments that then lie wholly before it are
// deleted whole, and the first segment may keep batches below the log
// start offset, which reads no longer return. Retention (retention.ms,
// retention.bytes, RetentionDue) deletes old closed segments whole, and so
// moves the log start offset in segment-sized steps. A deleted segment's
// files are renamed .deleted and removed when the log's owner says
// file.delete.delay.ms has passed; opening a log removes leftover .deleted
// files (deletion.go). Every roll and deletion is reported as an Event.
//
// Compacted logs (cleanup.policy=compact) are cleaned as Kafka's log
// cleaner does (cleaner.go): below the last stable offset and the active
// segment, each key keeps only its latest record, tombstones and
// transaction markers go after their KIP-534 delete horizon
// (delete.retention.ms), aborted transactions' data goes with their
// transaction index entries (cleaner_txn.go), and small segments are
// regrouped. The cleaned segments are written beside the old ones as
// .cleaned files without the owner's lock and swapped in under it
// (cleaner_run.go), through .swap files so that a crash leaves either the
// old segments or the new ones (swap.go).
//
// The indexes are sparse: an entry is added only after index.interval.bytes
// (default 4096) of batches, so finding an offset is a binary search in the
// index followed by a short scan of batch headers in the .log file. The
// time index maps timestamps to offsets the same way, for ListOffsets by
// timestamp.
//
// Storage is behind the Dir and File interfaces with two implementations
// that hold the same bytes: memory (the default, nothing touches the disk)
// and the operating system's files (a data directory, byte-compatible with
// a Kafka broker's log.dirs, so Kafka's kafka-dump-log.sh reads them).
// In memory, a file is a list of chunks that are filled and never
// rewritten, so its bytes can be lent to readers without copying; a
// follower's log keeps the batches its leader lent it (Log.AppendShared)
// instead of a copy, and the replicas of a partition in one process share
// one copy of each batch.
//
// When a log is opened from files that were not closed cleanly, the last
// segment is recovered the way Kafka's LogLoader does: every batch is
// checked, and the file is truncated after the last whole, valid batch, so
// a broker that crashed in the middle of a write loses only the torn tail.
//
// Configs: segment.bytes, segment.ms, segment.index.bytes,
// index.interval.bytes, retention.ms, retention.bytes, delete.retention.ms,
// min.compaction.lag.ms (topic) and their log.* broker defaults. Kafka 4 refuses segment.bytes below 1 MiB
// (KIP-1030); a test that wants segments of a few records sets Kafka's
// internal.segment.bytes on the topic, which this package takes as its
// SegmentBytes down to one batch header.
package segment
