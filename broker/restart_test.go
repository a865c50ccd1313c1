package broker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Durability: a cluster started on the data directory of a closed (or
// crashed) one finds its topics, records and offsets again, in files laid
// out as Kafka lays them out.

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newTestClient(t *testing.T, c *Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produceEach produces n records to one partition, each in its own batch,
// and returns their offsets.
func produceEach(t *testing.T, cl *kgo.Client, topic string, partition int32, n int, prefix string) []int64 {
	t.Helper()
	ctx := testContext(t)
	var offsets []int64
	for i := range n {
		r := &kgo.Record{Topic: topic, Partition: partition, Key: []byte(fmt.Sprintf("k%d", i%3)),
			Value:   []byte(fmt.Sprintf("%s-%d-%03d", prefix, partition, i)),
			Headers: []kgo.RecordHeader{{Key: "i", Value: []byte(fmt.Sprint(i))}}}
		res, err := cl.ProduceSync(ctx, r).First()
		if err != nil {
			t.Fatalf("producing to %s-%d: %v", topic, partition, err)
		}
		offsets = append(offsets, res.Offset)
	}
	return offsets
}

// storedRecord is what a consumer sees of a record.
type storedRecord struct {
	Partition int32
	Offset    int64
	Timestamp int64
	Key       string
	Value     string
	Headers   string
}

// consumeAll reads every partition of topic from its log start offset up
// to its high watermark.
func consumeAll(t *testing.T, c *Cluster, topic string) []storedRecord {
	t.Helper()
	parts, err := c.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	offsets := map[int32]kgo.Offset{}
	for _, p := range parts {
		r, _ := p.LeaderReplica()
		want += int(r.HighWatermark - r.LogStartOffset)
		offsets[p.Partition] = kgo.NewOffset().AtStart()
	}
	cl := newTestClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	ctx := testContext(t)
	var out []storedRecord
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("consuming %s: %v (have %d of %d records)", topic, err, len(out), want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var hs []string
			for _, h := range r.Headers {
				hs = append(hs, h.Key+"="+string(h.Value))
			}
			out = append(out, storedRecord{r.Partition, r.Offset, r.Timestamp.UnixMilli(), string(r.Key), string(r.Value), strings.Join(hs, ",")})
		})
	}
	slices.SortFunc(out, func(a, b storedRecord) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return out
}

// replicaStates is each partition's leader replica state, by name.
func replicaStates(t *testing.T, c *Cluster, topics ...string) map[string]ReplicaInfo {
	t.Helper()
	out := map[string]ReplicaInfo{}
	for _, topic := range topics {
		parts, err := c.Partitions(topic)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			r, ok := p.LeaderReplica()
			if !ok {
				t.Fatalf("%s-%d has no leader replica", topic, p.Partition)
			}
			out[fmt.Sprintf("%s-%d", topic, p.Partition)] = r
		}
	}
	return out
}

