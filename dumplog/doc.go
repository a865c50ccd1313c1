// Package dumplog prints a partition's segment files the way Kafka's
// kafka-dump-log.sh (org.apache.kafka.tools.DumpLogSegments) prints them,
// line for line, so that a learner can read gregor's data directory, or a
// real Kafka broker's log.dirs, with the textbook's examples beside it.
//
// A partition directory (<topic>-<partition>) holds, per segment, files
// named after the segment's base offset, zero-padded to 20 digits:
//
//   - .log: the record batches, back to back, exactly as the leader
//     appended them. Each batch (magic 2, Kafka 0.11+) has a 61-byte header:
//     base offset, length, partition leader epoch, magic, a CRC-32C of
//     everything after it, attributes (compression codec, timestamp type,
//     transactional and control flags, KIP-534's delete horizon), the last
//     offset delta, base and max timestamps, producer id, epoch and base
//     sequence, and the record count; then the records, compressed together.
//     A control batch holds one control record, a transaction marker
//     (COMMIT or ABORT with the coordinator epoch).
//   - .index: the sparse offset index, 8-byte entries (offset relative to
//     the base offset, byte position in the .log), one every
//     index.interval.bytes of batches; each entry names a batch's last
//     offset and that batch's position.
//   - .timeindex: the sparse time index, 12-byte entries (timestamp,
//     relative offset): the largest timestamp so far and the last offset
//     of the batch that carried it.
//   - .txnindex: the aborted transactions whose markers lie in the segment,
//     34-byte entries (version, producer id, first offset, last offset,
//     the last stable offset when the abort was written), which a
//     read_committed fetch returns so that consumers drop aborted records.
//   - .snapshot: the producer state snapshot (ProducerSnapshot, version 1,
//     with a CRC-32C): per producer id its epoch, last sequence, last
//     offset and timestamp, coordinator epoch and the first offset of its
//     open transaction, written when a segment rolls so that a restart need
//     not rescan the whole log to rebuild idempotence and transaction state.
//
// Dump takes the same options as Kafka's tool: print-data-log (each
// record's key and value; it implies deep-iteration, each record's
// metadata), verify-index-only (check the indexes against the log without
// printing their entries), index-sanity-check (the check a broker runs at
// startup to decide whether to rebuild an index), max-bytes (read only the
// first bytes of each .log) and max-message-size. The index checks report,
// as Kafka's tool does and after all files, index entries whose offset is
// not the last offset of the batch at their position, time index entries
// whose timestamp is not their batch's largest, timestamps out of order,
// and non-consecutive offsets in a deep iteration.
//
// Beyond Kafka's tool, a directory given in the list dumps every segment
// file in it, in name order. Damaged files (torn batches, a wrong CRC, an
// unsupported magic, indexes of the wrong size) are reported in words, in
// the output where Kafka's tool prints them and on the error stream where
// Kafka's tool would stop with a stack trace; nothing in a file makes Dump
// panic.
//
// Not yet: the --offsets-decoder and --transaction-log-decoder views of
// __consumer_offsets and __transaction_state records, the other decoders
// (cluster metadata, remote log metadata, share group state), and custom
// key and value decoder classes; Options says so with an error. Batches in
// the message formats before magic 2 are reported, not printed.
package dumplog
