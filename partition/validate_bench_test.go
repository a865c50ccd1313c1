package partition

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

const nowMs = 1_700_000_000_000

// producerBatch builds what a non-idempotent producer sends: n records
// with the given key and a value of size bytes, timestamps from ts up.
func producerBatch(t testing.TB, n, size int, key []byte, ts int64) []byte {
	t.Helper()
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = record.Record{Timestamp: ts + int64(i), Key: key, Value: bytes.Repeat([]byte{'v'}, size)}
	}
	b, err := record.Build(record.BatchOptions{}, recs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validateBytes parses records as a Produce request's partition data and
// validates the batch.
func validateBytes(records []byte, cfg Config, nowMs int64) (validated, error) {
	b, err := ParseProduceRecords(records)
	if err != nil {
		return validated{}, err
	}
	return validate(b, cfg, nowMs)
}

// fixCRC recomputes a batch's CRC-32C after a test edited covered bytes.
func fixCRC(b []byte) {
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
}

// A well-formed batch is accepted as the producer wrote it, in the
// request's own buffer (stamped later, as Kafka does), with the largest
// record timestamp found by reading the records.
func TestValidateKeepsProducerBytes(t *testing.T) {
	in := producerBatch(t, 5, 10, nil, nowMs-100)
	orig := bytes.Clone(in)
	v, err := validateBytes(in, DefaultConfig(), nowMs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.batch, orig) {
		t.Fatal("validated batch differs from the producer's bytes")
	}
	if &v.batch[0] != &in[0] {
		t.Fatal("validated batch was copied out of the request's buffer")
	}
	if v.numRecords != 5 || v.maxTimestamp != nowMs-96 {
		t.Fatalf("numRecords %d, maxTimestamp %d; want 5, %d", v.numRecords, v.maxTimestamp, nowMs-96)
	}
}

// A compressed batch whose inner offset deltas are not 0, 1, 2... is
// rewritten with consecutive ones, as Kafka does for old clients, not
// refused; an uncompressed one is kept as it is, as Kafka keeps it
// (LogValidator.assignOffsetsNonCompressed never looks at the deltas).
func TestValidateRenumbersOffsetDeltasOfCompressedBatches(t *testing.T) {
	for _, c := range []record.Compression{record.None, record.Gzip} {
		t.Run(c.String(), func(t *testing.T) {
			in := batchWithOffsetDelta(t, c, 5)
			orig := bytes.Clone(in)
			v, err := validateBytes(in, DefaultConfig(), nowMs)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := record.Records(v.batch)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || string(recs[0].Value) != "vvv" {
				t.Fatalf("validated records %+v", recs)
			}
			wantDelta, wantSame := int32(0), false
			if c == record.None {
				wantDelta, wantSame = 5, true
			}
			if recs[0].OffsetDelta != wantDelta || bytes.Equal(v.batch, orig) != wantSame {
				t.Fatalf("%s batch: offset delta %d, kept as sent %v; want %d, %v", c, recs[0].OffsetDelta, bytes.Equal(v.batch, orig), wantDelta, wantSame)
			}
		})
	}
}

// batchWithOffsetDelta is a one-record batch compressed with c whose
// record says offset delta delta, as a faulty old client writes it.
func batchWithOffsetDelta(t *testing.T, c record.Compression, delta byte) []byte {
	t.Helper()
	plain := producerBatch(t, 1, 3, nil, nowMs)
	// Record layout: length, attributes, timestamp delta (0), offset
	// delta (a one-byte zigzag varint).
	plain[record.HeaderSize+3] = 2 * delta
	body, err := record.Compress(c, plain[record.HeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	b := append(bytes.Clone(plain[:record.HeaderSize]), body...)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-record.LogOverhead))
	binary.BigEndian.PutUint16(b[21:], binary.BigEndian.Uint16(b[21:])|uint16(c))
	fixCRC(b)
	return b
}

func TestValidateRejects(t *testing.T) {
	compacted := DefaultConfig()
	compacted.Compact = true
	strict := DefaultConfig()
	strict.TimestampBeforeMaxMs = 1000
	for _, tc := range []struct {
		name    string
		batch   func() []byte
		cfg     Config
		code    *kerr.Error
		records []int32 // indexes reported as rejected
	}{
		{"no key on a compacted topic", func() []byte {
			return producerBatch(t, 3, 10, nil, nowMs)
		}, compacted, kerr.InvalidRecord, []int32{0, 1, 2}},
		{"timestamp too old", func() []byte {
			return producerBatch(t, 2, 10, nil, nowMs-5000)
		}, strict, kerr.InvalidTimestamp, []int32{0, 1}},
		{"timestamp too far ahead", func() []byte {
			return producerBatch(t, 1, 10, nil, nowMs+2*3600000)
		}, DefaultConfig(), kerr.InvalidTimestamp, []int32{0}},
		{"CRC mismatch", func() []byte {
			b := producerBatch(t, 2, 10, nil, nowMs)
			b[len(b)-1] ^= 0xff
			return b
		}, DefaultConfig(), kerr.CorruptMessage, nil},
		{"CRC mismatch in a value, which still decodes", func() []byte {
			b := producerBatch(t, 2, 10, nil, nowMs)
			b[len(b)-2] ^= 0x01 // the last value byte, before the header count
			return b
		}, DefaultConfig(), kerr.CorruptMessage, nil},
		{"record longer than the batch", func() []byte {
			b := producerBatch(t, 2, 10, nil, nowMs)
			b[record.HeaderSize] = 100 // length varint: 50 bytes
			fixCRC(b)
			return b
		}, DefaultConfig(), kerr.CorruptMessage, nil},
		{"bytes after the last record", func() []byte {
			b := producerBatch(t, 2, 10, nil, nowMs)
			binary.BigEndian.PutUint32(b[57:], 1) // one record, a whole one left over
			binary.BigEndian.PutUint32(b[23:], 0)
			fixCRC(b)
			return b
		}, DefaultConfig(), kerr.CorruptMessage, nil},
		{"base offset set by the producer", func() []byte {
			b := producerBatch(t, 1, 10, nil, nowMs)
			record.SetBaseOffset(b, 7)
			return b
		}, DefaultConfig(), kerr.InvalidRecord, nil},
		{"two batches", func() []byte {
			b := producerBatch(t, 1, 10, nil, nowMs)
			return append(b, b...)
		}, DefaultConfig(), kerr.InvalidRecord, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validateBytes(tc.batch(), tc.cfg, nowMs)
			if got := kafkaerr.Code(err); got != tc.code.Code {
				t.Fatalf("error %v (code %d), want %s", err, got, tc.code.Message)
			}
			var ve *ValidationError
			errors.As(err, &ve)
			var got []int32
			if ve != nil {
				for _, r := range ve.Records {
					got = append(got, r.Index)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.records) {
				t.Fatalf("rejected records %v, want %v", got, tc.records)
			}
		})
	}
}

// BenchmarkValidate is the broker's check of one producer batch of 1000
// records: CRC, header, every record decoded.
func BenchmarkValidate(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("record=%dB", size), func(b *testing.B) {
			in := producerBatch(b, 1000, size, nil, nowMs)
			cfg := DefaultConfig()
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := validateBytes(in, cfg, nowMs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
