package broker_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produceKeyed writes key=value records one batch each to partition 0
// ("" value: a tombstone), stamped with the manual clock.
func produceKeyed(t *testing.T, cl *kgo.Client, mc *clock.Manual, topic string, kvs ...string) {
	t.Helper()
	for i := 0; i < len(kvs); i += 2 {
		r := &kgo.Record{Topic: topic, Partition: 0, Key: []byte(kvs[i]), Timestamp: mc.Now()}
		if kvs[i+1] != "" {
			r.Value = []byte(kvs[i+1])
		}
		if err := cl.ProduceSync(apiCtx(t), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// readCompacted consumes partition 0 from the earliest offset to the high
// watermark with franz-go, as "offset:key=value" (the last record must be
// one the consumer returns).
func readCompacted(t *testing.T, c *broker.Cluster, topic string, opts ...kgo.Opt) []string {
	t.Helper()
	pi, err := c.Partition(topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	lr, _ := pi.LeaderReplica()
	cl := apiClient(t, c, append([]kgo.Opt{kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}})}, opts...)...)
	defer cl.Close()
	var out []string
	for next := lr.LogStartOffset; next < lr.HighWatermark; {
		fs := cl.PollFetches(apiCtx(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if r.Value == nil {
				v = "<tombstone>"
			}
			out = append(out, fmt.Sprintf("%d:%s=%s", r.Offset, r.Key, v))
			next = r.Offset + 1
		})
	}
	return out
}

// Scenario 9's compaction, with the manual clock: after the cleaner's
// backoff only the latest value of each key remains below the active
// segment, at its original offset, and a tombstone goes only once
// delete.retention.ms has passed since the cleaning that kept it. The
// cleaning is an event, and Cluster.Partition marks the cleaned segments.
func TestCompactionKeepsLatestPerKey(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Config("log.cleaner.backoff.ms", "1000"),
		broker.Topic("k", 1, 1, map[string]string{"cleanup.policy": "compact", "internal.segment.bytes": "160", "delete.retention.ms": "60000",
			"min.cleanable.dirty.ratio": "0.01"}))
	cl := rawProducer(t, c)
	produceKeyed(t, cl, mc, "k", "a", "1", "b", "1", "a", "2", "c", "1", "b", "", "a", "3", "c", "2")
	r := leaderSegments(t, c, "k")
	if len(r.Segments) < 3 {
		t.Fatalf("segments %v: the test wants several", segmentBases(r))
	}
	if active := r.Segments[len(r.Segments)-1].BaseOffset; active != 6 {
		t.Fatalf("segments %v: the test wants the active one at 6", segmentBases(r))
	}

	// Below the active segment each key keeps its latest record there
	// (c=1 at 3: c=2 is in the active segment, which is never cleaned),
	// at its own offset; 0, 1 and 2 are gaps now.
	mc.Advance(time.Second)
	if got, want := fmt.Sprint(readCompacted(t, c, "k")), "[3:c=1 4:b=<tombstone> 5:a=3 6:c=2]"; got != want {
		t.Fatalf("after cleaning %s, want %s", got, want)
	}
	r = leaderSegments(t, c, "k")
	if !r.Segments[0].Cleaned || r.Segments[len(r.Segments)-1].Cleaned {
		t.Fatalf("segments after cleaning %+v", r.Segments)
	}
	cleanings := 0
	for _, e := range c.SegmentEvents("k") {
		if e.Kind == segment.Cleaned {
			cleanings++
			if e.Cleaning.RecordsRemoved == 0 || e.Cleaning.BytesAfter >= e.Cleaning.BytesBefore {
				t.Fatalf("cleaning event %+v", *e.Cleaning)
			}
		}
	}
	if cleanings == 0 {
		t.Fatal("no cleaning event")
	}

	// More writes make the log dirty again (any dirt is enough with
	// min.cleanable.dirty.ratio=0.01); the tombstone stays through the
	// cleanings until delete.retention.ms after the first one kept it.
	produceKeyed(t, cl, mc, "k", "d", "1", "d", "2", "d", "3", "d", "4")
	mc.Advance(58 * time.Second)
	if got := readCompacted(t, c, "k"); !containsRec(got, "4:b=<tombstone>") {
		t.Fatalf("the tombstone went before delete.retention.ms: %q", got)
	}
	mc.Advance(3 * time.Second) // past the horizon: the next cleaning drops it
	produceKeyed(t, cl, mc, "k", "d", "5", "d", "6", "d", "7", "d", "8")
	mc.Advance(time.Second)
	if got := readCompacted(t, c, "k"); containsRec(got, "4:b=<tombstone>") {
		t.Fatalf("the tombstone is still there after delete.retention.ms: %q", got)
	}
}

