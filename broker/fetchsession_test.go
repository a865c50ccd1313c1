package broker_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/wiretap"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sessionFetch sends a fetch that returns at once (no long poll).
func sessionFetch(t testing.TB, cl *kgo.Client, id, epoch, maxBytes int32, parts ...fetchPart) *kmsg.FetchResponse {
	t.Helper()
	req := fetchReq(id, epoch, maxBytes, parts...)
	req.MinBytes, req.MaxWaitMillis = 0, 0
	return sendTo[*kmsg.FetchResponse](t, cl, 1, req)
}

func answeredPartitions(resp *kmsg.FetchResponse) []int32 {
	var out []int32
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			out = append(out, rp.Partition)
		}
	}
	return out
}

func threePartitions(offsets ...int64) []fetchPart {
	var parts []fetchPart
	for p, off := range offsets {
		parts = append(parts, fetchPart{topic: "t", partition: int32(p), offset: off, maxBytes: 1 << 20})
	}
	return parts
}

// KIP-227: after a full fetch opens a session, an incremental fetch lists
// only what changed, and its answer only partitions with news.
func TestFetchSessionIncrementalOmitsUnchanged(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 3, 1, nil))
	prod := rawProducer(t, c)
	produceValues(t, prod, "t", 0, "a")
	cl := pinnedClient(t, c, fetchKey, 12)

	full := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...)
	if full.SessionID == 0 {
		t.Fatal("a full fetch with epoch 0 opened no session")
	}
	if got := answeredPartitions(full); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Fatalf("full fetch answered %v, want every partition", got)
	}
	id := full.SessionID

	// The client moves partition 0 past its record; nothing else changed.
	resp := sessionFetch(t, cl, id, 1, 1<<20, fetchPart{topic: "t", partition: 0, offset: 1, maxBytes: 1 << 20})
	wantCode(t, "incremental", resp.ErrorCode, nil)
	if resp.SessionID != id || len(answeredPartitions(resp)) != 0 {
		t.Fatalf("incremental fetch with no news: session %d, partitions %v", resp.SessionID, answeredPartitions(resp))
	}

	// New records on partition 1 only: the session remembered its offset.
	produceValues(t, prod, "t", 1, "b")
	resp = sessionFetch(t, cl, id, 2, 1<<20)
	got := fetched(t, resp)
	if len(got) != 1 || len(batchOffsets(t, got[1].RecordBatches)) != 1 || got[1].HighWatermark != 1 {
		t.Fatalf("incremental fetch after a produce to partition 1: %v", answeredPartitions(resp))
	}

	// The client moves partition 1 past its record: nothing new.
	resp = sessionFetch(t, cl, id, 3, 1<<20, fetchPart{topic: "t", partition: 1, offset: 1, maxBytes: 1 << 20})
	if n := len(answeredPartitions(resp)); n != 0 {
		t.Fatalf("nothing new, but %d partitions answered", n)
	}

	// A new high watermark is news even without records: with a budget
	// for one batch, partition 0 takes it and partition 1 only reports
	// that its high watermark moved. Partition 2 has nothing new.
	produceValues(t, prod, "t", 0, "x")
	produceValues(t, prod, "t", 1, "y")
	resp = sessionFetch(t, cl, id, 4, 1)
	got = fetched(t, resp)
	if len(got) != 2 || len(got[0].RecordBatches) == 0 || len(got[1].RecordBatches) != 0 || got[1].HighWatermark != 2 {
		t.Fatalf("after producing to partitions 0 and 1: answered %v", answeredPartitions(resp))
	}
}

func TestFetchSessionErrors(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 3, 1, nil))
	cl := pinnedClient(t, c, fetchKey, 12)
	id := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...).SessionID

	resp := sessionFetch(t, cl, id+1, 1, 1<<20)
	wantCode(t, "unknown session", resp.ErrorCode, kerr.FetchSessionIDNotFound)
	if resp.SessionID != 0 || len(resp.Topics) != 0 {
		t.Fatalf("error answer: session %d, %d topics", resp.SessionID, len(resp.Topics))
	}
	resp = sessionFetch(t, cl, id, 5, 1<<20)
	wantCode(t, "epoch 5 when 1 is next", resp.ErrorCode, kerr.InvalidFetchSessionEpoch)

	// The wrong epoch did not use up the session.
	resp = sessionFetch(t, cl, id, 1, 1<<20)
	wantCode(t, "epoch 1", resp.ErrorCode, nil)

	// A session opened before v13 cannot go on with topic ids.
	resp = sessionFetch(t, pinnedClient(t, c, fetchKey, 13), id, 2, 1<<20)
	wantCode(t, "v13 in a v12 session", resp.ErrorCode, kerr.FetchSessionTopicIDError)

	// Epoch -1 closes the session and is answered without one.
	resp = sessionFetch(t, cl, id, -1, 1<<20, threePartitions(0, 0, 0)...)
	wantCode(t, "close", resp.ErrorCode, nil)
	if resp.SessionID != 0 || len(answeredPartitions(resp)) != 3 {
		t.Fatalf("closing fetch: session %d, partitions %v", resp.SessionID, answeredPartitions(resp))
	}
	resp = sessionFetch(t, cl, id, 2, 1<<20)
	wantCode(t, "closed session", resp.ErrorCode, kerr.FetchSessionIDNotFound)
}

