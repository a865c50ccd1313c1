package broker_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// producerBatchOf encodes n records the way a producer may legally write
// them but gregor's own encoder (record.Build) never does: the batch's
// base timestamp lies 5 ms before its first record, so every timestamp
// delta starts at 5. A batch that the broker rebuilt would come back with
// the base timestamp and the deltas renumbered, so these bytes tell a
// stored batch from a rebuilt one for every codec, none included.
func producerBatchOf(t *testing.T, c record.Compression, n int, firstTs int64) []byte {
	return producerBatchWithDeltas(t, c, n, firstTs, 1)
}

// producerBatchWithDeltas is producerBatchOf with the records' offset
// deltas step apart (0, step, 2*step...), as some old clients wrote them.
func producerBatchWithDeltas(t *testing.T, c record.Compression, n int, firstTs int64, step int) []byte {
	t.Helper()
	var body []byte
	for i := range n {
		var rec []byte
		rec = append(rec, 0) // attributes
		rec = binary.AppendVarint(rec, int64(5+i))
		rec = binary.AppendVarint(rec, int64(i*step))
		rec = binary.AppendVarint(rec, -1) // null key
		value := bytes.Repeat([]byte{'a' + byte(i%26)}, 100)
		rec = binary.AppendVarint(rec, int64(len(value)))
		rec = append(rec, value...)
		rec = binary.AppendVarint(rec, 0) // no headers
		body = binary.AppendVarint(body, int64(len(rec)))
		body = append(body, rec...)
	}
	compressed, err := record.Compress(c, body)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, record.HeaderSize, record.HeaderSize+len(compressed))
	b = append(b, compressed...)
	be := binary.BigEndian
	be.PutUint32(b[8:], uint32(len(b)-record.LogOverhead))
	be.PutUint32(b[12:], 0xffffffff) // partition leader epoch: the broker's to set
	b[16] = record.Magic
	be.PutUint16(b[21:], uint16(c))
	be.PutUint32(b[23:], uint32(n-1))
	base := firstTs - 5
	be.PutUint64(b[27:], uint64(base))
	be.PutUint64(b[35:], uint64(base+5+int64(n-1))) // the largest record timestamp
	be.PutUint64(b[43:], 0xffffffffffffffff)        // no producer id
	be.PutUint16(b[51:], 0xffff)
	be.PutUint32(b[53:], 0xffffffff)
	be.PutUint32(b[57:], uint32(n))
	be.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// withoutAssignedFields blanks what the leader assigns to a batch it
// stores as sent: the base offset, the partition leader epoch, and the
// CRC, which covers the max timestamp Kafka may rewrite.
func withoutAssignedFields(b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) < record.HeaderSize {
		return b
	}
	clear(b[0:8])
	clear(b[12:16])
	clear(b[17:21])
	return b
}

// A batch is stored as the producer sent it, still compressed with the
// producer's codec, as Kafka's LogValidator stores it when it can assign
// offsets in place: a consumer fetches the producer's bytes, with only
// the base offset and the partition leader epoch stamped in. Each batch
// here goes to a topic with the default compression.type=producer.
// Reference: LogValidator.validateMessagesAndAssignOffsetsCompressed
// (inPlaceAssignment) and assignOffsetsNonCompressed.
func TestProduceStoresBatchAsSentForEveryCodec(t *testing.T) {
	c := startAPICluster(t, broker.Topic("as-sent", 1, 1, nil))
	cl := apiClient(t, c)
	consumer := pinnedClient(t, c, fetchKey, 12) // by topic name
	for _, codec := range []record.Compression{record.None, record.Gzip, record.Snappy, record.LZ4, record.Zstd} {
		t.Run(codec.String(), func(t *testing.T) {
			sent := producerBatchOf(t, codec, 20, nowMs())
			resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{"as-sent", 0, bytes.Clone(sent)}))
			rp := producePartition(t, resp, "as-sent", 0)
			wantCode(t, "produce", rp.ErrorCode, nil)

			fresp := sendTo[*kmsg.FetchResponse](t, consumer, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "as-sent", offset: rp.BaseOffset, maxBytes: 1 << 20}))
			fp := fetched(t, fresp)[0]
			wantCode(t, "fetch", fp.ErrorCode, nil)
			batches, _, err := record.SplitBatches(fp.RecordBatches)
			if err != nil || len(batches) == 0 {
				t.Fatalf("fetched %d bytes holding no batch (%v)", len(fp.RecordBatches), err)
			}
			stored := batches[0]
			h, err := record.ReadHeader(stored)
			if err != nil {
				t.Fatal(err)
			}
			if h.BaseOffset != rp.BaseOffset || h.PartitionLeaderEpoch != 0 || h.Compression() != codec {
				t.Fatalf("stored batch at offset %d, leader epoch %d, codec %s; want %d, 0, %s",
					h.BaseOffset, h.PartitionLeaderEpoch, h.Compression(), rp.BaseOffset, codec)
			}
			if !bytes.Equal(withoutAssignedFields(stored), withoutAssignedFields(sent)) {
				t.Fatalf("the stored batch is not the producer's (rebuilt?); headers:\nsent   %x\nstored %x", sent[:record.HeaderSize], stored[:min(len(stored), record.HeaderSize)])
			}
			if _, err := record.Check(stored); err != nil {
				t.Fatalf("stored batch: %v", err)
			}
		})
	}
}

