package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// An idempotent producer asks for its producer id once, however many
// batches it sends.
func TestHistoryOneInitProducerID(t *testing.T) {
	t.Parallel()
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	const id = "history-idem"
	cl := apiClient(t, c, kgo.ClientID(id))
	for _, v := range []string{"a", "b", "c"} {
		produceSync(t, cl, "t", v)
	}
	if inits := clientRequests(c, id, kmsg.InitProducerID); len(inits) != 1 {
		t.Fatalf("%d InitProducerId requests, want exactly 1: %+v", len(inits), inits)
	}
	if n := len(clientRequests(c, id, kmsg.Produce)); n != 3 {
		t.Fatalf("%d Produce requests, want 3", n)
	}
}

// A group consumer commits what it consumed, after it joined its group:
// WaitForRequest sees the commit arrive, and the history shows the join
// before it.
func TestHistoryWaitForOffsetCommit(t *testing.T) {
	t.Parallel()
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	produceSync(t, apiClient(t, c), "t", "a")
	const id = "history-group"
	cl := apiClient(t, c, kgo.ClientID(id), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for n := 0; n < 1; {
		fs := cl.PollFetches(apiCtx(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		n += fs.NumRecords()
	}
	go cl.CommitUncommittedOffsets(apiCtx(t))
	commit, err := c.WaitForRequest(apiCtx(t), func(r broker.RequestRecord) bool {
		return r.ClientID == id && r.API == kmsg.OffsetCommit
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(commit.ErrorCodes) != 0 {
		t.Fatalf("commit answered %v", commit.ErrorCodes)
	}
	joined := c.Requests(func(r broker.RequestRecord) bool {
		return r.ClientID == id && (r.API == kmsg.SyncGroup || r.API == kmsg.ConsumerGroupHeartbeat) && r.Seq < commit.Seq
	})
	if len(joined) == 0 {
		t.Fatal("the commit came before the consumer joined its group")
	}
}

// An interceptor answers in place of the handler, for its own client
// only, until it is removed; the history shows what it answered.
func TestHistoryInterceptorAnswers(t *testing.T) {
	t.Parallel()
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	const id = "intercepted"
	remove := c.Intercept(func(req kmsg.Request, info broker.RequestInfo) (kmsg.Response, bool) {
		if info.ClientID != id || info.API != kmsg.DescribeCluster {
			return nil, false
		}
		resp := kmsg.NewPtrDescribeClusterResponse()
		resp.ErrorCode = 31 // CLUSTER_AUTHORIZATION_FAILED
		return resp, true
	})
	cl := apiClient(t, c, kgo.ClientID(id))
	describe := func() int16 {
		resp, err := kmsg.NewPtrDescribeClusterRequest().RequestWith(apiCtx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.ErrorCode
	}
	if code := describe(); code != 31 {
		t.Fatalf("intercepted DescribeCluster answered %d, want 31", code)
	}
	remove()
	if code := describe(); code != 0 {
		t.Fatalf("DescribeCluster after removing the interceptor answered %d", code)
	}
	got := clientRequests(c, id, kmsg.DescribeCluster)
	if len(got) != 2 || got[0].Fault != "intercepted" || got[1].Fault != "" || got[0].ErrorCodes[0] != 31 {
		t.Fatalf("history %+v", got)
	}
}
