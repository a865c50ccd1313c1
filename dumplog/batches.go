package dumplog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/gregorkafka/gregor/record"
)

// batch is one batch of a .log file as Kafka's file reader sees it: the
// header fields, whether its CRC holds, and its bytes.
type batch struct {
	h        record.Header
	position int64
	bytes    []byte
	valid    bool
}

// The sizes Kafka's FileLogInputStream reads with: the header up to the
// magic byte, and the smallest length a batch may claim (a v0 message's
// overhead).
const (
	headerUpToMagic = record.LogOverhead + 5
	minBatchLength  = 14
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batches walks b, the first bytes of a .log file, as Kafka's file reader
// does: it stops at a batch that does not fit in b (a torn tail, or one cut
// by --max-bytes) and returns how many bytes were whole; a length too small
// for any batch, or a magic gregor cannot decode, is an error naming the
// position.
func batches(b []byte, fn func(bt batch) error) (whole int64, err error) {
	pos := 0
	for len(b)-pos > headerUpToMagic {
		length := int32(binary.BigEndian.Uint32(b[pos+8:]))
		if length < minBatchLength {
			return int64(pos), fmt.Errorf("found record size %d smaller than minimum record overhead (%d) at position %d", length, minBatchLength, pos)
		}
		size := record.LogOverhead + int(length)
		if size > len(b)-pos {
			break
		}
		if magic := int8(b[pos+16]); magic != record.Magic {
			return int64(pos), fmt.Errorf("the batch at position %d has magic %d; only magic 2 (Kafka 0.11 and later) is read", pos, magic)
		}
		if size < record.HeaderSize {
			return int64(pos), fmt.Errorf("the batch at position %d is %d bytes, shorter than a batch header (%d)", pos, size, record.HeaderSize)
		}
		raw := b[pos : pos+size]
		h, err := record.ReadHeader(raw)
		if err != nil {
			return int64(pos), fmt.Errorf("the batch at position %d: %v", pos, err)
		}
		bt := batch{h: h, position: int64(pos), bytes: raw, valid: crc32.Checksum(raw[21:], castagnoli) == h.CRC}
		if err := fn(bt); err != nil {
			return int64(pos), err
		}
		pos += size
	}
	return int64(pos), nil
}

// lastSequence is the sequence of the batch's last record, wrapping past
// 2^31-1 to 0 as producers' sequences do.
func (bt batch) lastSequence() int32 {
	if bt.h.BaseSequence == -1 {
		return -1
	}
	return incrementSequence(bt.h.BaseSequence, bt.h.LastOffsetDelta)
}

func incrementSequence(seq, inc int32) int32 {
	if seq > math.MaxInt32-inc {
		return inc - (math.MaxInt32 - seq) - 1
	}
	return seq + inc
}

func decrementSequence(seq, dec int32) int32 {
	if seq < dec {
		return math.MaxInt32 - (dec - seq) + 1
	}
	return seq - dec
}

// deleteHorizon prints KIP-534's delete horizon as Java prints an
// OptionalLong: set only on batches the log cleaner rewrote while they
// held tombstones, and then it is the batch's base timestamp.
func (bt batch) deleteHorizon() string {
	if bt.h.Attributes&0x40 == 0 {
		return "OptionalLong.empty"
	}
	return fmt.Sprintf("OptionalLong[%d]", bt.h.BaseTimestamp)
}

// records decodes the batch's records; a batch whose records are damaged
// is an error naming its position.
func (bt batch) records() ([]record.Record, error) {
	rs, err := record.Records(bt.bytes)
	if err != nil {
		return nil, fmt.Errorf("the records of the batch at position %d (offsets %d to %d) cannot be read: %v", bt.position, bt.h.BaseOffset, bt.h.LastOffset(), err)
	}
	return rs, nil
}
