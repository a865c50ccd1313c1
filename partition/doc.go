// Package partition is one replica of one topic partition: its log and the
// offsets that say which part of the log is safe to read.
//
// Every partition has a replica on each broker in its replica set. One
// replica is the leader: producers write to it and consumers read from
// it. The others are followers that copy the leader's log. Four offsets
// describe a replica, always in this order:
//
//	log start offset <= last stable offset <= high watermark <= log end offset
//
// The log start offset is the first offset still kept; DeleteRecords and
// retention move it forward. A segment that falls wholly below it is
// deleted as Kafka deletes one: renamed .deleted at once and removed
// file.delete.delay.ms later on the replica's clock (deletion.go). On a
// compacted topic the log cleaner (cleaner.go, segment/cleaner.go) keeps
// only each key's latest record below the active segment and the last
// stable offset, and removes aborted transactions' data; it locks the
// replica only to pick its segments and to swap the cleaned ones in. The
// log end offset (LEO) is the offset the next record will get. The high watermark (HW) is the end of what
// every in-sync replica has copied: consumers read only below it, so they
// never see a record that a leader failover could take back. It does not
// move while fewer replicas than min.insync.replicas are in sync (Kafka
// 3.7+, KAFKA-15583). The last stable offset (LSO) is where
// read_committed consumers stop: the first offset of a transaction that
// is still open, or whose marker not every in-sync replica has yet
// (KIP-98); with no such transaction it equals the high watermark.
// Transaction markers (AppendTxnMarker, txnmarker.go) end transactions;
// aborted ones are kept as Kafka's transaction index entries (AbortedTxn,
// txnstate.go), which read_committed fetches return with their records.
//
// Each leadership term has a leader epoch. The leader stamps its epoch
// into every batch it appends (partitionLeaderEpoch), and requests that
// carry a stale epoch are refused (FENCED_LEADER_EPOCH), so an old leader
// cannot keep accepting writes once a new one is elected (KIP-101,
// KIP-320). The replica set may change within a term: a partition
// reassignment (KIP-455) adds its new replicas without a new epoch, and
// the leader starts following their progress at once (ApplyState); they
// join the ISR like any follower that has caught up.
//
// Appending as leader follows Kafka's LogValidator (validate.go). The
// broker first requires exactly one v2 batch per partition per request
// (ParseProduceRecords). The batch's base offset must be 0, it must fit
// max.message.bytes, its CRC must match and its header must be one a
// client may write; then every record is decoded (decompressing if
// needed), its timestamp checked against message.timestamp.before.max.ms
// and message.timestamp.after.max.ms, and a key required on compacted
// topics.
//
// The batch is then stored as sent, still compressed as the producer
// compressed it, with four header fields assigned: the base offset, the
// partition leader epoch, the max timestamp (the largest record
// timestamp, which Kafka recomputes rather than trust; the broker's
// clock under message.timestamp.type=LogAppendTime, which also sets the
// timestamp-type attribute) and, when either of those last two changed,
// the CRC. It is rebuilt instead, its records encoded again into a new
// batch with the producer's id, epoch and sequence, in exactly the two
// cases where Kafka rebuilds: the topic's compression.type names a codec
// other than the batch's, or the batch is compressed and its records'
// offset deltas are not 0, 1, 2... (some old clients wrote them wrongly).
// An uncompressed batch with such deltas is stored as it is, as Kafka
// stores it. (Kafka's third case, converting an old message format, does
// not arise: Kafka 4 accepts only magic 2.)
package partition
