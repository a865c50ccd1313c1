package broker_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// retentionStart is a plausible wall-clock time for the manual clock, so
// that record timestamps taken from it are ordinary ones.
var retentionStart = time.UnixMilli(1_790_000_000_000)

// produceAt writes one record to partition 0 of topic, stamped with the
// manual clock's time.
func produceAt(t *testing.T, cl *kgo.Client, mc *clock.Manual, topic string) {
	t.Helper()
	r := &kgo.Record{Topic: topic, Partition: 0, Value: []byte("v"), Timestamp: mc.Now()}
	if err := cl.ProduceSync(apiCtx(t), r).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// rollingSegments writes one record every 11 s to a topic whose segments
// roll after 10 s (segment.ms), so each record gets a segment of its own:
// n records make n-1 closed segments and an active one, the record at
// offset i stamped retentionStart + 11i s.
func rollingSegments(t *testing.T, cl *kgo.Client, mc *clock.Manual, topic string, n int) {
	t.Helper()
	for i := range n {
		if i > 0 {
			mc.Advance(11 * time.Second)
		}
		produceAt(t, cl, mc, topic)
	}
}

func startOffset(t *testing.T, adm *kadm.Client, topic string) int64 {
	t.Helper()
	starts, err := adm.ListStartOffsets(apiCtx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := starts.Lookup(topic, 0)
	if !ok || o.Err != nil {
		t.Fatalf("no start offset for %s-0: %+v", topic, o)
	}
	return o.Offset
}

func leaderSegments(t *testing.T, c *broker.Cluster, topic string) broker.ReplicaInfo {
	t.Helper()
	p, err := c.Partition(topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := p.LeaderReplica()
	if !ok {
		t.Fatalf("%s-0 has no leader replica", topic)
	}
	return r
}

func segmentBases(r broker.ReplicaInfo) []int64 {
	var out []int64
	for _, s := range r.Segments {
		out = append(out, s.BaseOffset)
	}
	return out
}

// retention.ms: every log.retention.check.interval.ms the closed segments
// whose newest record is more than retention.ms old are deleted, the log
// start offset moves to the first segment kept, and consumers starting
// from the earliest offset start there. The active segment stays however
// old it is.
func TestRetentionByTime(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Config("log.retention.check.interval.ms", "5000"),
		broker.Topic("t", 1, 1, map[string]string{"retention.ms": "60000", "segment.ms": "10000"}))
	prod := rawProducer(t, c)
	rollingSegments(t, prod, mc, "t", 4) // segments at 0, 1, 2 and the active 3; now is +33 s
	adm := apiAdmin(t, c)
	if got := segmentBases(leaderSegments(t, c, "t")); len(got) != 4 {
		t.Fatalf("segments %v, want one per record", got)
	}

	// At +80 s the checks at +65, +70, +75 and +80 have run: the segments
	// with records at 0 s and 11 s are past 60 s, the one at 22 s is not.
	mc.Advance(47 * time.Second)
	if got := startOffset(t, adm, "t"); got != 2 {
		t.Fatalf("earliest offset %d after 80 s, want 2", got)
	}
	if r := leaderSegments(t, c, "t"); r.LogStartOffset != 2 || len(r.Segments) != 2 || r.Segments[0].BaseOffset != 2 {
		t.Fatalf("log start %d, segments %v; want 2, [2 3]", r.LogStartOffset, segmentBases(r))
	}

	// Below the log start offset is out of range; Fetch reports the new
	// log start offset.
	cl := pinnedClient(t, c, fetchKey, 12)
	resp := sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: 1, maxBytes: 1 << 20}))
	wantCode(t, "fetch below the log start offset", fetched(t, resp)[0].ErrorCode, kerr.OffsetOutOfRange)
	resp = sendTo[*kmsg.FetchResponse](t, cl, 1, fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: 2, maxBytes: 1 << 20}))
	if rp := fetched(t, resp)[0]; rp.LogStartOffset != 2 || batchOffsets(t, rp.RecordBatches)[0] != 2 {
		t.Fatalf("fetch from 2: log start %d, batches %v", rp.LogStartOffset, batchOffsets(t, rp.RecordBatches))
	}
	cons := apiClient(t, c, kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var offsets []int64
	for len(offsets) < 2 {
		cons.PollFetches(apiCtx(t)).EachRecord(func(r *kgo.Record) { offsets = append(offsets, r.Offset) })
	}
	if offsets[0] != 2 || offsets[1] != 3 {
		t.Fatalf("consumed offsets %v from the earliest, want [2 3]", offsets)
	}

	// An hour later every closed segment is gone; the active one stays.
	mc.Advance(time.Hour)
	if r := leaderSegments(t, c, "t"); r.LogStartOffset != 3 || len(r.Segments) != 1 || r.LogEndOffset != 4 {
		t.Fatalf("after an hour: log start %d, segments %v, log end %d; want 3, [3], 4", r.LogStartOffset, segmentBases(r), r.LogEndOffset)
	}
}