// A record batch whose length field says fewer bytes than any batch can
// have is CORRUPT_MESSAGE, as Kafka's batch iterator reports it ("record
// size is less than the minimum record overhead"). The request check
// used to drop that error and answer INVALID_RECORD, as if the data held
// no batch at all.
func TestProduceBatchLengthBelowMinimumIsCorruptMessage(t *testing.T) {
	c := startAPICluster(t, broker.Topic("short", 1, 1, nil))
	cl := apiClient(t, c)
	records := make([]byte, 30) // base offset 0, batch length 0
	resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{"short", 0, records}))
	rp := producePartition(t, resp, "short", 0)
	wantCode(t, "batch length 0", rp.ErrorCode, kerr.CorruptMessage)
	if p, _ := c.Partition("short", 0); p.Replica[1].LogEndOffset != 0 {
		t.Fatalf("log end offset %d after a refused batch", p.Replica[1].LogEndOffset)
	}
}

// Inner offset deltas that are not 0, 1, 2... (old clients) make Kafka
// rebuild a compressed batch with consecutive ones, but an uncompressed
// batch is stored as it is: only the compressed path of LogValidator
// compares them (validateMessagesAndAssignOffsetsCompressed).
func TestProduceOffsetDeltaGapsRebuildOnlyCompressedBatches(t *testing.T) {
	c := startAPICluster(t, broker.Topic("gaps", 1, 1, nil))
	cl := apiClient(t, c)
	consumer := pinnedClient(t, c, fetchKey, 12)
	for _, codec := range []record.Compression{record.None, record.Gzip} {
		t.Run(codec.String(), func(t *testing.T) {
			sent := producerBatchWithDeltas(t, codec, 3, nowMs(), 2)
			resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{"gaps", 0, bytes.Clone(sent)}))
			rp := producePartition(t, resp, "gaps", 0)
			wantCode(t, "produce", rp.ErrorCode, nil)
			fresp := sendTo[*kmsg.FetchResponse](t, consumer, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "gaps", offset: rp.BaseOffset, maxBytes: 1 << 20}))
			batches, _, _ := record.SplitBatches(fetched(t, fresp)[0].RecordBatches)
			if len(batches) == 0 {
				t.Fatal("nothing fetched")
			}
			recs, err := record.Records(batches[0])
			if err != nil {
				t.Fatal(err)
			}
			var deltas []int32
			for _, r := range recs {
				deltas = append(deltas, r.OffsetDelta)
			}
			asSent := bytes.Equal(withoutAssignedFields(batches[0]), withoutAssignedFields(sent))
			want, wantAsSent := "[0 1 2]", false
			if codec == record.None {
				want, wantAsSent = "[0 2 4]", true
			}
			if fmt.Sprint(deltas) != want || asSent != wantAsSent {
				t.Fatalf("stored offset deltas %v, stored as sent %v; want %s, %v", deltas, asSent, want, wantAsSent)
			}
		})
	}
}

// zstd needs Produce v7 (KIP-110): Kafka's ProduceRequest.validateRecords
// refuses a zstd batch in an older request with
// UNSUPPORTED_COMPRESSION_TYPE, and takes the same batch at v7.
func TestProduceZstdBeforeV7IsUnsupportedCompressionType(t *testing.T) {
	c := startAPICluster(t, broker.Topic("zstd", 1, 1, nil))
	for _, tc := range []struct {
		version int16
		want    *kerr.Error
	}{{3, kerr.UnsupportedCompressionType}, {6, kerr.UnsupportedCompressionType}, {7, nil}, {11, nil}} {
		cl := pinnedClient(t, c, produceKey, tc.version)
		batch := producerBatchOf(t, record.Zstd, 3, nowMs())
		resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{"zstd", 0, batch}))
		wantCode(t, fmt.Sprintf("zstd at Produce v%d", tc.version), producePartition(t, resp, "zstd", 0).ErrorCode, tc.want)
	}
	if p, _ := c.Partition("zstd", 0); p.Replica[1].LogEndOffset != 6 {
		t.Fatalf("log end offset %d, want 6: only the v7 and v11 batches", p.Replica[1].LogEndOffset)
	}
}

// A batch whose bytes still decode but no longer match their CRC-32C is
// CORRUPT_MESSAGE: the leader checks the CRC, not only the encoding
// (Kafka's DefaultRecordBatch.ensureValid).
func TestProduceCRCMismatchIsCorruptMessage(t *testing.T) {
	c := startAPICluster(t, broker.Topic("crc", 1, 1, nil))
	cl := apiClient(t, c)
	for _, codec := range []record.Compression{record.None, record.Zstd} {
		batch := producerBatchOf(t, codec, 3, nowMs())
		batch[35] ^= 0x01 // the max timestamp: covered by the CRC, decoded by nobody
		resp := sendTo[*kmsg.ProduceResponse](t, cl, 1, produceReq(1, producePart{"crc", 0, batch}))
		wantCode(t, codec.String()+" batch with a flipped bit", producePartition(t, resp, "crc", 0).ErrorCode, kerr.CorruptMessage)
	}
	if p, _ := c.Partition("crc", 0); p.Replica[1].LogEndOffset != 0 {
		t.Fatalf("log end offset %d after corrupt batches", p.Replica[1].LogEndOffset)
	}
}