// A cluster closed and started again on its data directory has the same
// topics (names, ids, configs, partition counts), the same records at the
// same offsets, the same log start offsets, high watermarks and segments,
// and goes on from there.
func TestRestartFromDataDirKeepsTopicsRecordsAndOffsets(t *testing.T) {
	dir := t.TempDir()
	audit := Topic("audit", 1, 1, map[string]string{"message.timestamp.type": "LogAppendTime"})
	c1 := startConnTestCluster(t, DataDir(dir), Config("log.segment.bytes", "1048576"), audit)
	ctx := testContext(t)
	adm := kadm.NewClient(newTestClient(t, c1))
	if _, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"internal.segment.bytes": kadm.StringPtr("600"), "retention.ms": kadm.StringPtr("3600000")}, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "events"); err != nil {
		t.Fatal(err)
	}
	prod := newTestClient(t, c1, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := int32(0); p < 3; p++ {
		produceEach(t, prod, "orders", p, 12+int(p)*5, "order")
	}
	for p := int32(0); p < 2; p++ {
		produceEach(t, prod, "events", p, 8, "event")
	}
	produceEach(t, prod, "audit", 0, 5, "audit")

	topics := []string{"orders", "events", "audit"}
	wantTopics := c1.Topics()
	wantStates := replicaStates(t, c1, topics...)
	wantRecords := map[string][]storedRecord{}
	for _, topic := range topics {
		wantRecords[topic] = consumeAll(t, c1, topic)
	}
	if segs := wantStates["orders-2"].Segments; len(segs) < 3 {
		t.Fatalf("orders-2 has %d segments; the test wants several", len(segs))
	}
	clusterID := c1.ClusterID()
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}

	// Closing gives each active segment's time index an entry for its
	// largest timestamp, as Kafka's LogSegment.close does (the segments
	// here are smaller than index.interval.bytes: it is their only one).
	for name, st := range wantStates {
		last := &st.Segments[len(st.Segments)-1]
		if last.MaxTimestamp >= 0 && last.TimeEntries == 0 {
			last.TimeEntries = 1
		}
		wantStates[name] = st
	}
	checkKafkaLayout(t, dir, clusterID, wantTopics, wantStates)

	c2 := startConnTestCluster(t, DataDir(dir), audit)
	if got := c2.ClusterID(); got != clusterID {
		t.Errorf("cluster id %s after restart, want %s", got, clusterID)
	}
	if got := c2.Topics(); !reflect.DeepEqual(got, wantTopics) {
		t.Errorf("topics after restart:\n got %+v\nwant %+v", got, wantTopics)
	}
	gotStates := replicaStates(t, c2, topics...)
	for name, want := range wantStates {
		got := gotStates[name]
		if got.LogStartOffset != want.LogStartOffset || got.HighWatermark != want.HighWatermark || got.LogEndOffset != want.LogEndOffset {
			t.Errorf("%s: offsets (start %d, hw %d, end %d) after restart, want (%d, %d, %d)", name,
				got.LogStartOffset, got.HighWatermark, got.LogEndOffset, want.LogStartOffset, want.HighWatermark, want.LogEndOffset)
		}
		if !reflect.DeepEqual(got.Segments, want.Segments) {
			t.Errorf("%s: segments after restart\n got %+v\nwant %+v", name, got.Segments, want.Segments)
		}
	}
	for _, topic := range topics {
		if got := consumeAll(t, c2, topic); !reflect.DeepEqual(got, wantRecords[topic]) {
			t.Errorf("%s: records after restart differ\n got %v\nwant %v", topic, got, wantRecords[topic])
		}
	}
	// Producing goes on at the log end offset.
	prod2 := newTestClient(t, c2, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if off := produceEach(t, prod2, "orders", 1, 1, "after"); off[0] != wantStates["orders-1"].LogEndOffset {
		t.Errorf("first offset after restart %d, want %d", off[0], wantStates["orders-1"].LogEndOffset)
	}
}

