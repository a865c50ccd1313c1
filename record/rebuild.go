package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// DeleteHorizon returns the batch's delete horizon (KIP-534): the time
// after which the log cleaner may drop its tombstones. Kafka's cleaner
// sets it, by flagging the batch and storing the horizon as its base
// timestamp, when it first rewrites a batch that holds tombstones.
func (h Header) DeleteHorizon() (ms int64, ok bool) {
	if h.Attributes&attrDeleteHorizon == 0 {
		return 0, false
	}
	return h.BaseTimestamp, true
}

// Rebuild encodes the records the log cleaner keeps from a batch as a new
// batch that keeps what the original says about itself, as Kafka's
// MemoryRecords.filterTo does: the base offset and last offset (so the
// offsets of the records removed stay a gap, and a producer's last
// sequence stays where it was), each record's own offset and timestamp,
// the producer id, epoch and base sequence, the partition leader epoch,
// the compression codec, the timestamp type and the transactional and
// control flags. kept must be records of that batch, in order; it may be
// empty (a producer's last batch is kept empty so its sequence survives).
// A deleteHorizon of 0 or more flags the batch with that delete horizon;
// -1 leaves it without one.
func Rebuild(h Header, kept []Record, deleteHorizon int64) ([]byte, error) {
	if h.Magic != Magic {
		return nil, fmt.Errorf("Rebuild: magic %d batch", h.Magic)
	}
	if deleteHorizon < -1 {
		return nil, fmt.Errorf("Rebuild: delete horizon %d", deleteHorizon)
	}
	baseTS := h.MaxTimestamp
	if len(kept) > 0 {
		baseTS = kept[0].Timestamp
	}
	if deleteHorizon >= 0 {
		baseTS = deleteHorizon
	}
	maxTS := int64(NoTimestamp)
	prev := h.BaseOffset - 1
	var body []byte
	for _, r := range kept {
		if r.Offset <= prev || r.Offset > h.LastOffset() {
			return nil, errors.New("Rebuild: records out of order or outside the batch")
		}
		prev = r.Offset
		maxTS = max(maxTS, r.Timestamp)
		ts := r.Timestamp
		if h.TimestampType() == LogAppendTime {
			// The records' own create times are not kept in the batch's
			// decoded form; their deltas are what they were.
			ts = baseTS + r.TimestampDelta
		}
		body = appendRecord(body, r, int32(r.Offset-h.BaseOffset), ts-baseTS)
	}
	if h.TimestampType() == LogAppendTime || len(kept) == 0 {
		maxTS = h.MaxTimestamp
	}
	compressed, err := Compress(h.Compression(), body)
	if err != nil {
		return nil, err
	}
	b := make([]byte, HeaderSize, HeaderSize+len(compressed))
	b = append(b, compressed...)
	binary.BigEndian.PutUint64(b[posBaseOffset:], uint64(h.BaseOffset))
	binary.BigEndian.PutUint32(b[posLength:], uint32(len(b)-LogOverhead))
	binary.BigEndian.PutUint32(b[posLeaderEpoch:], uint32(h.PartitionLeaderEpoch))
	b[posMagic] = Magic
	attrs := uint16(h.Attributes) &^ attrDeleteHorizon
	if deleteHorizon >= 0 {
		attrs |= attrDeleteHorizon
	}
	binary.BigEndian.PutUint16(b[posAttributes:], attrs)
	binary.BigEndian.PutUint32(b[posLastOffsetDelta:], uint32(h.LastOffsetDelta))
	binary.BigEndian.PutUint64(b[posBaseTimestamp:], uint64(baseTS))
	binary.BigEndian.PutUint64(b[posMaxTimestamp:], uint64(maxTS))
	binary.BigEndian.PutUint64(b[posProducerID:], uint64(h.ProducerID))
	binary.BigEndian.PutUint16(b[posProducerEpoch:], uint16(h.ProducerEpoch))
	binary.BigEndian.PutUint32(b[posBaseSequence:], uint32(h.BaseSequence))
	binary.BigEndian.PutUint32(b[posRecordCount:], uint32(len(kept)))
	binary.BigEndian.PutUint32(b[posCRC:], crc32.Checksum(b[posAttributes:], castagnoli))
	return b, nil
}
