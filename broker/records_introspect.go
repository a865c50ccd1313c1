package broker

import (
	"bytes"
	"fmt"

	"github.com/gregorkafka/gregor/record"
)

// Reading a replica's log from Go: the records one broker holds for a
// partition, leader or follower, with the metadata of the batch each came
// in. A test proves with it that a record reached, or is gone from, every
// replica (after DeleteRecords, retention, compaction or a truncation on
// failover) without a consumer, which only ever reads the leader up to the
// high watermark, and without decoding segment files.

// StoredRecord is one record as a replica keeps it.
type StoredRecord struct {
	Offset int64
	// Timestamp is in milliseconds since the epoch: the producer's
	// CreateTime, or the broker's LogAppendTime (see Batch.TimestampType).
	Timestamp int64
	// Key and Value are nil for Kafka's null, which differs from empty.
	Key     []byte
	Value   []byte
	Headers []record.RecordHeader
	Batch   BatchInfo
}

// BatchInfo is the header of the record batch a record belongs to.
type BatchInfo struct {
	BaseOffset int64
	LastOffset int64
	// PartitionLeaderEpoch is the leader epoch in which the leader
	// appended the batch: what a follower compares when it truncates.
	PartitionLeaderEpoch int32
	Compression          record.Compression
	TimestampType        record.TimestampType
	MaxTimestamp         int64
	// ProducerID is -1 for a producer that is not idempotent.
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	Transactional bool
	Control       bool
}

// Records returns up to max records of one replica of topic-partition: the
// log of broker brokerID as it is now, from fromOffset up to that
// replica's log end offset, which may be beyond the high watermark (on the
// leader) or behind the leader's (on a lagging follower). Records below
// the replica's log start offset are gone, so a fromOffset below it reads
// from the log start. Control records (transaction markers) are included;
// tell them by Batch.Control.
//
// The broker must be running and hold a replica of the partition; an
// unknown topic, partition or broker, or a max below 1, is an error. The
// returned slices are copies, safe to keep.
func (c *Cluster) Records(topic string, partition, brokerID int32, fromOffset int64, max int) ([]StoredRecord, error) {
	if max < 1 {
		return nil, fmt.Errorf("max must be at least 1, not %d", max)
	}
	b, err := c.replicaBroker(topic, partition, brokerID)
	if err != nil {
		return nil, err
	}
	r := b.replica(topic, partition)
	if !b.Running() || r == nil {
		return nil, fmt.Errorf("broker %d is not running: its replica of %s-%d cannot be read", brokerID, topic, partition)
	}
	logStart, _, logEnd := r.Offsets()
	offset := max64(fromOffset, logStart)
	var out []StoredRecord
	for offset < logEnd && len(out) < max {
		batches, err := r.ReadLog(offset, 1<<20)
		if err != nil {
			return out, err
		}
		if len(batches) == 0 {
			break
		}
		next, err := appendStoredRecords(&out, batches, offset, max)
		if err != nil {
			return out, fmt.Errorf("%s-%d on broker %d: %w", topic, partition, brokerID, err)
		}
		offset = next
	}
	return out, nil
}

// appendStoredRecords decodes whole batches into out, skipping records
// below from and stopping at max, and returns the offset after the last
// batch read.
func appendStoredRecords(out *[]StoredRecord, batches []byte, from int64, max int) (int64, error) {
	next := from
	for len(batches) > 0 && len(*out) < max {
		h, err := record.ReadHeader(batches)
		if err != nil {
			return next, err
		}
		batch := batches[:h.Size()]
		batches = batches[h.Size():]
		info := batchInfo(h)
		err = record.Each(batch, func(_ int, rec record.Record) error {
			if rec.Offset >= from && len(*out) < max {
				*out = append(*out, toStoredRecord(rec, info))
			}
			return nil
		})
		if err != nil {
			return next, err
		}
		next = h.NextOffset()
	}
	return next, nil
}

func batchInfo(h record.Header) BatchInfo {
	return BatchInfo{
		BaseOffset: h.BaseOffset, LastOffset: h.LastOffset(), PartitionLeaderEpoch: h.PartitionLeaderEpoch,
		Compression: h.Compression(), TimestampType: h.TimestampType(), MaxTimestamp: h.MaxTimestamp,
		ProducerID: h.ProducerID, ProducerEpoch: h.ProducerEpoch, BaseSequence: h.BaseSequence,
		Transactional: h.IsTransactional(), Control: h.IsControl(),
	}
}

func toStoredRecord(r record.Record, info BatchInfo) StoredRecord {
	s := StoredRecord{Offset: r.Offset, Timestamp: r.Timestamp, Key: bytes.Clone(r.Key), Value: bytes.Clone(r.Value), Batch: info}
	if info.TimestampType == record.LogAppendTime {
		// The records of a LogAppendTime batch carry the producer's
		// times; the broker's time is the batch's max timestamp.
		s.Timestamp = info.MaxTimestamp
	}
	for _, h := range r.Headers {
		s.Headers = append(s.Headers, record.RecordHeader{Key: h.Key, Value: bytes.Clone(h.Value)})
	}
	return s
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
