package broker_test

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// parkedFetch sends an incremental fetch that waits up to 5 s of the
// cluster clock for a record, and returns once the broker has parked it;
// the answer arrives on the channel.
func parkedFetch(t *testing.T, clk *clock.Manual, cl *kgo.Client, id, epoch int32) <-chan *kmsg.FetchResponse {
	t.Helper()
	req := fetchReq(id, epoch, 1<<20)
	req.MinBytes, req.MaxWaitMillis = 1, 5000
	out := make(chan *kmsg.FetchResponse, 1)
	go func() {
		resp, err := cl.Broker(1).Request(context.Background(), req)
		if err != nil {
			t.Errorf("parked fetch: %v", err)
			out <- nil
			return
		}
		out <- resp.(*kmsg.FetchResponse)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), apiTestTimeout)
	defer cancel()
	if err := clk.WaitForTimer(ctx, 5*time.Second); err != nil {
		t.Fatalf("the fetch never parked: %v", err)
	}
	return out
}

// A session's epoch moves on when a fetch is accepted. The same epoch
// again, sent on another connection while the first fetch is parked (a
// client that timed out and retried), is refused at once with
// INVALID_FETCH_SESSION_EPOCH instead of waiting, and the parked fetch is
// still answered. A later epoch accepted meanwhile makes the parked fetch
// stale: it is answered INVALID_FETCH_SESSION_EPOCH, as Kafka's
// IncrementalFetchContext answers a duplicate request.
func TestFetchSessionEpochWhileParked(t *testing.T) {
	clk := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Clock(clk), broker.Topic("t", 1, 1, nil))
	first, second := pinnedClient(t, c, fetchKey, 12), pinnedClient(t, c, fetchKey, 12)
	id := sessionFetch(t, first, 0, 0, 1<<20, fetchPart{topic: "t", offset: 0, maxBytes: 1 << 20}).SessionID
	if id == 0 {
		t.Fatal("no session")
	}

	parked := parkedFetch(t, clk, first, id, 1)
	resp := sessionFetch(t, second, id, 1, 1<<20)
	wantCode(t, "epoch 1 while epoch 1 is parked", resp.ErrorCode, kerr.InvalidFetchSessionEpoch)
	if resp.SessionID != 0 || len(resp.Topics) != 0 {
		t.Fatalf("refused duplicate: session %d, %d topics", resp.SessionID, len(resp.Topics))
	}
	clk.Advance(5 * time.Second)
	resp = <-parked
	if resp == nil {
		t.FailNow()
	}
	wantCode(t, "the parked fetch", resp.ErrorCode, nil)
	if resp.SessionID != id {
		t.Fatalf("the parked fetch was answered for session %d, want %d", resp.SessionID, id)
	}

	// Replaying an epoch already answered is refused too; the next one
	// is taken.
	resp = sessionFetch(t, first, id, 1, 1<<20)
	wantCode(t, "epoch 1 again", resp.ErrorCode, kerr.InvalidFetchSessionEpoch)
	resp = sessionFetch(t, first, id, 2, 1<<20)
	wantCode(t, "epoch 2", resp.ErrorCode, nil)

	// Epoch 3 parks; epoch 4 is accepted on the other connection, so the
	// parked fetch no longer speaks for the session.
	parked = parkedFetch(t, clk, first, id, 3)
	resp = sessionFetch(t, second, id, 4, 1<<20)
	wantCode(t, "epoch 4 while epoch 3 is parked", resp.ErrorCode, nil)
	clk.Advance(5 * time.Second)
	resp = <-parked
	if resp == nil {
		t.FailNow()
	}
	wantCode(t, "the parked fetch overtaken by epoch 4", resp.ErrorCode, kerr.InvalidFetchSessionEpoch)
	if resp.SessionID != id || len(resp.Topics) != 0 {
		t.Fatalf("overtaken fetch: session %d, %d topics", resp.SessionID, len(resp.Topics))
	}
	resp = sessionFetch(t, first, id, 5, 1<<20)
	wantCode(t, "epoch 5", resp.ErrorCode, nil)
}