// checkKafkaLayout checks the files a closed cluster leaves, against
// Kafka's layout of a log directory.
func checkKafkaLayout(t *testing.T, dir, clusterID string, topics []TopicInfo, states map[string]ReplicaInfo) {
	t.Helper()
	logDir := filepath.Join(dir, "broker-1")
	read := func(path ...string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(append([]string{logDir}, path...)...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	meta := read("meta.properties")
	for _, want := range []string{"node.id=1\n", "cluster.id=" + clusterID + "\n", "version=1\n", "directory.id="} {
		if !strings.Contains(meta, want) {
			t.Errorf("meta.properties lacks %q:\n%s", want, meta)
		}
	}
	ids := map[string]TopicID{}
	for _, ti := range topics {
		ids[ti.Name] = ti.ID
	}
	for _, cp := range []struct {
		file  string
		value func(ReplicaInfo) int64
	}{
		{segment.ReplicationCheckpoint, func(r ReplicaInfo) int64 { return r.HighWatermark }},
		{segment.LogStartOffsetCheckpoint, func(r ReplicaInfo) int64 { return r.LogStartOffset }},
		{segment.RecoveryPointCheckpoint, func(r ReplicaInfo) int64 { return r.LogEndOffset }},
	} {
		lines := strings.Split(strings.TrimSpace(read(cp.file)), "\n")
		if lines[0] != "0" || lines[1] != fmt.Sprint(len(states)) {
			t.Errorf("%s starts %q, %q; want version 0 and %d entries", cp.file, lines[0], lines[1], len(states))
		}
		for name, st := range states {
			i := strings.LastIndexByte(name, '-')
			entry := fmt.Sprintf("%s %s %d", name[:i], name[i+1:], cp.value(st))
			if !slices.Contains(lines[2:], entry) {
				t.Errorf("%s lacks the entry %q: %v", cp.file, entry, lines[2:])
			}
		}
	}
	for name, st := range states {
		topic := name[:strings.LastIndexByte(name, '-')]
		pm := read(name, "partition.metadata")
		if want := "version: 0\ntopic_id: " + ids[topic].String() + "\n"; pm != want {
			t.Errorf("%s/partition.metadata is %q, want %q", name, pm, want)
		}
		if epochs := read(name, segment.LeaderEpochCheckpoint); epochs != "0\n1\n0 0\n" {
			t.Errorf("%s/leader-epoch-checkpoint is %q, want epoch 0 from offset 0", name, epochs)
		}
		for _, s := range st.Segments {
			for _, suffix := range []string{".log", ".index", ".timeindex"} {
				file := fmt.Sprintf("%020d%s", s.BaseOffset, suffix)
				fi, err := os.Stat(filepath.Join(logDir, name, file))
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				switch suffix {
				case ".log":
					if fi.Size() != s.Size {
						t.Errorf("%s/%s has %d bytes, the segment %d", name, file, fi.Size(), s.Size)
					}
				case ".index":
					if fi.Size() != int64(8*s.IndexEntries) {
						t.Errorf("%s/%s has %d bytes for %d entries", name, file, fi.Size(), s.IndexEntries)
					}
				case ".timeindex":
					if fi.Size() != int64(12*s.TimeEntries) {
						t.Errorf("%s/%s has %d bytes for %d entries", name, file, fi.Size(), s.TimeEntries)
					}
				}
			}
		}
	}
}

// The log start offset comes back from log-start-offset-checkpoint, even
// in the middle of a segment (as DeleteRecords leaves it), after the
// segments before it were deleted (as retention deletes them).
func TestRestartKeepsLogStartOffsetFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	c1 := startConnTestCluster(t, DataDir(dir), Topic("orders", 1, 1, map[string]string{"internal.segment.bytes": "600"}))
	produceEach(t, newTestClient(t, c1, kgo.RecordPartitioner(kgo.ManualPartitioner())), "orders", 0, 20, "order")
	before := replicaStates(t, c1, "orders")["orders-0"]
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	second := before.Segments[1]
	logStart := second.BaseOffset + 2
	logDir := filepath.Join(dir, "broker-1")
	for _, suffix := range []string{".log", ".index", ".timeindex"} {
		if err := os.Remove(filepath.Join(logDir, "orders-0", fmt.Sprintf("%020d%s", before.Segments[0].BaseOffset, suffix))); err != nil {
			t.Fatal(err)
		}
	}
	checkpoint := fmt.Sprintf("0\n1\norders 0 %d\n", logStart)
	if err := os.WriteFile(filepath.Join(logDir, segment.LogStartOffsetCheckpoint), []byte(checkpoint), 0o644); err != nil {
		t.Fatal(err)
	}

	c2 := startConnTestCluster(t, DataDir(dir))
	after := replicaStates(t, c2, "orders")["orders-0"]
	if after.LogStartOffset != logStart || after.HighWatermark != before.HighWatermark || after.LogEndOffset != before.LogEndOffset {
		t.Fatalf("offsets (start %d, hw %d, end %d) after restart, want (%d, %d, %d)",
			after.LogStartOffset, after.HighWatermark, after.LogEndOffset, logStart, before.HighWatermark, before.LogEndOffset)
	}
	recs := consumeAll(t, c2, "orders")
	if len(recs) == 0 || recs[0].Offset != logStart || recs[len(recs)-1].Offset != before.LogEndOffset-1 {
		t.Fatalf("consumed offsets %d..%d, want %d..%d", recs[0].Offset, recs[len(recs)-1].Offset, logStart, before.LogEndOffset-1)
	}
	listed, err := kadm.NewClient(newTestClient(t, c2)).ListStartOffsets(testContext(t), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := listed.Lookup("orders", 0); o.Offset != logStart {
		t.Fatalf("ListOffsets earliest is %d, want %d", o.Offset, logStart)
	}
}

// After a crash the last segment may end in a torn or corrupt batch, and
// index files may be missing. Recovery keeps every whole, valid batch
// before the damage (Kafka's LogSegment.recover), rebuilds the indexes,
// and producing goes on at the recovered log end offset.
func TestRecoveryAfterCrashDamage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		crash   bool // stop without checkpoints instead of closing
		damage  func(t *testing.T, partDir string, segs []segment.Info)
		wantEnd int64 // of the 20 records produced
	}{
		{"last batch torn", false, cutLastBatch, 19},
		{"last batch fails its CRC", false, flipByteInLastBatch, 19},
		{"index files deleted", false, deleteIndexes, 20},
		{"crash, no checkpoints", true, func(*testing.T, string, []segment.Info) {}, 20},
		{"crash, last batch torn", true, cutLastBatch, 19},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c1 := startConnTestCluster(t, DataDir(dir), Topic("orders", 1, 1, map[string]string{"internal.segment.bytes": "600", "index.interval.bytes": "100"}))
			produceEach(t, newTestClient(t, c1, kgo.RecordPartitioner(kgo.ManualPartitioner())), "orders", 0, 20, "order")
			before := replicaStates(t, c1, "orders")["orders-0"]
			wantRecords := consumeAll(t, c1, "orders")[:tc.wantEnd]
			if tc.crash {
				if err := c1.CrashBroker(1); err != nil {
					t.Fatal(err)
				}
			}
			if err := c1.Close(); err != nil {
				t.Fatal(err)
			}
			partDir := filepath.Join(dir, "broker-1", "orders-0")
			if _, err := os.Stat(filepath.Join(dir, "broker-1", segment.ReplicationCheckpoint)); tc.crash != os.IsNotExist(err) {
				t.Fatalf("replication-offset-checkpoint after a crash=%v stop: %v", tc.crash, err)
			}
			tc.damage(t, partDir, before.Segments)

			c2 := startConnTestCluster(t, DataDir(dir))
			after := replicaStates(t, c2, "orders")["orders-0"]
			if after.LogEndOffset != tc.wantEnd || after.HighWatermark != tc.wantEnd || after.LogStartOffset != 0 {
				t.Fatalf("offsets (start %d, hw %d, end %d) after recovery, want (0, %d, %d)",
					after.LogStartOffset, after.HighWatermark, after.LogEndOffset, tc.wantEnd, tc.wantEnd)
			}
			for i, s := range after.Segments[:len(after.Segments)-1] {
				if want := before.Segments[i]; s != want {
					t.Errorf("closed segment %d after recovery %+v, want %+v", i, s, want)
				}
			}
			if got := consumeAll(t, c2, "orders"); !reflect.DeepEqual(got, wantRecords) {
				t.Fatalf("records after recovery\n got %v\nwant %v", got, wantRecords)
			}
			prod := newTestClient(t, c2, kgo.RecordPartitioner(kgo.ManualPartitioner()))
			if off := produceEach(t, prod, "orders", 0, 1, "after"); off[0] != tc.wantEnd {
				t.Fatalf("first offset produced after recovery %d, want %d", off[0], tc.wantEnd)
			}
		})
	}
}

