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
// The log start offset is the first offset still kept; retention and
// DeleteRecords move it forward. The log end offset (LEO) is the offset
// the next record will get. The high watermark (HW) is the end of what
// every in-sync replica has copied: consumers read only below it, so they
// never see a record that a leader failover could take back. It does not
// move while fewer replicas than min.insync.replicas are in sync (Kafka
// 3.7+, KAFKA-15583). The last stable offset (LSO) is where
// read_committed consumers stop: the first offset of a transaction that
// is still open (KIP-98); with no open transaction it equals the high
// watermark.
//
// Each leadership term has a leader epoch. The leader stamps its epoch
// into every batch it appends (partitionLeaderEpoch), and requests that
// carry a stale epoch are refused (FENCED_LEADER_EPOCH), so an old leader
// cannot keep accepting writes once a new one is elected (KIP-101,
// KIP-320).
//
// Appending as leader follows Kafka's LogValidator: exactly one v2 batch
// per partition per request, the CRC and the record count checked, every
// record decoded (decompressing if needed) and its timestamp checked
// against message.timestamp.before.max.ms / message.timestamp.after.max.ms,
// a key required on compacted topics, and the batch no larger than
// max.message.bytes. The batch is then stored as sent: only the base
// offset, the partition leader epoch and, for
// message.timestamp.type=LogAppendTime, the timestamps are stamped in.
package partition
