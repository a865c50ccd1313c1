package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Sizes of the fixed parts of the v2 format.
const (
	// LogOverhead is the baseOffset and batchLength fields, which are not
	// counted in batchLength itself.
	LogOverhead = 12
	// HeaderSize is the whole v2 batch header, up to the first record.
	HeaderSize = 61
	// Magic is the only record format gregor stores (Kafka 0.11+).
	Magic = 2
)

// Byte positions of the header fields.
const (
	posBaseOffset      = 0
	posLength          = 8
	posLeaderEpoch     = 12
	posMagic           = 16
	posCRC             = 17
	posAttributes      = 21
	posLastOffsetDelta = 23
	posBaseTimestamp   = 27
	posMaxTimestamp    = 35
	posProducerID      = 43
	posProducerEpoch   = 51
	posBaseSequence    = 53
	posRecordCount     = 57
)

// Attribute bits of a batch.
const (
	attrCompressionMask = 0x07
	attrLogAppendTime   = 0x08
	attrTransactional   = 0x10
	attrControl         = 0x20
	attrDeleteHorizon   = 0x40
)

// NoTimestamp is Kafka's "no timestamp" value (-1).
const NoTimestamp = -1

// TimestampType says whose clock a batch's timestamps come from.
type TimestampType int8

const (
	// CreateTime: the producer's timestamps are kept.
	CreateTime TimestampType = 0
	// LogAppendTime: the broker stamps its own time when appending.
	LogAppendTime TimestampType = 1
)

