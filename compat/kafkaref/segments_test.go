package kafkaref

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The same batches, with the same timestamps and producer ids, produced
// to Kafka and to gregor with a data directory: the partition's .log,
// .index and .timeindex files must be the same bytes. Kafka preallocates
// the active segment's indexes to segment.index.bytes and fills them with
// zeros (trimmed when the segment rolls); those trailing zero entries are
// the one thing masked. Then each side's files are read by the other
// side: Kafka's DumpLogSegments prints gregor's files as it prints its
// own, and gregor's segment package opens Kafka's files and finds the
// same batches and the same offsets by timestamp.

func TestSegmentFilesAreKafkasBytes(t *testing.T) {
	k := needKafka(t)
	dataDir := t.TempDir()
	p := newPair(t, broker.DataDir(dataDir))
	t.Run("one segment", func(t *testing.T) {
		compareSegments(t, p, k, dataDir, "segments", map[string]string{"index.interval.bytes": "300"}, segmentBatches(20, 60))
	})
	// 40 batches of about 30 KB in segments of 1 MiB (Kafka 4's least):
	// the roll, and the rolled segment's trimmed indexes.
	t.Run("rolled", func(t *testing.T) {
		compareSegments(t, p, k, dataDir, "segments-rolled", map[string]string{"segment.bytes": "1048576"}, segmentBatches(40, 10000))
	})
}

func compareSegments(t *testing.T, p *pair, k *Kafka, dataDir, topic string, topicConfigs map[string]string, batches [][]byte) {
	ctx := p.ctx
	for _, cl := range []*kgo.Client{p.kafka, p.gregor} {
		produceSegments(t, ctx, cl, topic, topicConfigs, batches)
	}
	kafkaDir := filepath.Join(k.LogDir, topic+"-0")
	gregorDir := filepath.Join(dataDir, "broker-1", topic+"-0")
	kafkaFiles, gregorFiles := segmentFiles(t, kafkaDir), segmentFiles(t, gregorDir)
	if !slices.Equal(kafkaFiles, gregorFiles) {
		t.Fatalf("segment files differ:\nkafka:  %v\ngregor: %v", kafkaFiles, gregorFiles)
	}
	// Only the active (last) segment's indexes are preallocated; a rolled
	// segment's were trimmed to their entries and compare whole.
	active := strings.TrimSuffix(kafkaFiles[len(kafkaFiles)-1], filepath.Ext(kafkaFiles[len(kafkaFiles)-1]))
	for _, name := range kafkaFiles {
		kb, gb := readFile(t, kafkaDir, name), readFile(t, gregorDir, name)
		entry := indexEntrySize(name)
		if entry > 0 && strings.HasPrefix(name, active+".") {
			kb, gb = trimZeroEntries(kb, entry), trimZeroEntries(gb, entry)
		}
		if i := firstDifference(kb, gb); i >= 0 {
			t.Errorf("%s: kafka's %d bytes and gregor's %d differ from byte %d:\nkafka:  % x\ngregor: % x",
				name, len(kb), len(gb), i, window(kb, i), window(gb, i))
		} else {
			t.Logf("%s: %d bytes, the same", name, len(kb))
			note := ""
			if entry > 0 && strings.HasPrefix(name, active+".") {
				note = " (past the trailing zero entries of Kafka's preallocated active index)"
			}
			addSection(sectionSegments, fmt.Sprintf("- `%s/%s`: %d bytes, the same in both%s\n", topic, name, len(kb), note))
		}
	}

	t.Run("kafka reads gregor's files", func(t *testing.T) {
		kafkaDump := dumpLogSegments(t, ctx, k, kafkaDir, kafkaFiles)
		gregorDump := dumpLogSegments(t, ctx, k, gregorDir, gregorFiles)
		if kafkaDump != gregorDump {
			t.Errorf("DumpLogSegments prints gregor's files differently:\n--- kafka's files\n%s\n--- gregor's files\n%s", kafkaDump, gregorDump)
		}
		if strings.Contains(gregorDump, "Exception") || !strings.Contains(gregorDump, "baseOffset: 0") {
			t.Errorf("DumpLogSegments could not read gregor's files:\n%s", gregorDump)
		}
		if !t.Failed() {
			addSection(sectionSegments, "- `"+topic+"`: Kafka's DumpLogSegments (kafka-dump-log.sh --deep-iteration --print-data-log) prints gregor's files exactly as it prints its own\n")
		}
	})
	t.Run("gregor reads kafka's files", func(t *testing.T) {
		kafkaLog := openCopy(t, kafkaDir, kafkaFiles)
		gregorLog := openCopy(t, gregorDir, gregorFiles)
		if kb, gb := allBatches(t, kafkaLog), allBatches(t, gregorLog); !bytes.Equal(kb, gb) {
			t.Errorf("gregor reads %d bytes of batches from kafka's files and %d from its own", len(kb), len(gb))
		}
		for _, ts := range []int64{baseTime - 1, baseTime, baseTime + 5500, baseTime + 7000, baseTime + 100000} {
			ko, kts, kfound, kerr := kafkaLog.OffsetForTimestamp(ts)
			gro, gts, gfound, gerr := gregorLog.OffsetForTimestamp(ts)
			if ko != gro || kts != gts || kfound != gfound || (kerr == nil) != (gerr == nil) {
				t.Errorf("offset for timestamp %d: kafka's files %d@%d %v %v, gregor's %d@%d %v %v", ts, ko, kts, kfound, kerr, gro, gts, gfound, gerr)
			}
		}
		if !t.Failed() {
			addSection(sectionSegments, "- `"+topic+"`: gregor's segment package opens Kafka's files (preallocated indexes and all), reads the same batches and finds the same offsets by timestamp\n")
		}
	})
}