// setTopicConfig sets one topic config with IncrementalAlterConfigs.
func setTopicConfig(t *testing.T, adm *kadm.Client, topic, name, value string) {
	t.Helper()
	resps, err := adm.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.SetConfig, Name: name, Value: strp(value)}}, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 1 || resps[0].Err != nil {
		t.Fatalf("setting %s=%s: %+v", name, value, resps)
	}
}

// retention.bytes and retention.ms set at runtime (kafka-configs.sh
// --alter) apply from the next check. By size, the oldest segments go
// while the log would still hold retention.bytes without them, so it
// keeps at least retention.bytes.
func TestRetentionConfigsAlteredAtRuntime(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc),
		broker.Config("log.retention.check.interval.ms", "5000"),
		broker.Topic("s", 1, 1, map[string]string{"internal.segment.bytes": "200"}))
	prod := rawProducer(t, c)
	for range 10 { // one batch per segment: 9 closed ones and the active one
		r := &kgo.Record{Topic: "s", Partition: 0, Value: make([]byte, 50), Timestamp: mc.Now()}
		if err := prod.ProduceSync(apiCtx(t), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	adm := apiAdmin(t, c)
	before := leaderSegments(t, c, "s")
	if len(before.Segments) != 10 {
		t.Fatalf("segments %v, want 10", segmentBases(before))
	}
	seg := before.Segments[0].Size

	mc.Advance(5 * time.Second) // the defaults: 7 days, no size limit
	if got := startOffset(t, adm, "s"); got != 0 {
		t.Fatalf("earliest offset %d under the defaults, want 0", got)
	}

	// 10 segments against a limit of 3 and a bit: 6 go, and the 4 left
	// still hold more than the limit.
	setTopicConfig(t, adm, "s", "retention.bytes", strconv.FormatInt(3*seg+10, 10))
	mc.Advance(5 * time.Second)
	if got := startOffset(t, adm, "s"); got != 6 {
		t.Fatalf("earliest offset %d with retention.bytes %d, want 6", got, 3*seg+10)
	}
	if r := leaderSegments(t, c, "s"); len(r.Segments) != 4 || r.Segments[0].BaseOffset != 6 {
		t.Fatalf("segments %v, want [6 7 8 9]", segmentBases(r))
	}

	// The records are 10 s old: retention.ms=60000 takes the closed
	// segments 50 s later, at the next check after 60 s.
	setTopicConfig(t, adm, "s", "retention.ms", "60000")
	mc.Advance(45 * time.Second)
	if got := startOffset(t, adm, "s"); got != 6 {
		t.Fatalf("earliest offset %d at 55 s, want 6", got)
	}
	mc.Advance(10 * time.Second)
	if got := startOffset(t, adm, "s"); got != 9 {
		t.Fatalf("earliest offset %d at 65 s, want 9", got)
	}
}
