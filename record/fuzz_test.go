package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"testing"
)

// FuzzRecords feeds arbitrary bytes to everything that reads batches
// from producers or from disk (SplitBatches, ReadHeader, Check, Records,
// Decompress) and checks that none panics, that their answers agree with
// each other, and that memory stays bounded: a few hostile bytes (a huge
// record count, a header count, a compressed size claimed by a codec's
// header) must not make the broker allocate more than the data it really
// holds.
//
//	go test -run='^$' -fuzz=FuzzRecords -fuzztime=1m ./record
func FuzzRecords(f *testing.F) {
	for _, seed := range recordSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSplit(t, b)
		h, herr := ReadHeader(b)
		ch, cerr := Check(b)
		if cerr == nil {
			if herr != nil || ch != h {
				t.Fatalf("Check accepted a batch ReadHeader refused (%v)", herr)
			}
			if h.Size() != len(b) {
				t.Fatalf("Check accepted a batch of %d bytes whose length says %d", len(b), h.Size())
			}
		}
		output := 0
		if herr == nil && h.Size() <= len(b) && h.Size() >= HeaderSize {
			if out, err := Decompress(h.Compression(), b[HeaderSize:h.Size()]); err == nil {
				output = len(out)
			}
		}
		before := allocated()
		recs, err := Records(b)
		used := allocated() - before
		// Decoding may copy the input a few times and grow the
		// decompressed buffer by doubling, and a codec has fixed working
		// buffers (lz4 reads blocks of up to 4 MiB, twice). A zstd frame
		// may announce its size, which the decoder allocates at once; it
		// is believed only up to what the frame could hold. Nothing else
		// may grow with a size the batch merely claims.
		limit := 64*uint64(len(b)) + 4*uint64(output) + 16<<20
		if herr == nil && h.Compression() == Zstd {
			limit += zstdMaxExpansion * uint64(len(b))
		}
		if used > limit {
			t.Fatalf("Records allocated %d bytes for a %d-byte batch (%d bytes decompressed), above %d", used, len(b), output, limit)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedMagic) && !errors.Is(err, ErrUnsupportedCompression) {
				t.Fatalf("Records failed with an error of no known kind: %v", err)
			}
			return
		}
		if int32(len(recs)) != h.NumRecords {
			t.Fatalf("Records returned %d records, the header says %d", len(recs), h.NumRecords)
		}
		for _, r := range recs {
			if r.Offset != h.BaseOffset+int64(r.OffsetDelta) {
				t.Fatalf("record offset %d is not base %d + delta %d", r.Offset, h.BaseOffset, r.OffsetDelta)
			}
		}
	})
}

// checkSplit checks that SplitBatches cuts b into consecutive pieces that
// each carry their own length, and reports the rest as incomplete.
func checkSplit(t *testing.T, b []byte) {
	batches, whole, err := SplitBatches(b)
	if whole < 0 || whole > len(b) {
		t.Fatalf("SplitBatches reports %d whole bytes of %d", whole, len(b))
	}
	pos := 0
	for i, batch := range batches {
		if !bytes.Equal(batch, b[pos:pos+len(batch)]) {
			t.Fatalf("batch %d is not the bytes at %d", i, pos)
		}
		if n := LogOverhead + int(int32(binary.BigEndian.Uint32(batch[posLength:]))); n != len(batch) {
			t.Fatalf("batch %d has %d bytes, its length field says %d", i, len(batch), n)
		}
		pos += len(batch)
	}
	if pos != whole {
		t.Fatalf("batches cover %d bytes, SplitBatches says %d", pos, whole)
	}
	if err != nil && !errors.Is(err, ErrCorrupt) {
		t.Fatalf("SplitBatches error of no known kind: %v", err)
	}
}

func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// recordSeeds are Kafka's own batches (the textbook's segment files), a
// batch per codec, and batches broken in the ways that matter.
func recordSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"testdata/kafka-3.x-partition0.log", "testdata/kafka-3.x-partition1.log"} {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		batches, _, _ := SplitBatches(raw)
		seeds = append(seeds, batches...)
		seeds = append(seeds, raw)
	}
	recs := []Record{
		{Timestamp: 1000, Key: []byte("k"), Value: []byte("v"), Headers: []RecordHeader{{Key: "h", Value: []byte("x")}}},
		{Timestamp: 1001, Value: bytes.Repeat([]byte("compressible "), 40)},
		{Timestamp: 999},
	}
	for c := None; c <= Zstd; c++ {
		b, err := Build(BatchOptions{Compression: c, BaseOffset: 7}, recs)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
		count := bytes.Clone(b)
		binary.BigEndian.PutUint32(count[posRecordCount:], 0x7fffffff)
		seeds = append(seeds, count, b[:len(b)-1], append(bytes.Clone(b), b...))
	}
	return seeds
}