// segmentBatches are n batches of three records of about size bytes: the
// first half from a producer without idempotence, the rest from producer
// 4242 (epoch 0, sequences from 0); timestamps a second apart, with one
// batch out of order so that the time index skips it.
func segmentBatches(n, size int) [][]byte {
	var out [][]byte
	seq := int32(0)
	for i := range n {
		ts := baseTime + int64(i)*1000
		if i == 7 {
			ts = baseTime + 500 // older than the batch before it
		}
		var rs []record.Record
		for j := range 3 {
			rs = append(rs, record.Record{
				Timestamp: ts + int64(j),
				Key:       fmt.Appendf(nil, "key-%d", i%4),
				Value:     bytes.Repeat([]byte{byte('a' + i%26)}, size+j),
				Headers:   []record.RecordHeader{{Key: "h", Value: []byte{byte(i)}}},
			})
		}
		opts := record.BatchOptions{}
		if i >= n/2 {
			opts = record.BatchOptions{HasProducer: true, ProducerID: 4242, ProducerEpoch: 0, BaseSequence: seq}
			seq += 3
		}
		b, err := record.Build(opts, rs)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

func produceSegments(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, configs map[string]string, batches [][]byte) {
	t.Helper()
	addr := cl.OptValue(kgo.SeedBrokers).([]string)[0]
	s := &side{ctx: ctx, name: addr}
	if _, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl); err != nil {
		t.Fatal(err)
	}
	s.broker = cl.Broker(1)
	resp, err := s.broker.Request(ctx, createTopics(false, newTopic{name: topic, partitions: 1, rf: 1, configs: configs})(s))
	if err != nil {
		t.Fatal(err)
	}
	if code := resp.(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode; code != 0 {
		t.Fatalf("creating %s on %s: error code %d", topic, addr, code)
	}
	waitTopics(topic)(s, nil)
	for i, b := range batches {
		var p kmsg.ProduceResponseTopicPartition
		// Kafka's metadata can name the new partition's leader a moment
		// before that broker's replica manager has made it the leader:
		// the first batch may be answered NOT_LEADER_OR_FOLLOWER (nothing
		// was written) and is sent again, each try one round trip.
		for try := 0; ; try++ {
			resp, err := s.broker.Request(ctx, produce(-1, topic, 0, b)(s))
			if err != nil {
				t.Fatal(err)
			}
			p = resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
			if i > 0 || p.ErrorCode != kerr.NotLeaderForPartition.Code || try == 1000 {
				break
			}
		}
		if p.ErrorCode != 0 || p.BaseOffset != int64(3*i) {
			t.Fatalf("batch %d to %s: error code %d, base offset %d", i, addr, p.ErrorCode, p.BaseOffset)
		}
	}
}

// segmentFiles lists a partition directory's segment files.
func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if indexEntrySize(e.Name()) > 0 || strings.HasSuffix(e.Name(), ".log") {
			names = append(names, e.Name())
		}
	}
	return names
}

func indexEntrySize(name string) int {
	switch filepath.Ext(name) {
	case ".index":
		return 8 // relative offset, position
	case ".timeindex":
		return 12 // timestamp, relative offset
	}
	return 0
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// trimZeroEntries cuts the all-zero entries off the end of an index: a
// preallocated index is zero past its last entry.
func trimZeroEntries(b []byte, size int) []byte {
	b = b[:len(b)/size*size]
	zero := make([]byte, size)
	for len(b) >= size && bytes.Equal(b[len(b)-size:], zero) {
		b = b[:len(b)-size]
	}
	return b
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func window(b []byte, i int) []byte {
	return b[max(0, i-8):min(len(b), i+24)]
}

// dumpLogSegments runs Kafka's kafka-dump-log on a copy of the files (so
// that Kafka never opens gregor's live files) and returns its output with
// the directory replaced.
func dumpLogSegments(t *testing.T, ctx context.Context, k *Kafka, dir string, names []string) string {
	t.Helper()
	copyDir := copyFiles(t, dir, names)
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(copyDir, n))
	}
	out, err := k.Java(ctx, "org.apache.kafka.tools.DumpLogSegments", "--deep-iteration", "--print-data-log", "--files", strings.Join(paths, ","))
	if err != nil {
		t.Fatalf("DumpLogSegments: %v\n%s", err, out)
	}
	return strings.ReplaceAll(string(out), copyDir, "<dir>")
}

// copyFiles copies the named files to a new directory named like a
// partition directory, and returns it.
func copyFiles(t *testing.T, dir string, names []string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(dir))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dst, n), readFile(t, dir, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func openCopy(t *testing.T, dir string, names []string) *segment.Log {
	t.Helper()
	d, err := segment.OSDir(copyFiles(t, dir, names))
	if err != nil {
		t.Fatal(err)
	}
	l, err := segment.Open(d, segment.DefaultConfig(), segment.OpenOptions{})
	if err != nil {
		t.Fatalf("opening %s with gregor's segment package: %v", dir, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func allBatches(t *testing.T, l *segment.Log) []byte {
	t.Helper()
	var all []byte
	err := l.Batches(0, func(b []byte, _ record.Header) (bool, error) {
		all = append(all, b...)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}
