package examples

// Scenario 11 (in part): compression.
//
// A producer compresses a whole record batch (compression.type = none,
// gzip, snappy, lz4 or zstd) and names the codec in the batch's attributes.
// With the topic's compression.type=producer (the default) the broker
// keeps the batch exactly as it came: it checks the CRC and decompresses
// only to validate the records, then writes the producer's bytes to the
// log and serves them to consumers, who decompress. So the codec chosen
// by the producer is what sits on disk, as a hex dump of the .log file
// would show. A topic with another compression.type makes the broker
// recompress instead.
//
// The throughput and latency trade-offs of scenario 11 (linger.ms,
// batch.size, codecs) are measured by benchmarks, not here.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/internal/wiretap"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kgo"
)

// codecs are the producer's codecs. Where a codec has levels the
// producer uses one other than the broker's default, so that a batch the
// broker rebuilt, rather than stored as sent, would not come out byte for
// byte the same (for none and snappy, which have no levels, it would).
var codecs = []struct {
	name   string
	codec  kgo.CompressionCodec
	stored record.Compression
}{
	{"none", kgo.NoCompression(), record.None},
	{"gzip", kgo.GzipCompression().WithLevel(1), record.Gzip}, // BestSpeed; the broker's default is 6
	{"snappy", kgo.SnappyCompression(), record.Snappy},
	{"lz4", kgo.Lz4Compression().WithLevel(1 << 16), record.LZ4}, // pierrec/lz4's Level9; the broker's default is Fast
	{"zstd", kgo.ZstdCompression().WithLevel(4), record.Zstd},    // SpeedBestCompression; the broker's default is SpeedDefault
}

// compressible makes a value that shrinks under any codec: franz-go sends
// a batch uncompressed when compressing would not make it smaller.
func compressible(codec string, i int) []byte {
	return fmt.Appendf(nil, "%d %s", i, strings.Repeat(codec+" squeezes repeated text. ", 40))
}

func TestScenario11_EveryCodecRoundTripsAndIsStoredAsSent(t *testing.T) {
	dataDir := t.TempDir()
	c := startCluster(t, broker.DataDir(dataDir))
	topic := c.createTopic("compressed", 1, 1, nil)

	for _, cc := range codecs {
		t.Run(cc.name, func(t *testing.T) {
			c := c.in(t)
			tap := wiretap.New(nil) // keeps the batches the producer sends
			producer := c.client(kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(cc.codec), kgo.Dialer(tap.DialContext))
			var sent []*kgo.Record
			for i := range 5 {
				sent = append(sent, &kgo.Record{Value: compressible(cc.name, i)})
			}
			if err := producer.ProduceSync(c.ctx, sent...).FirstErr(); err != nil {
				t.Fatalf("producing with %s: %v", cc.name, err)
			}
			first, last := sent[0].Offset, sent[len(sent)-1].Offset

			consumer := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().At(first)}}))
			got := c.consume(consumer, len(sent))
			if !slices.Equal(values(got), values(sent)) {
				t.Fatalf("%s round trip changed the records:\nsent     %.60q\nconsumed %.60q", cc.name, values(sent), values(got))
			}

			g := c.needGregor("reading the stored batches")
			sentBatches := producedBatches(t, tap, topic, 0)
			n := 0
			for _, b := range storedBatches(t, g, dataDir, topic, 0) {
				h := b.header
				if h.BaseOffset < first || h.BaseOffset > last {
					continue
				}
				n++
				if h.Compression() != cc.stored {
					t.Fatalf("the batch at offset %d is stored with %v; the producer sent %v", h.BaseOffset, h.Compression(), cc.stored)
				}
				// The broker sets the base offset and the partition
				// leader epoch, which the CRC does not cover; from the
				// magic byte on, through the CRC and the compressed
				// records, the bytes are the producer's.
				if !slices.ContainsFunc(sentBatches, func(sent []byte) bool { return bytes.Equal(sent[magicOffset:], b.bytes[magicOffset:]) }) {
					t.Fatalf("the %v batch at offset %d (CRC %08x) is not one the producer sent: the broker rebuilt it", h.Compression(), h.BaseOffset, h.CRC)
				}
			}
			if n == 0 {
				t.Fatalf("no stored batch holds offsets %d..%d", first, last)
			}
		})
	}
}