func containsRec(recs []string, want string) bool {
	for _, r := range recs {
		if r == want {
			return true
		}
	}
	return false
}

// Each cleaning records the log's first dirty offset in
// cleaner-offset-checkpoint, in Kafka's checkpoint format, and a
// restarted broker reads it back: the cleaned segments stay cleaned.
func TestCleanerOffsetCheckpoint(t *testing.T) {
	dir := t.TempDir()
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc), broker.DataDir(dir),
		broker.Config("log.cleaner.backoff.ms", "1000"),
		broker.Topic("k", 1, 1, map[string]string{"cleanup.policy": "compact", "internal.segment.bytes": "160"}))
	produceKeyed(t, rawProducer(t, c), mc, "k", "a", "1", "b", "1", "a", "2", "c", "1", "b", "2", "a", "3", "c", "2")
	mc.Advance(time.Second)
	raw, err := os.ReadFile(filepath.Join(dir, "broker-1", "cleaner-offset-checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "\nk 0 6\n") || !strings.HasPrefix(string(raw), "0\n") {
		t.Fatalf("cleaner-offset-checkpoint:\n%s", raw)
	}
	if err := c.StopBroker(1); err != nil {
		t.Fatal(err)
	}
	if err := c.StartBroker(1); err != nil {
		t.Fatal(err)
	}
	r := leaderSegments(t, c, "k")
	if !r.Segments[0].Cleaned || r.Segments[len(r.Segments)-1].Cleaned {
		t.Fatalf("segments after a restart %+v", r.Segments)
	}
}

// cleanup.policy=compact,delete does both: the cleaner keeps the latest
// record per key, and retention.ms still deletes old segments whole.
// max.compaction.lag.ms also rolls the active segment (Kafka's
// maxSegmentMs), so a record waits no longer than that to be cleanable.
func TestCompactDeleteDoesBoth(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Config("log.cleaner.backoff.ms", "1000"), broker.Config("log.retention.check.interval.ms", "1000"),
		broker.Topic("kd", 1, 1, map[string]string{"cleanup.policy": "compact,delete", "internal.segment.bytes": "160",
			"retention.ms": "60000", "max.compaction.lag.ms": "30000"}))
	cl := rawProducer(t, c)
	produceKeyed(t, cl, mc, "kd", "a", "1", "b", "1", "a", "2", "b", "2", "a", "3")
	mc.Advance(time.Second) // a=3 at 4 is in the active segment: a=2 stays below it
	if got, want := fmt.Sprint(readCompacted(t, c, "kd")), "[2:a=2 3:b=2 4:a=3]"; got != want {
		t.Fatalf("after cleaning %s, want %s", got, want)
	}
	// 31 s later the next record rolls the segment holding a=3
	// (max.compaction.lag.ms), and 60 s after the first records retention
	// deletes the old segments: the log start offset moves past them.
	mc.Advance(31 * time.Second)
	produceKeyed(t, cl, mc, "kd", "c", "1")
	if r := leaderSegments(t, c, "kd"); r.Segments[len(r.Segments)-1].BaseOffset != 5 {
		t.Fatalf("segments %v: c=1 did not start a new segment after max.compaction.lag.ms", segmentBases(r))
	}
	mc.Advance(30 * time.Second)
	if got := startOffset(t, apiAdmin(t, c), "kd"); got != 5 {
		t.Fatalf("earliest offset %d after retention.ms, want 5", got)
	}
	if got, want := fmt.Sprint(readCompacted(t, c, "kd")), "[5:c=1]"; got != want {
		t.Fatalf("after retention %s, want %s", got, want)
	}
}