func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by every error about bytes that do not form a valid
// batch; Kafka answers such data with CORRUPT_MESSAGE.
var ErrCorrupt = errors.New("corrupt record batch")

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Header is the decoded fixed part of a v2 record batch.
type Header struct {
	BaseOffset           int64
	Length               int32 // bytes after the Length field
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// ReadHeader decodes the header at the start of b. It checks only that the
// header is present and its magic is 2; see Check for the whole batch.
func ReadHeader(b []byte) (Header, error) {
	if len(b) < LogOverhead+5 {
		return Header{}, corruptf("%d bytes is too short for a batch header", len(b))
	}
	var h Header
	h.BaseOffset = int64(binary.BigEndian.Uint64(b[posBaseOffset:]))
	h.Length = int32(binary.BigEndian.Uint32(b[posLength:]))
	h.PartitionLeaderEpoch = int32(binary.BigEndian.Uint32(b[posLeaderEpoch:]))
	h.Magic = int8(b[posMagic])
	if h.Magic != Magic {
		return h, fmt.Errorf("%w: magic %d (only magic 2 is supported)", ErrUnsupportedMagic, h.Magic)
	}
	if len(b) < HeaderSize {
		return h, corruptf("%d bytes is too short for a v2 batch header", len(b))
	}
	h.CRC = binary.BigEndian.Uint32(b[posCRC:])
	h.Attributes = int16(binary.BigEndian.Uint16(b[posAttributes:]))
	h.LastOffsetDelta = int32(binary.BigEndian.Uint32(b[posLastOffsetDelta:]))
	h.BaseTimestamp = int64(binary.BigEndian.Uint64(b[posBaseTimestamp:]))
	h.MaxTimestamp = int64(binary.BigEndian.Uint64(b[posMaxTimestamp:]))
	h.ProducerID = int64(binary.BigEndian.Uint64(b[posProducerID:]))
	h.ProducerEpoch = int16(binary.BigEndian.Uint16(b[posProducerEpoch:]))
	h.BaseSequence = int32(binary.BigEndian.Uint32(b[posBaseSequence:]))
	h.NumRecords = int32(binary.BigEndian.Uint32(b[posRecordCount:]))
	return h, nil
}

// ErrUnsupportedMagic reports a batch in the pre-0.11 message formats
// (magic 0 and 1), which Kafka 4 no longer accepts (KIP-724, KIP-896).
var ErrUnsupportedMagic = errors.New("unsupported record format")

// Size is the whole batch in bytes, header included.
func (h Header) Size() int { return LogOverhead + int(h.Length) }

// LastOffset is the offset of the batch's last record.
func (h Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is the offset just after the batch.
func (h Header) NextOffset() int64 { return h.LastOffset() + 1 }

// Compression is the codec the records are compressed with.
func (h Header) Compression() Compression { return Compression(h.Attributes & attrCompressionMask) }

// TimestampType is whose clock the timestamps come from.
func (h Header) TimestampType() TimestampType {
	if h.Attributes&attrLogAppendTime != 0 {
		return LogAppendTime
	}
	return CreateTime
}

// IsTransactional reports whether the batch belongs to a transaction.
func (h Header) IsTransactional() bool { return h.Attributes&attrTransactional != 0 }

// IsControl reports whether the batch holds a control record (a
// transaction marker) rather than data.
func (h Header) IsControl() bool { return h.Attributes&attrControl != 0 }

// HasProducerID reports whether the batch was written by an idempotent or
// transactional producer.
func (h Header) HasProducerID() bool { return h.ProducerID >= 0 }

// Check validates a whole batch as Kafka does before appending: the length
// matches the bytes, magic is 2, the CRC-32C matches, and the record count
// agrees with the offset deltas.
func Check(b []byte) (Header, error) {
	h, err := ReadHeader(b)
	if err != nil {
		return h, err
	}
	if h.Length < HeaderSize-LogOverhead {
		return h, corruptf("batch length %d is smaller than the header", h.Length)
	}
	if h.Size() != len(b) {
		return h, corruptf("batch length %d does not match the %d bytes given", h.Size(), len(b))
	}
	if crc := crc32.Checksum(b[posAttributes:], castagnoli); crc != h.CRC {
		return h, corruptf("CRC-32C is %08x, the batch says %08x", crc, h.CRC)
	}
	return h, nil
}

// SplitBatches cuts b, a run of whole batches as they sit in a log file or
// a produce request, into batches. It stops at the first incomplete batch
// and reports how many bytes were whole; it does not validate CRCs.
func SplitBatches(b []byte) (batches [][]byte, whole int, err error) {
	for len(b)-whole >= LogOverhead {
		size := LogOverhead + int(int32(binary.BigEndian.Uint32(b[whole+posLength:])))
		if size < LogOverhead+5 {
			return batches, whole, corruptf("batch at byte %d has length %d", whole, size-LogOverhead)
		}
		if whole+size > len(b) {
			break
		}
		batches = append(batches, b[whole:whole+size])
		whole += size
	}
	return batches, whole, nil
}

// SetBaseOffset stamps the broker-assigned base offset into a batch. The
// field is outside the CRC.
func SetBaseOffset(b []byte, offset int64) error {
	if len(b) < HeaderSize {
		return corruptf("%d bytes is too short for a batch header", len(b))
	}
	binary.BigEndian.PutUint64(b[posBaseOffset:], uint64(offset))
	return nil
}

// SetPartitionLeaderEpoch stamps the leader epoch under which the batch was
// appended. The field is outside the CRC; followers and truncation after a
// leader change use it (KIP-101).
func SetPartitionLeaderEpoch(b []byte, epoch int32) error {
	if len(b) < HeaderSize {
		return corruptf("%d bytes is too short for a batch header", len(b))
	}
	binary.BigEndian.PutUint32(b[posLeaderEpoch:], uint32(epoch))
	return nil
}

// SetMaxTimestamp sets the batch's timestamp type and max timestamp, and
// recomputes the CRC only if that changed the bytes, as Kafka does.
func SetMaxTimestamp(b []byte, tt TimestampType, maxTimestamp int64) error {
	if len(b) < HeaderSize {
		return corruptf("%d bytes is too short for a batch header", len(b))
	}
	if tt != CreateTime && tt != LogAppendTime {
		return fmt.Errorf("unknown timestamp type %d", tt)
	}
	attrs := binary.BigEndian.Uint16(b[posAttributes:])
	newAttrs := attrs &^ attrLogAppendTime
	if tt == LogAppendTime {
		newAttrs |= attrLogAppendTime
	}
	if newAttrs == attrs && int64(binary.BigEndian.Uint64(b[posMaxTimestamp:])) == maxTimestamp {
		return nil
	}
	binary.BigEndian.PutUint16(b[posAttributes:], newAttrs)
	binary.BigEndian.PutUint64(b[posMaxTimestamp:], uint64(maxTimestamp))
	binary.BigEndian.PutUint32(b[posCRC:], crc32.Checksum(b[posAttributes:], castagnoli))
	return nil
}
