// Package record reads and writes Kafka's record batch format (magic v2),
// the unit in which producers send data, brokers store it and consumers
// fetch it.
//
// A record batch is a 61-byte header followed by the records, which may be
// compressed as one block (gzip, snappy, lz4 or zstd, chosen by the
// producer's compression.type). The header carries what the broker needs
// without opening the records: the offset range, timestamps, the producer
// id/epoch/sequence used for idempotence (KIP-98), and a CRC-32C over
// everything from the attributes to the end:
//
//	offset  size  field
//	     0     8  baseOffset            (assigned by the broker)
//	     8     4  batchLength           (bytes after this field)
//	    12     4  partitionLeaderEpoch  (assigned by the broker)
//	    16     1  magic                 (2)
//	    17     4  crc                   (CRC-32C of bytes 21..end)
//	    21     2  attributes            (compression, timestamp type, transactional, control)
//	    23     4  lastOffsetDelta
//	    27     8  baseTimestamp
//	    35     8  maxTimestamp
//	    43     8  producerId
//	    51     2  producerEpoch
//	    53     4  baseSequence
//	    57     4  recordCount
//	    61     …  records
//
// Because the CRC starts at the attributes, a broker can stamp the base
// offset and the partition leader epoch into a batch without recomputing
// it: that is how Kafka stores a producer's bytes (still compressed) and
// serves them to consumers as they are. The leader also sets the max
// timestamp (the largest record timestamp, or its own clock with
// message.timestamp.type=LogAppendTime, which sets the timestamp-type
// attribute too); only when that changes covered bytes is the CRC
// recomputed (SetMaxTimestamp). A batch is rebuilt (Build) only when the
// topic's compression.type asks for another codec or a compressed
// batch's offset deltas are not consecutive; package partition says when.
//
// Each record inside a batch is encoded with varints relative to the batch:
// an offset delta, a timestamp delta, a key, a value and headers.
//
// The Java client's sources DefaultRecordBatch and DefaultRecord describe
// the same layout.
package record