// With compression.type=zstd on the topic the broker recompresses what an
// uncompressed producer sends.
func TestScenario11_TopicCompressionTypeRecompresses(t *testing.T) {
	dataDir := t.TempDir()
	c := startCluster(t, broker.DataDir(dataDir))
	zstd := "zstd"
	topic := c.createTopic("recompressed", 1, 1, map[string]*string{"compression.type": &zstd})

	producer := c.client(kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(kgo.NoCompression()))
	r := c.produce(producer, &kgo.Record{Value: compressible("none", 0)})[0]
	got := c.consume(c.consumerFromStart(topic), 1)[0]
	if string(got.Value) != string(r.Value) {
		t.Fatalf("consumed %.40q, sent %.40q", got.Value, r.Value)
	}

	g := c.needGregor("reading the stored batches")
	batches := storedBatches(t, g, dataDir, topic, 0)
	if len(batches) != 1 || batches[0].header.Compression() != record.Zstd {
		t.Fatalf("stored batches %+v; want one zstd batch", batches)
	}
}

// magicOffset is where a v2 record batch's magic byte sits, after the
// base offset (8 bytes), the batch length (4) and the partition leader
// epoch (4). The CRC follows it and covers everything after itself.
const magicOffset = 16

// producedBatches returns the record batches the tapped producer sent to
// a partition, as they were on the wire.
func producedBatches(t *testing.T, tap *wiretap.Tap, topic string, partition int32) [][]byte {
	t.Helper()
	var out [][]byte
	for _, req := range tap.Produces() {
		for _, rt := range req.Topics {
			if rt.Topic != topic {
				continue
			}
			for _, rp := range rt.Partitions {
				if rp.Partition == partition && len(rp.Records) > magicOffset {
					out = append(out, rp.Records)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("the producer sent no batch to %s-%d", topic, partition)
	}
	return out
}

// storedBatch is one batch of a segment file: its bytes and header.
type storedBatch struct {
	bytes  []byte
	header record.Header
}

// storedBatches reads every batch in the leader's log files, the way
// kafka-dump-log.sh walks a .log file: Cluster.Partition names the
// segments, and each segment is a file
// <data dir>/broker-<id>/<topic>-<partition>/<base offset>.log.
func storedBatches(t *testing.T, g *broker.Cluster, dataDir, topic string, partition int32) []storedBatch {
	t.Helper()
	p, err := g.Partition(topic, partition)
	if err != nil {
		t.Fatal(err)
	}
	leader, ok := p.LeaderReplica()
	if !ok {
		t.Fatalf("%s-%d has no running leader", topic, partition)
	}
	dir := filepath.Join(dataDir, fmt.Sprintf("broker-%d", p.Leader), fmt.Sprintf("%s-%d", topic, partition))
	var out []storedBatch
	for _, s := range leader.Segments {
		data, err := os.ReadFile(filepath.Join(dir, segment.FileName(s.BaseOffset, segment.LogSuffix)))
		if err != nil {
			t.Fatalf("reading segment %d: %v", s.BaseOffset, err)
		}
		batches, whole, err := record.SplitBatches(data)
		if err != nil || whole != len(data) {
			t.Fatalf("segment %d: %d of %d bytes are whole batches: %v", s.BaseOffset, whole, len(data), err)
		}
		for _, b := range batches {
			h, err := record.Check(b) // the CRC matches the bytes
			if err != nil {
				t.Fatalf("segment %d: %v", s.BaseOffset, err)
			}
			out = append(out, storedBatch{b, h})
		}
	}
	return out
}
