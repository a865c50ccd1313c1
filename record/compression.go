package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Compression is the codec of a batch's records (attribute bits 0-2), as
// chosen by the producer's compression.type.
type Compression int8

// The codecs Kafka defines.
const (
	None   Compression = 0
	Gzip   Compression = 1
	Snappy Compression = 2
	LZ4    Compression = 3
	Zstd   Compression = 4
)

func (c Compression) String() string {
	switch c {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case Snappy:
		return "snappy"
	case LZ4:
		return "lz4"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("unknown(%d)", int8(c))
}

// ParseCompression maps a compression.type value to a codec.
func ParseCompression(name string) (Compression, bool) {
	for c := None; c <= Zstd; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// ErrUnsupportedCompression is returned for codec ids Kafka does not
// define; Kafka answers them with UNSUPPORTED_COMPRESSION_TYPE.
var ErrUnsupportedCompression = errors.New("unsupported compression codec")

// maxDecompressed bounds how far one batch may inflate, so that a small
// malicious batch cannot exhaust memory. It is well above any batch a
// broker accepts with message.max.bytes at its largest sensible values.
const maxDecompressed = 256 << 20

// Decompress returns the uncompressed records section of a batch.
func Decompress(c Compression, data []byte) ([]byte, error) {
	switch c {
	case None:
		return data, nil
	case Gzip:
		r, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, corruptf("gzip: %v", err)
		}
		return readBounded(r, "gzip")
	case Snappy:
		return decompressSnappy(data)
	case LZ4:
		r := lz4.NewReader(bytes.NewReader(data))
		return readBounded(r, "lz4")
	case Zstd:
		if err := checkZstdFrameSize(data); err != nil {
			return nil, err
		}
		d := zstdDecoders.Get().(*zstd.Decoder)
		defer zstdDecoders.Put(d)
		out, err := d.DecodeAll(data, nil)
		if err != nil {
			return nil, corruptf("zstd: %v", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %d", ErrUnsupportedCompression, int8(c))
}

// zstdMaxExpansion bounds how many bytes one compressed byte of a zstd
// frame can stand for: a 4-byte RLE block makes 128 KiB.
const zstdMaxExpansion = 1 << 15

// checkZstdFrameSize refuses a frame whose header claims more content
// than the frame could hold. The decoder allocates the claimed size
// before it decodes anything, so a 20-byte frame could otherwise make the
// broker allocate hundreds of megabytes.
func checkZstdFrameSize(data []byte) error {
	var h zstd.Header
	if err := h.Decode(data); err != nil {
		return corruptf("zstd: %v", err)
	}
	if h.HasFCS && h.FrameContentSize > uint64(zstdMaxExpansion*len(data)) {
		return corruptf("zstd: a %d-byte frame cannot hold the %d bytes its header claims", len(data), h.FrameContentSize)
	}
	return nil
}

func readBounded(r io.Reader, codec string) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, maxDecompressed+1))
	if err != nil {
		return nil, corruptf("%s: %v", codec, err)
	}
	if len(out) > maxDecompressed {
		return nil, corruptf("%s: records inflate beyond %d bytes", codec, maxDecompressed)
	}
	return out, nil
}

// xerialHeader starts snappy data framed the way the Java client writes
// it (the xerial snappy-java stream format): a magic, two version ints,
// then blocks each prefixed by a 4-byte length. Other clients send one
// raw snappy block; both are accepted.
var xerialHeader = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

func decompressSnappy(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, xerialHeader) {
		return decodeSnappyBlock(nil, data)
	}
	if len(data) < 16 {
		return nil, corruptf("snappy: truncated xerial header")
	}
	var out []byte
	for rest := data[16:]; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, corruptf("snappy: truncated xerial block length")
		}
		n := int(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		if n < 0 || n > len(rest) {
			return nil, corruptf("snappy: xerial block of %d bytes overruns the data", n)
		}
		var err error
		if out, err = decodeSnappyBlock(out, rest[:n]); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	return out, nil
}

// snappyMaxExpansion bounds how many bytes one compressed byte of a
// snappy block can stand for (64/3, rounded up).
const snappyMaxExpansion = 22

func decodeSnappyBlock(dst, block []byte) ([]byte, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, corruptf("snappy: %v", err)
	}
	if len(dst)+n > maxDecompressed {
		return nil, corruptf("snappy: records inflate beyond %d bytes", maxDecompressed)
	}
	// The decoder allocates the length the block claims before looking
	// at the rest, so check the claim first: snappy's best case is a
	// 3-byte copy of 64 bytes.
	if n > snappyMaxExpansion*len(block) {
		return nil, corruptf("snappy: a %d-byte block cannot hold %d bytes", len(block), n)
	}
	out, err := s2.Decode(nil, block)
	if err != nil {
		return nil, corruptf("snappy: %v", err)
	}
	return append(dst, out...), nil
}

// Compress compresses a records section with the given codec, producing
// what the Java client would write (xerial framing is not used for snappy;
// every client and broker reads raw blocks).
func Compress(c Compression, data []byte) ([]byte, error) {
	switch c {
	case None:
		return data, nil
	case Gzip:
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case Snappy:
		return s2.EncodeSnappy(nil, data), nil
	case LZ4:
		var buf bytes.Buffer
		w := lz4.NewWriter(&buf)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case Zstd:
		e := zstdEncoders.Get().(*zstd.Encoder)
		defer zstdEncoders.Put(e)
		return e.EncodeAll(data, nil), nil
	}
	return nil, fmt.Errorf("%w: %d", ErrUnsupportedCompression, int8(c))
}

var (
	zstdDecoders = sync.Pool{New: func() any {
		d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDecompressed))
		return d
	}}
	zstdEncoders = sync.Pool{New: func() any {
		e, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		return e
	}}
)