func lastLogFile(partDir string, segs []segment.Info) string {
	return filepath.Join(partDir, fmt.Sprintf("%020d.log", segs[len(segs)-1].BaseOffset))
}

// cutLastBatch cuts the last .log file in the middle of its last batch, as
// a crash during the write would.
func cutLastBatch(t *testing.T, partDir string, segs []segment.Info) {
	name := lastLogFile(partDir, segs)
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, fi.Size()-20); err != nil {
		t.Fatal(err)
	}
}

// flipByteInLastBatch corrupts a byte of the last batch's records, which
// its CRC-32C then fails to match.
func flipByteInLastBatch(t *testing.T, partDir string, segs []segment.Info) {
	name := lastLogFile(partDir, segs)
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-5] ^= 0x20
	if err := os.WriteFile(name, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// deleteIndexes removes every .index file of the partition.
func deleteIndexes(t *testing.T, partDir string, segs []segment.Info) {
	for _, s := range segs {
		if s.IndexEntries == 0 {
			t.Fatalf("segment %d has no index entries to lose", s.BaseOffset)
		}
		if err := os.Remove(filepath.Join(partDir, fmt.Sprintf("%020d.index", s.BaseOffset))); err != nil {
			t.Fatal(err)
		}
	}
}

// The textbook's segment files were written by a Kafka 3.x broker. Sending
// the same batches, as Kafka's producer sent them (base offset 0, no
// partition leader epoch), through gregor into a data directory leaves
// .log files identical byte for byte: gregor stores the producer's bytes
// and stamps only what Kafka stamps (base offset, leader epoch).
func TestLogFilesAreByteForByteKafkas(t *testing.T) {
	dir := t.TempDir()
	c := startConnTestCluster(t, DataDir(dir), Topic("textbook", 2, 1, nil))
	nc, err := c.Dial(context.Background(), "tcp", c.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	kafkaFiles := map[int32][]byte{}
	for p := int32(0); p < 2; p++ {
		raw, err := os.ReadFile(fmt.Sprintf("../record/testdata/kafka-3.x-partition%d.log", p))
		if err != nil {
			t.Fatal(err)
		}
		kafkaFiles[p] = raw
		batches, whole, err := record.SplitBatches(raw)
		if err != nil || whole != len(raw) {
			t.Fatalf("partition %d: %d of %d bytes split (%v)", p, whole, len(raw), err)
		}
		for i, b := range batches {
			sent := bytes.Clone(b)
			record.SetBaseOffset(sent, 0)
			record.SetPartitionLeaderEpoch(sent, -1)
			req := kmsg.NewPtrProduceRequest()
			req.SetVersion(9)
			req.Acks, req.TimeoutMillis = -1, 5000
			rt := kmsg.NewProduceRequestTopic()
			rt.Topic = "textbook"
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition, rp.Records = p, sent
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			var resp kmsg.ProduceResponse
			if err := rawRoundTrip(nc, req, &resp); err != nil {
				t.Fatal(err)
			}
			got := resp.Topics[0].Partitions[0]
			if got.ErrorCode != 0 || got.BaseOffset != int64(i) {
				t.Fatalf("partition %d batch %d: error code %d, base offset %d", p, i, got.ErrorCode, got.BaseOffset)
			}
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for p, want := range kafkaFiles {
		got, err := os.ReadFile(filepath.Join(dir, "broker-1", fmt.Sprintf("textbook-%d", p), "00000000000000000000.log"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("partition %d: gregor's .log differs from Kafka's\n got %x\nwant %x", p, got, want)
		}
	}
}

// Every replica of a replicated topic comes back: each broker recovers its
// own log directory, and followers have what they had copied.
func TestRestartOfReplicatedCluster(t *testing.T) {
	dir := t.TempDir()
	c1 := startConnTestCluster(t, DataDir(dir), Brokers(3), Topic("orders", 2, 3, map[string]string{"internal.segment.bytes": "600"}))
	prod := newTestClient(t, c1, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := int32(0); p < 2; p++ {
		produceEach(t, prod, "orders", p, 15, "order")
	}
	if err := c1.WaitForReplication(testContext(t)); err != nil {
		t.Fatal(err)
	}
	before, err := c1.Partitions("orders")
	if err != nil {
		t.Fatal(err)
	}
	wantRecords := consumeAll(t, c1, "orders")
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}

	c2 := startConnTestCluster(t, DataDir(dir), Brokers(3))
	// Followers catch up at once; before a broker's start woke the
	// followers waiting for it, one whose leader started after it waited
	// until replica.lag.time.max.ms (30 s) threw it out of the ISR.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c2.WaitForReplication(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := c2.Partitions("orders")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range after {
		if len(p.Replica) != 3 {
			t.Fatalf("orders-%d has %d replicas after restart, want 3", i, len(p.Replica))
		}
		for id, r := range p.Replica {
			want := before[i].Replica[id]
			if r.LogStartOffset != want.LogStartOffset || r.LogEndOffset != want.LogEndOffset || r.HighWatermark != want.HighWatermark {
				t.Errorf("orders-%d on broker %d: (start %d, hw %d, end %d) after restart, want (%d, %d, %d)", i, id,
					r.LogStartOffset, r.HighWatermark, r.LogEndOffset, want.LogStartOffset, want.HighWatermark, want.LogEndOffset)
			}
		}
	}
	if got := consumeAll(t, c2, "orders"); !reflect.DeepEqual(got, wantRecords) {
		t.Fatalf("records after restart\n got %v\nwant %v", got, wantRecords)
	}
}

// The checkpoint files know partitions by name. A log start offset
// checkpointed for a topic that was then deleted and created again made
// the new topic's log start at that offset; checkpoints now apply only to
// a log of the same topic id.
func TestRecreatedTopicIgnoresTheOldTopicsCheckpoints(t *testing.T) {
	dir := t.TempDir()
	c1 := startConnTestCluster(t, DataDir(dir), Topic("orders", 1, 1, map[string]string{"internal.segment.bytes": "600"}))
	produceEach(t, newTestClient(t, c1, kgo.RecordPartitioner(kgo.ManualPartitioner())), "orders", 0, 10, "old")
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	// As if DeleteRecords had moved the log start offset before the stop.
	checkpoint := filepath.Join(dir, "broker-1", segment.LogStartOffsetCheckpoint)
	if err := os.WriteFile(checkpoint, []byte("0\n1\norders 0 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c2 := startConnTestCluster(t, DataDir(dir))
	if st := replicaStates(t, c2, "orders")["orders-0"]; st.LogStartOffset != 7 {
		t.Fatalf("log start offset %d after restart, want the checkpointed 7", st.LogStartOffset)
	}
	ctx := testContext(t)
	adm := kadm.NewClient(newTestClient(t, c2))
	if _, err := adm.DeleteTopic(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	st := replicaStates(t, c2, "orders")["orders-0"]
	if st.LogStartOffset != 0 || st.LogEndOffset != 0 {
		t.Fatalf("the new topic's log starts at %d and ends at %d, want an empty log at 0", st.LogStartOffset, st.LogEndOffset)
	}
	prod := newTestClient(t, c2, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if off := produceEach(t, prod, "orders", 0, 1, "new"); off[0] != 0 {
		t.Fatalf("first record of the new topic at offset %d, want 0", off[0])
	}
}

// A partition directory whose partition.metadata names another topic id
// is a stray log (KRaft deletes those): the replica starts empty rather
// than serving another topic's records.
func TestStrayLogOfAnotherTopicIdIsRemoved(t *testing.T) {
	dir := t.TempDir()
	c1 := startConnTestCluster(t, DataDir(dir), Topic("orders", 1, 1, nil))
	produceEach(t, newTestClient(t, c1, kgo.RecordPartitioner(kgo.ManualPartitioner())), "orders", 0, 5, "old")
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(dir, "broker-1", "orders-0", "partition.metadata")
	if err := os.WriteFile(meta, []byte("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c2 := startConnTestCluster(t, DataDir(dir))
	if st := replicaStates(t, c2, "orders")["orders-0"]; st.LogEndOffset != 0 {
		t.Fatalf("the replica kept %d records of a log with another topic id", st.LogEndOffset)
	}
	raw, err := os.ReadFile(meta)
	if err != nil || !strings.Contains(string(raw), c2.Topics()[0].ID.String()) {
		t.Fatalf("partition.metadata after restart: %q %v", raw, err)
	}
}

// A damaged or hand-edited cluster-metadata.json stops New with a reason;
// a topic without partitions, for one, made CreatePartitions panic later.
func TestDamagedClusterMetadataIsRefusedAtStart(t *testing.T) {
	const id, id2 = "AAAAAAAAAAAAAAAAAAAAAQ", "AAAAAAAAAAAAAAAAAAAAAg"
	topic := func(name, id, configs, partitions string) string {
		return fmt.Sprintf(`{"name":%q,"id":%q,"configs":{%s},"partitions":[%s]}`, name, id, configs, partitions)
	}
	file := func(topics ...string) string {
		return fmt.Sprintf(`{"version":1,"cluster_id":"c","topics":[%s]}`, strings.Join(topics, ","))
	}
	const ok = `{"replicas":[1],"isr":[1],"leader":1}`
	for _, tc := range []struct {
		name, content, want string
	}{
		{"not JSON", "{not json", "invalid character"},
		{"empty", "", "unexpected end of JSON input"},
		{"unknown version", `{"version":2}`, "unsupported version 2"},
		{"malformed topic id", file(topic("orders", "xyz", "", ok)), "malformed id"},
		{"zero topic id", file(topic("orders", "AAAAAAAAAAAAAAAAAAAAAA", "", ok)), "zero or a duplicate topic id"},
		{"duplicate topic id", file(topic("a", id, "", ok), topic("b", id, "", ok)), "zero or a duplicate topic id"},
		{"duplicate topic name", file(topic("a", id, "", ok), topic("a", id2, "", ok)), "listed twice"},
		{"illegal topic name", file(topic("a/b", id, "", ok)), "illegal"},
		{"no partitions", file(topic("orders", id, "", "")), "has no partitions"},
		{"no replicas", file(topic("orders", id, "", `{"replicas":[],"isr":[],"leader":-1}`)), "has no replicas"},
		{"replica listed twice", file(topic("orders", id, "", `{"replicas":[1,1],"isr":[1],"leader":1}`)), "appear once"},
		{"ISR outside the replicas", file(topic("orders", id, "", `{"replicas":[1],"isr":[1,2],"leader":1}`)), "outside its replicas"},
		{"leader outside the replicas", file(topic("orders", id, "", `{"replicas":[1],"isr":[1],"leader":2}`)), "leader 2 outside"},
		{"bad topic config", file(topic("orders", id, `"segment.bytes":"1"`, ok)), "segment.bytes"},
		{"more brokers than started", file(topic("orders", id, "", `{"replicas":[3],"isr":[3],"leader":3}`)), "start it with Brokers(3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, metadataFile), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := New(DataDir(dir))
			if err == nil {
				c.Close()
				t.Fatal("New started on damaged metadata")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}