func TestFetchSessionForgottenTopics(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 3, 1, nil))
	prod := rawProducer(t, c)
	cl := pinnedClient(t, c, fetchKey, 12)
	id := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...).SessionID

	forget := func(epoch int32, partitions ...int32) *kmsg.FetchResponse {
		req := fetchReq(id, epoch, 1<<20)
		req.MinBytes, req.MaxWaitMillis = 0, 0
		f := kmsg.NewFetchRequestForgottenTopic()
		f.Topic, f.Partitions = "t", partitions
		req.ForgottenTopics = []kmsg.FetchRequestForgottenTopic{f}
		return sendTo[*kmsg.FetchResponse](t, cl, 1, req)
	}
	if resp := forget(1, 0); resp.ErrorCode != 0 || resp.SessionID != id {
		t.Fatalf("forgetting partition 0: %+v", resp)
	}
	produceValues(t, prod, "t", 0, "ignored")
	produceValues(t, prod, "t", 1, "seen")
	resp := sessionFetch(t, cl, id, 2, 1<<20)
	if got := answeredPartitions(resp); !slices.Equal(got, []int32{1}) {
		t.Fatalf("after forgetting partition 0: answered %v, want [1]", got)
	}

	// Forgetting the last partitions closes the session.
	resp = forget(3, 1, 2)
	if resp.ErrorCode != 0 || resp.SessionID != 0 {
		t.Fatalf("forgetting everything: error %d, session %d", resp.ErrorCode, resp.SessionID)
	}
	wantCode(t, "emptied session", sessionFetch(t, cl, id, 4, 1<<20).ErrorCode, kerr.FetchSessionIDNotFound)
}

// Partitions that just returned records go to the back of the session,
// so the next fetch serves the others first when max_bytes is tight
// (FetchSession's PartitionIterator).
func TestFetchSessionRotatesServedPartitions(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 2, 1, nil))
	prod := rawProducer(t, c)
	produceBatches(t, prod, "t", 0, 3, 1000)
	produceBatches(t, prod, "t", 1, 3, 1000)
	cl := pinnedClient(t, c, fetchKey, 12)
	parts := func(off0, off1 int64) []fetchPart {
		return []fetchPart{{topic: "t", partition: 0, offset: off0, maxBytes: 1 << 20}, {topic: "t", partition: 1, offset: off1, maxBytes: 1 << 20}}
	}

	full := sessionFetch(t, cl, 0, 0, 1, parts(0, 0)...)
	if got := fetched(t, full); len(got[0].RecordBatches) == 0 || len(got[1].RecordBatches) != 0 {
		t.Fatalf("full fetch with a one-batch budget: %v", answeredPartitions(full))
	}
	id := full.SessionID
	// Partition 0 is still first in the session: it gets the budget.
	resp := sessionFetch(t, cl, id, 1, 1, parts(1, 0)[0])
	if got := fetched(t, resp); len(got[0].RecordBatches) == 0 {
		t.Fatalf("epoch 1: %v", answeredPartitions(resp))
	}
	// Having been served, partition 0 now waits behind partition 1.
	resp = sessionFetch(t, cl, id, 2, 1, parts(2, 0)[0])
	got := fetched(t, resp)
	if len(got[1].RecordBatches) == 0 || len(got[0].RecordBatches) != 0 {
		t.Fatalf("epoch 2: partition 1 should go first, answered %v", answeredPartitions(resp))
	}
}

// max.incremental.fetch.session.cache.slots=0 turns sessions off: every
// fetch is answered without one, and consumers still work.
func TestFetchSessionsDisabled(t *testing.T) {
	c := startAPICluster(t, broker.Config("max.incremental.fetch.session.cache.slots", "0"), broker.Topic("t", 3, 1, nil))
	cl := pinnedClient(t, c, fetchKey, 12)
	resp := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...)
	if resp.ErrorCode != 0 || resp.SessionID != 0 || len(answeredPartitions(resp)) != 3 {
		t.Fatalf("full fetch without session slots: error %d session %d partitions %v", resp.ErrorCode, resp.SessionID, answeredPartitions(resp))
	}
	consumeAll(t, c, 3)
}

