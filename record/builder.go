package record

import (
	"encoding/binary"
	"hash/crc32"
)

// BatchOptions describe a batch to build. The zero value is a
// non-idempotent, uncompressed, CreateTime data batch at base offset 0.
type BatchOptions struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32
	Compression          Compression
	TimestampType        TimestampType
	Transactional        bool
	Control              bool
	// ProducerID is -1 for a producer without idempotence; the zero
	// value is taken to mean -1 unless HasProducer is set.
	HasProducer   bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
}

// Build encodes records into one v2 batch, the way a producer (or the
// broker, for its own internal topics and transaction markers) writes
// them. Offset deltas are the records' positions in the slice (their
// Offset fields are ignored); timestamp deltas are taken from the first
// record's absolute Timestamp.
func Build(opts BatchOptions, records []Record) ([]byte, error) {
	var body []byte
	var baseTS, maxTS int64 = NoTimestamp, NoTimestamp
	if len(records) > 0 {
		baseTS = records[0].Timestamp
	}
	for i, r := range records {
		if r.Timestamp > maxTS {
			maxTS = r.Timestamp
		}
		body = appendRecord(body, r, int32(i), r.Timestamp-baseTS)
	}
	compressed, err := Compress(opts.Compression, body)
	if err != nil {
		return nil, err
	}
	b := make([]byte, HeaderSize, HeaderSize+len(compressed))
	b = append(b, compressed...)
	binary.BigEndian.PutUint64(b[posBaseOffset:], uint64(opts.BaseOffset))
	binary.BigEndian.PutUint32(b[posLength:], uint32(len(b)-LogOverhead))
	binary.BigEndian.PutUint32(b[posLeaderEpoch:], uint32(opts.PartitionLeaderEpoch))
	b[posMagic] = Magic
	attrs := uint16(opts.Compression) & attrCompressionMask
	if opts.TimestampType == LogAppendTime {
		attrs |= attrLogAppendTime
	}
	if opts.Transactional {
		attrs |= attrTransactional
	}
	if opts.Control {
		attrs |= attrControl
	}
	binary.BigEndian.PutUint16(b[posAttributes:], attrs)
	lastDelta := int32(0)
	if len(records) > 0 {
		lastDelta = int32(len(records) - 1)
	}
	binary.BigEndian.PutUint32(b[posLastOffsetDelta:], uint32(lastDelta))
	binary.BigEndian.PutUint64(b[posBaseTimestamp:], uint64(baseTS))
	binary.BigEndian.PutUint64(b[posMaxTimestamp:], uint64(maxTS))
	pid, epoch, seq := int64(-1), int16(-1), int32(-1)
	if opts.HasProducer {
		pid, epoch, seq = opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence
	}
	binary.BigEndian.PutUint64(b[posProducerID:], uint64(pid))
	binary.BigEndian.PutUint16(b[posProducerEpoch:], uint16(epoch))
	binary.BigEndian.PutUint32(b[posBaseSequence:], uint32(seq))
	binary.BigEndian.PutUint32(b[posRecordCount:], uint32(len(records)))
	binary.BigEndian.PutUint32(b[posCRC:], crc32.Checksum(b[posAttributes:], castagnoli))
	return b, nil
}

func appendRecord(dst []byte, r Record, offsetDelta int32, timestampDelta int64) []byte {
	var body []byte
	body = append(body, byte(r.Attributes))
	body = binary.AppendVarint(body, timestampDelta)
	body = binary.AppendVarint(body, int64(offsetDelta))
	body = appendNullable(body, r.Key)
	body = appendNullable(body, r.Value)
	body = binary.AppendVarint(body, int64(len(r.Headers)))
	for _, h := range r.Headers {
		body = appendNullable(body, []byte(h.Key))
		body = appendNullable(body, h.Value)
	}
	dst = binary.AppendVarint(dst, int64(len(body)))
	return append(dst, body...)
}

func appendNullable(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}
