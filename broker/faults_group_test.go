package broker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// COORDINATOR_LOAD_IN_PROGRESS is what a group coordinator answers
// while it is still reading its share of __consumer_offsets after
// becoming coordinator: the client is to wait and ask again. A consumer
// whose first JoinGroup requests get it still joins its group and
// consumes; the history shows the answered errors and the retries.
func TestFaultCoordinatorLoadInProgressDelaysGroupJoin(t *testing.T) {
	t.Parallel()
	const id, n = "load-in-progress", 2
	c := consumeDespiteLoadInProgress(t, kmsg.JoinGroup, id, "g", n)

	joins := clientRequests(c, id, kmsg.JoinGroup)
	if len(joins) < n+1 {
		t.Fatalf("%d JoinGroup requests, want %d answered the error and a retry", len(joins), n)
	}
	for i, r := range joins[:n] {
		if !slices.Equal(r.ErrorCodes, []int16{kerr.CoordinatorLoadInProgress.Code}) {
			t.Fatalf("JoinGroup %d answered %v, want COORDINATOR_LOAD_IN_PROGRESS", i+1, r.ErrorCodes)
		}
	}
	if last := joins[len(joins)-1]; len(last.ErrorCodes) != 0 || last.Fault != "" {
		t.Fatalf("last JoinGroup %+v, want an undisturbed success", last)
	}
	if syncs := clientRequests(c, id, kmsg.SyncGroup); len(syncs) == 0 || syncs[0].Seq < joins[n].Seq {
		t.Fatalf("SyncGroup %+v came before the retried JoinGroup", syncs)
	}
}

// The same while the consumer looks for its coordinator: FindCoordinator
// v4+ answers per key (KIP-699), so the injected error is on the group's
// key, where the client looks for it, and the consumer asks again.
func TestFaultCoordinatorLoadInProgressOnFindCoordinator(t *testing.T) {
	t.Parallel()
	const id, n = "find-load-in-progress", 2
	c := consumeDespiteLoadInProgress(t, kmsg.FindCoordinator, id, "g2", n)
	finds := clientRequests(c, id, kmsg.FindCoordinator)
	if len(finds) < n+1 {
		t.Fatalf("%d FindCoordinator requests, want %d answered the error and a retry", len(finds), n)
	}
	for i, r := range finds[:n] {
		if r.Version < 4 {
			t.Fatalf("FindCoordinator %d at v%d; this test is about the batched form (v4+)", i+1, r.Version)
		}
		if !slices.Equal(r.ErrorCodes, []int16{kerr.CoordinatorLoadInProgress.Code}) {
			t.Fatalf("FindCoordinator %d answered %v, want COORDINATOR_LOAD_IN_PROGRESS", i+1, r.ErrorCodes)
		}
	}
	if joins := clientRequests(c, id, kmsg.JoinGroup); len(joins) == 0 || joins[0].Seq < finds[n].Seq {
		t.Fatalf("JoinGroup %+v came before the consumer found its coordinator", joins)
	}
}

// What Kafka answers a batched FindCoordinator that cannot be served yet:
// one coordinator entry per key, each with the error.
func TestFaultOnFindCoordinatorAnswersEachKey(t *testing.T) {
	t.Parallel()
	c := startAPICluster(t)
	const id = "find-each-key"
	defer c.InjectFault(broker.Fault{API: kmsg.FindCoordinator, ClientID: id, Error: kerr.CoordinatorLoadInProgress})()
	cl := apiClient(t, c, kgo.ClientID(id))
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.SetVersion(4)
	req.CoordinatorKeys = []string{"g1", "g2"}
	resp, err := req.RequestWith(apiCtx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, co := range resp.Coordinators {
		if co.ErrorCode != kerr.CoordinatorLoadInProgress.Code || co.NodeID != -1 {
			t.Fatalf("coordinator entry %+v, want COORDINATOR_LOAD_IN_PROGRESS and no node", co)
		}
		got = append(got, co.Key)
	}
	// franz-go sends each key of a batched FindCoordinator on its own and
	// merges the answers as they arrive, so their order is not the keys'.
	slices.Sort(got)
	if !slices.Equal(got, req.CoordinatorKeys) {
		t.Fatalf("FindCoordinator v4 answered keys %v, want one entry per key %v", got, req.CoordinatorKeys)
	}
}

// consumeDespiteLoadInProgress answers the first n requests of api from
// client id with COORDINATOR_LOAD_IN_PROGRESS, and returns once a
// consumer of that client id in group g has consumed a record.
func consumeDespiteLoadInProgress(t *testing.T, api kmsg.Key, id, g string, n int) *broker.Cluster {
	t.Helper()
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	produceSync(t, apiClient(t, c), "t", "a")
	t.Cleanup(c.InjectFault(broker.Fault{API: api, ClientID: id, Times: n, Error: kerr.CoordinatorLoadInProgress}))
	cl := apiClient(t, c, kgo.ClientID(id), kgo.ConsumerGroup(g), kgo.ConsumeTopics("t"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.RetryBackoffFn(func(int) time.Duration { return time.Millisecond }))
	for got := 0; got < 1; {
		fs := cl.PollFetches(apiCtx(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		got += fs.NumRecords()
	}
	return c
}
