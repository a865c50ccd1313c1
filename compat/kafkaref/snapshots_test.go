package kafkaref

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Producer state snapshots: the same batches as the rolled segments of
// TestSegmentFilesAreKafkasBytes (the second half from idempotent
// producer 4242) make both brokers roll at the same offsets, and at each
// roll write a <offset>.snapshot. The files must be the same bytes;
// gregor's segment package must decode Kafka's to the producer's state;
// and Kafka's DumpLogSegments must print gregor's as it prints its own.
func TestProducerSnapshotsAreKafkasBytes(t *testing.T) {
	k := needKafka(t)
	dataDir := t.TempDir()
	p := newPair(t, broker.DataDir(dataDir))
	batches := segmentBatches(40, 10000)
	const topic = "snapshots"
	for _, cl := range []*kgo.Client{p.kafka, p.gregor} {
		produceSegments(t, p.ctx, cl, topic, map[string]string{"segment.bytes": "1048576"}, batches)
	}
	kafkaDir := filepath.Join(k.LogDir, topic+"-0")
	gregorDir := filepath.Join(dataDir, "broker-1", topic+"-0")
	kafkaFiles, gregorFiles := snapshotFiles(t, kafkaDir), snapshotFiles(t, gregorDir)
	if len(kafkaFiles) == 0 || !slices.Equal(kafkaFiles, gregorFiles) {
		t.Fatalf("snapshot files differ:\nkafka:  %v\ngregor: %v", kafkaFiles, gregorFiles)
	}
	for _, name := range kafkaFiles {
		kb, gb := readFile(t, kafkaDir, name), readFile(t, gregorDir, name)
		if !bytes.Equal(kb, gb) {
			t.Errorf("%s: kafka's bytes and gregor's differ:\nkafka:  % x\ngregor: % x", name, kb, gb)
			continue
		}
		entries, err := segment.DecodeProducerSnapshot(kb)
		if err != nil {
			t.Fatalf("%s: gregor cannot read Kafka's snapshot: %v", name, err)
		}
		// Batch i holds offsets 3i..3i+2; batches 20 onwards are
		// producer 4242's, its sequences from 0.
		off, err := strconv.ParseInt(strings.TrimSuffix(name, segment.SnapshotSuffix), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		last := off/3 - 1
		want := []segment.ProducerSnapshotEntry{{ProducerID: 4242, Epoch: 0, LastSequence: int32(3*(last-20) + 2), LastOffset: off - 1,
			OffsetDelta: 2, Timestamp: baseTime + last*1000 + 2, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}}
		if last < 20 {
			want = []segment.ProducerSnapshotEntry{}
		}
		if !slices.Equal(entries, want) {
			t.Errorf("%s decodes to %+v, want %+v", name, entries, want)
		}
		t.Logf("%s: %d bytes, the same; %+v", name, len(kb), entries)
		addSection(sectionSegments, "- `"+topic+"/"+name+"`: the producer snapshot written at the roll, the same bytes in both\n")
	}
	t.Run("kafka reads gregor's snapshots", func(t *testing.T) {
		kafkaDump := dumpLogSegments(t, p.ctx, k, kafkaDir, kafkaFiles)
		gregorDump := dumpLogSegments(t, p.ctx, k, gregorDir, gregorFiles)
		if kafkaDump != gregorDump || !strings.Contains(gregorDump, "producerId: 4242") {
			t.Errorf("DumpLogSegments prints gregor's snapshots differently:\n--- kafka's\n%s\n--- gregor's\n%s", kafkaDump, gregorDump)
		}
	})
}

func snapshotFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), segment.SnapshotSuffix) {
			names = append(names, e.Name())
		}
	}
	return names
}
