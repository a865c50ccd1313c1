package broker_test

import (
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