// kgo opens a session by itself and keeps consuming through incremental
// fetches: the broker gave its first full fetch a session id, and the
// fetches after it go on in that session, epoch after epoch, without
// listing the partitions again.
func TestFetchSessionsWithKgoConsumer(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 3, 1, nil))
	tap := wiretap.New(c.Dial)
	cons := consumeAll(t, c, 3, kgo.Dialer(tap.DialContext))

	fetches := tap.Fetches()
	var incremental []*kmsg.FetchRequest
	for _, f := range fetches {
		if f.SessionID != 0 && f.SessionEpoch > 0 {
			incremental = append(incremental, f)
		}
	}
	if len(incremental) < 2 {
		var sent []string
		for _, f := range fetches {
			sent = append(sent, fmt.Sprintf("(id %d, epoch %d, %d topics)", f.SessionID, f.SessionEpoch, len(f.Topics)))
		}
		t.Fatalf("%d of kgo's %d fetches were incremental, want at least 2: %v", len(incremental), len(fetches), sent)
	}
	id := incremental[0].SessionID
	for i, f := range incremental {
		if f.SessionID != id || f.SessionEpoch != int32(i+1) {
			t.Fatalf("incremental fetch %d is (id %d, epoch %d), want (id %d, epoch %d)", i, f.SessionID, f.SessionEpoch, id, i+1)
		}
	}
	// An incremental fetch lists only what changed. A record on
	// partition 1 alone moves only that partition's fetch offset, to 3:
	// the fetch that asks from there lists nothing else.
	produceValues(t, rawProducer(t, c), "t", 1, "only here")
	if fs := cons.PollFetches(apiCtx(t)); fs.NumRecords() != 1 || fs.Err() != nil {
		t.Fatalf("polled %d records, %v", fs.NumRecords(), fs.Err())
	}
	req, err := tap.WaitFor(apiCtx(t), func(r kmsg.Request) bool {
		f, ok := r.(*kmsg.FetchRequest)
		return ok && slices.ContainsFunc(f.Topics, func(ft kmsg.FetchRequestTopic) bool {
			return slices.ContainsFunc(ft.Partitions, func(fp kmsg.FetchRequestTopicPartition) bool {
				return fp.Partition == 1 && fp.FetchOffset == 3
			})
		})
	})
	if err != nil {
		t.Fatalf("kgo never fetched partition 1 from offset 3: %v", err)
	}
	next := req.(*kmsg.FetchRequest)
	if next.SessionID != id || next.SessionEpoch <= 0 || len(next.Topics) != 1 || len(next.Topics[0].Partitions) != 1 {
		t.Fatalf("the fetch after a record on partition 1 only: (id %d, epoch %d), %+v; want an incremental fetch in session %d listing partition 1 alone",
			next.SessionID, next.SessionEpoch, next.Topics, id)
	}
}

// consumeAll produces to every partition in two rounds and consumes them
// with a kgo consumer made with opts.
func consumeAll(t *testing.T, c *broker.Cluster, partitions int32, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	prod := rawProducer(t, c)
	cons := apiClient(t, c, append([]kgo.Opt{kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	for round := 0; round < 2; round++ {
		for p := int32(0); p < partitions; p++ {
			produceValues(t, prod, "t", p, "v")
		}
		got := 0
		for got < int(partitions) {
			fs := cons.PollFetches(apiCtx(t))
			if err := fs.Err(); err != nil {
				t.Fatal(err)
			}
			got += fs.NumRecords()
		}
		if got != int(partitions) {
			t.Fatalf("round %d: %d records", round, got)
		}
	}
	return cons
}

// A full cache makes room by evicting a session unused for two minutes;
// until then a new session is refused (the fetch goes sessionless).
func TestFetchSessionCacheEviction(t *testing.T) {
	m := clock.NewManual(time.Now())
	c := startAPICluster(t, broker.Clock(m), broker.Config("max.incremental.fetch.session.cache.slots", "1"), broker.Topic("t", 3, 1, nil))
	cl := pinnedClient(t, c, fetchKey, 12)
	first := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...).SessionID
	if first == 0 {
		t.Fatal("no session")
	}
	if id := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...).SessionID; id != 0 {
		t.Fatalf("a second session %d fit in one slot", id)
	}
	m.Advance(2*time.Minute + time.Millisecond)
	second := sessionFetch(t, cl, 0, 0, 1<<20, threePartitions(0, 0, 0)...).SessionID
	if second == 0 || second == first {
		t.Fatalf("after two idle minutes: session %d (first was %d)", second, first)
	}
	wantCode(t, "evicted session", sessionFetch(t, cl, first, 1, 1<<20).ErrorCode, kerr.FetchSessionIDNotFound)
}
