package broker_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// storedValues returns the values in a partition's log on broker 1.
func storedValues(t *testing.T, c *broker.Cluster, topic string) []string {
	t.Helper()
	recs, err := c.Records(topic, 0, 1, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	return out
}

// clientRequests returns the history's requests of one API from one
// client.
func clientRequests(c *broker.Cluster, clientID string, api kmsg.Key) []broker.RequestRecord {
	return c.Requests(func(r broker.RequestRecord) bool { return r.ClientID == clientID && r.API == api })
}

func produceSync(t *testing.T, cl *kgo.Client, topic string, values ...string) {
	t.Helper()
	var recs []*kgo.Record
	for _, v := range values {
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(v)})
	}
	if err := cl.ProduceSync(apiCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
}

// A produce whose acknowledgement is lost took effect all the same: the
// idempotent producer retries it, and the broker recognises the retry
// (same producer id, epoch and sequence), so the log holds each record
// once. Losing the answer by closing the connection after handling is
// the same case, seen sooner by the client. With the response dropped,
// the client would wait out its request timeout on real time; the test
// instead waits for the dropped request to reach the history and then
// breaks the client's connections, which makes the client retry at once.
func TestFaultLostProduceAckIsRetriedOnce(t *testing.T) {
	for _, f := range []broker.Fault{{DropResponse: true}, {CloseAfter: true}} {
		t.Run(f.String(), func(t *testing.T) {
			c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
			const id = "lost-ack"
			f.API, f.Topic, f.ClientID, f.Times = kmsg.Produce, "t", id, 1
			defer c.InjectFault(f)()
			var mu sync.Mutex
			var conns []net.Conn
			dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := c.Dial(ctx, network, addr)
				if err == nil {
					mu.Lock()
					conns = append(conns, conn)
					mu.Unlock()
				}
				return conn, err
			}
			// No backoff before the retry: nothing in the test waits on
			// real time.
			cl := apiClient(t, c, kgo.ClientID(id), kgo.Dialer(dial), kgo.ProducerLinger(0), kgo.MetadataMinAge(10*time.Millisecond),
				kgo.RetryBackoffFn(func(int) time.Duration { return 0 }))
			done := make(chan error, 1)
			go func() {
				var recs []*kgo.Record
				for _, v := range []string{"a", "b", "c"} {
					recs = append(recs, &kgo.Record{Topic: "t", Value: []byte(v)})
				}
				done <- cl.ProduceSync(apiCtx(t), recs...).FirstErr()
			}()
			if _, err := c.WaitForRequest(apiCtx(t), func(r broker.RequestRecord) bool {
				return r.ClientID == id && r.API == kmsg.Produce && r.Fault != ""
			}); err != nil {
				t.Fatal(err)
			}
			if f.DropResponse {
				mu.Lock()
				for _, conn := range conns {
					conn.Close()
				}
				mu.Unlock()
			}
			if err := <-done; err != nil {
				t.Fatalf("producing: %v", err)
			}
			if got := storedValues(t, c, "t"); !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Fatalf("log holds %v, want each record once", got)
			}
			produces := clientRequests(c, id, kmsg.Produce)
			if len(produces) < 2 || produces[0].Fault != f.String() || produces[1].Fault != "" {
				t.Fatalf("produce requests %+v, want the faulted one and its retry", produces)
			}
		})
	}
}

// NOT_LEADER_OR_FOLLOWER tells a producer its metadata is stale: it
// refreshes it and sends the batch again, which then succeeds. The
// injected error is answered without handling the request, so nothing
// was written the first time.
func TestFaultNotLeaderMakesProducerRefreshMetadata(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 2, 1, nil))
	const id = "not-leader"
	defer c.InjectFault(broker.Fault{API: kmsg.Produce, Topic: "t", Partitions: []int32{0}, ClientID: id, Times: 1,
		Error: kerr.NotLeaderForPartition})()
	cl := apiClient(t, c, kgo.ClientID(id), kgo.DefaultProduceTopic("t"), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MetadataMinAge(10*time.Millisecond))
	if err := cl.ProduceSync(apiCtx(t), &kgo.Record{Value: []byte("a"), Partition: 0}).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
	if got := storedValues(t, c, "t"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("log holds %v", got)
	}
	produces := clientRequests(c, id, kmsg.Produce)
	if len(produces) != 2 || !slices.Equal(produces[0].ErrorCodes, []int16{kerr.NotLeaderForPartition.Code}) || len(produces[1].ErrorCodes) != 0 {
		t.Fatalf("produce requests %+v, want one answered NOT_LEADER_OR_FOLLOWER, then one that succeeded", produces)
	}
	// The history names the error as Kafka 4 does (KIP-392), not by
	// kerr's older name.
	if !strings.Contains(produces[0].Fault, "error NOT_LEADER_OR_FOLLOWER") {
		t.Errorf("the refused produce's fault is %q, want it to name NOT_LEADER_OR_FOLLOWER", produces[0].Fault)
	}
	refreshed := c.Requests(func(r broker.RequestRecord) bool {
		return r.ClientID == id && r.API == kmsg.Metadata && r.Seq > produces[0].Seq && r.Seq < produces[1].Seq
	})
	if len(refreshed) == 0 {
		t.Fatalf("no Metadata request between the refused produce and its retry: %+v", c.Requests(func(r broker.RequestRecord) bool { return r.ClientID == id }))
	}
}

// An injected delay holds the response on the cluster clock: on a manual
// clock it ends only when the test advances the clock, and a delay
// longer than the client's request timeout makes the client time out.
func TestFaultDelayOnTheClusterClock(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Clock(mc), broker.Topic("t", 1, 1, nil))
	listOffsets := func(cl *kgo.Client) error {
		req := kmsg.NewPtrListOffsetsRequest()
		req.TimeoutMillis = 100
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "t"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp = -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := cl.Broker(1).Request(apiCtx(t), req)
		if err != nil {
			return err
		}
		return kerr.ErrorForCode(resp.(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0].ErrorCode)
	}

	t.Run("until the clock advances", func(t *testing.T) {
		const id, delay = "delayed", 7123 * time.Millisecond
		defer c.InjectFault(broker.Fault{API: kmsg.ListOffsets, ClientID: id, Delay: delay})()
		cl := apiClient(t, c, kgo.ClientID(id))
		done := make(chan error, 1)
		go func() { done <- listOffsets(cl) }()
		mustDo(t, mc.WaitForTimer(apiCtx(t), delay))
		select {
		case err := <-done:
			t.Fatalf("answered before the clock moved (err %v)", err)
		default:
		}
		mc.Advance(delay)
		if err := <-done; err != nil {
			t.Fatalf("delayed ListOffsets: %v", err)
		}
	})

	t.Run("past the client's timeout", func(t *testing.T) {
		const id = "timed-out"
		remove := c.InjectFault(broker.Fault{API: kmsg.ListOffsets, ClientID: id, Delay: time.Hour})
		cl := apiClient(t, c, kgo.ClientID(id), kgo.RequestTimeoutOverhead(100*time.Millisecond))
		if err := listOffsets(cl); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("ListOffsets delayed an hour: err %v, want the client's timeout", err)
		}
		remove()
		// The timed-out connection is gone; a new client asks again.
		if err := listOffsets(apiClient(t, c, kgo.ClientID(id))); err != nil {
			t.Fatalf("ListOffsets after the fault was removed: %v", err)
		}
	})
}
