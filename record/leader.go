package record

import (
	"encoding/binary"
	"hash/crc32"
)

// What a partition leader does to a producer's batch whose header it has
// already read: check the CRC, then assign offsets.

// CheckCRC verifies the CRC-32C of b, a whole batch (as SplitBatches cuts
// them) whose header ReadHeader decoded into h. It is Check without
// decoding the header again.
func CheckCRC(b []byte, h Header) error {
	if h.Size() != len(b) || len(b) < HeaderSize {
		return corruptf("batch length %d does not match the %d bytes given", h.Size(), len(b))
	}
	if crc := crc32.Checksum(b[posAttributes:], castagnoli); crc != h.CRC {
		return corruptf("CRC-32C is %08x, the batch says %08x", crc, h.CRC)
	}
	return nil
}

// Assign writes what a partition leader gives a batch as it appends it:
// the base offset, the leader epoch, and the timestamp type with the max
// timestamp (recomputing the CRC only when those two change the bytes, as
// SetMaxTimestamp does). h is the batch's header as read before; Assign
// keeps it in step with the bytes, so the caller need not decode the
// header again.
func Assign(b []byte, h *Header, baseOffset int64, leaderEpoch int32, tt TimestampType, maxTimestamp int64) error {
	if err := SetBaseOffset(b, baseOffset); err != nil {
		return err
	}
	if err := SetPartitionLeaderEpoch(b, leaderEpoch); err != nil {
		return err
	}
	if err := SetMaxTimestamp(b, tt, maxTimestamp); err != nil {
		return err
	}
	h.BaseOffset, h.PartitionLeaderEpoch, h.MaxTimestamp = baseOffset, leaderEpoch, maxTimestamp
	h.Attributes = int16(binary.BigEndian.Uint16(b[posAttributes:]))
	h.CRC = binary.BigEndian.Uint32(b[posCRC:])
	return nil
}
