package record

import (
	"encoding/binary"
	"errors"
	"testing"
)

// Regression tests for bugs FuzzRecords found.

// A batch whose length field is smaller than the v2 header made Records
// slice past the bytes it had ("slice bounds out of range [61:60]").
func TestRecordsRejectsBatchLengthShorterThanHeader(t *testing.T) {
	b, _ := Build(BatchOptions{}, []Record{{Value: []byte("v")}})
	binary.BigEndian.PutUint32(b[posLength:], HeaderSize-LogOverhead-1)
	if _, err := Records(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Records of a batch shorter than its header: %v, want ErrCorrupt", err)
	}
}

// A snappy block starts with the length it decompresses to, and the
// decoder allocates that much before reading on: a 6-byte block claiming
// 100 MB made the broker allocate 100 MB.
func TestSnappyBlockClaimingHugeLengthIsRefusedWithoutAllocating(t *testing.T) {
	block := binary.AppendUvarint(nil, 100<<20)
	block = append(block, 0, 'x')
	before := allocated()
	_, err := Decompress(Snappy, block)
	used := allocated() - before
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decompress: %v, want ErrCorrupt", err)
	}
	if used > 1<<20 {
		t.Fatalf("refusing a %d-byte block allocated %d bytes", len(block), used)
	}
}

// A zstd frame header may carry the content size, which the decoder
// allocates at once: a 16-byte frame claiming 200 MB made the broker
// allocate 200 MB.
func TestZstdFrameClaimingHugeContentIsRefusedWithoutAllocating(t *testing.T) {
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xe0} // magic; single segment, 8-byte content size
	frame = binary.LittleEndian.AppendUint64(frame, 200<<20)
	frame = append(frame, 0x01, 0x00, 0x00) // last block: raw, empty
	before := allocated()
	_, err := Decompress(Zstd, frame)
	used := allocated() - before
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decompress: %v, want ErrCorrupt", err)
	}
	if used > 1<<20 {
		t.Fatalf("refusing a %d-byte frame allocated %d bytes", len(frame), used)
	}
}
