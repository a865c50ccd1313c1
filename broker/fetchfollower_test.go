package broker_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const rackAware = "org.apache.kafka.common.replica.RackAwareReplicaSelector"

// fetchesServedBy counts the Fetch requests each broker answered for the
// given client id.
func fetchesServedBy(c *broker.Cluster, clientID string) map[int32]int {
	out := map[int32]int{}
	for _, r := range c.Requests(func(r broker.RequestRecord) bool {
		return r.API == kmsg.Fetch && r.ClientID == clientID
	}) {
		out[r.Broker]++
	}
	return out
}

// rackCluster is three brokers in racks a, b and c, with the rack-aware
// replica selector, and topic t led by broker 1 with replicas on all
// three.
func rackCluster(t *testing.T, opts ...broker.Option) *broker.Cluster {
	return startAPICluster(t, append([]broker.Option{broker.Brokers(3), broker.Racks("a", "b", "c"),
		broker.Config("replica.selector.class", rackAware),
		broker.TopicAssignment("t", [][]int32{{1, 2, 3}}, nil)}, opts...)...)
}

// KIP-392: a franz-go consumer in rack "b" is sent by the leader (broker
// 1, rack "a") to the in-sync follower in its rack (broker 2), reads every
// record from it, and Cluster.Requests shows the follower answering its
// fetches once the leader has redirected it.
func TestFetchFromFollowerInClientRack(t *testing.T) {
	c := rackCluster(t)
	prod := apiClient(t, c, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic("t"))
	var want []string
	for i := range 20 {
		v := fmt.Sprintf("r%d", i)
		want = append(want, v)
		if err := prod.ProduceSync(apiCtx(t), &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cons := apiClient(t, c, kgo.ClientID("rack-b"), kgo.Rack("b"),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"t": {0: kgo.NewOffset().AtStart()}}))
	var got []string
	for len(got) < len(want) {
		fs := cons.PollFetches(apiCtx(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	served := fetchesServedBy(c, "rack-b")
	if served[2] == 0 || served[3] != 0 {
		t.Fatalf("fetches answered by broker: %v; want the follower in rack b (2) to serve, never broker 3", served)
	}
}

// The leader's answer that sends a consumer away: no records, the
// partition's offsets, preferred_read_replica the follower in the
// consumer's rack. A consumer in the leader's rack, one without a rack or
// in a rack with no replica, and a v10 fetch stay with the leader; a
// follower serves a v11+ consumer fetch up to its high watermark, answers
// nothing at it and OFFSET_OUT_OF_RANGE past its log end.
func TestFetchPreferredReadReplicaAnswer(t *testing.T) {
	c := rackCluster(t)
	// Each broker's rack, as Metadata and DescribeConfigs report it.
	md, err := apiAdmin(t, c).BrokerMetadata(apiCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range md.Brokers {
		if want := string(rune('a' + b.NodeID - 1)); b.Rack == nil || *b.Rack != want {
			t.Errorf("Metadata: broker %d in rack %v, want %s", b.NodeID, b.Rack, want)
		}
	}
	if got := describedBroker(t, apiClient(t, c), 2, "broker.rack"); value(got) != "b" || !got.ReadOnly {
		t.Errorf("broker 2's broker.rack described as %s, read-only %v", value(got), got.ReadOnly)
	}
	prod := apiClient(t, c, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic("t"))
	for range 3 {
		if err := prod.ProduceSync(apiCtx(t), &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	fetchAs := func(to int32, version int16, rack string, offset int64) kmsg.FetchResponseTopicPartition {
		t.Helper()
		cl := pinnedClient(t, c, fetchKey, version)
		req := fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: offset, maxBytes: 1 << 20})
		req.Rack = rack
		return fetched(t, sendTo[*kmsg.FetchResponse](t, cl, to, req))[0]
	}
	rp := fetchAs(1, 12, "b", 0)
	if rp.ErrorCode != 0 || rp.PreferredReadReplica != 2 || len(rp.RecordBatches) != 0 || rp.HighWatermark != 3 || rp.LogStartOffset != 0 {
		t.Fatalf("leader to a rack-b consumer: error %d, preferred %d, %d record bytes, HW %d, log start %d; want 0, 2, none, 3, 0",
			rp.ErrorCode, rp.PreferredReadReplica, len(rp.RecordBatches), rp.HighWatermark, rp.LogStartOffset)
	}
	for _, tc := range []struct {
		what    string
		version int16
		rack    string
	}{{"a rack-a consumer", 12, "a"}, {"a consumer without a rack", 12, ""}, {"a rack-z consumer", 12, "z"}, {"a v10 fetch", 10, "b"}} {
		if rp := fetchAs(1, tc.version, tc.rack, 0); rp.PreferredReadReplica != -1 || len(rp.RecordBatches) == 0 {
			t.Errorf("leader to %s: preferred %d, %d record bytes; want -1 and the records", tc.what, rp.PreferredReadReplica, len(rp.RecordBatches))
		}
	}
	if rp := fetchAs(2, 12, "b", 0); rp.ErrorCode != 0 || rp.PreferredReadReplica != -1 || len(batchOffsets(t, rp.RecordBatches)) == 0 || rp.HighWatermark != 3 {
		t.Errorf("follower 2 to a rack-b consumer: error %d, preferred %d, HW %d", rp.ErrorCode, rp.PreferredReadReplica, rp.HighWatermark)
	}
	if rp := fetchAs(2, 10, "", 0); rp.ErrorCode != kerr.NotLeaderForPartition.Code {
		t.Errorf("follower 2 to a v10 fetch: error %d, want NOT_LEADER_OR_FOLLOWER", rp.ErrorCode)
	}
	if rp := fetchAs(2, 12, "b", 3); rp.ErrorCode != 0 || len(rp.RecordBatches) != 0 {
		t.Errorf("follower 2 at its high watermark: error %d, %d record bytes", rp.ErrorCode, len(rp.RecordBatches))
	}
	if rp := fetchAs(2, 12, "b", 4); rp.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Errorf("follower 2 past its log end: error %d, want OFFSET_OUT_OF_RANGE", rp.ErrorCode)
	}
	if rp := fetchAs(1, 12, "b", 4); rp.PreferredReadReplica != -1 || rp.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Errorf("leader to a rack-b consumer past every log end: preferred %d, error %d; want no follower (none has the offset) and OFFSET_OUT_OF_RANGE", rp.PreferredReadReplica, rp.ErrorCode)
	}
}

// A follower that falls out of the ISR is no longer chosen: the leader
// keeps a consumer in that follower's rack.
func TestFetchFollowerOutOfISRNotPreferred(t *testing.T) {
	mc := clock.NewManual(retentionStart)
	c := rackCluster(t, broker.Clock(mc))
	// acks=1, stamped with the manual clock: the paused follower must
	// not hold up the produce.
	prod := apiClient(t, c, manualPartitioner(), kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.LeaderAck()))
	produce := func() { t.Helper(); produceAt(t, prod, mc, "t") }
	produce()
	cl := pinnedClient(t, c, fetchKey, 12)
	fetch := func() kmsg.FetchResponseTopicPartition {
		t.Helper()
		req := fetchReq(0, -1, 1<<20, fetchPart{topic: "t", offset: 0, maxBytes: 1 << 20})
		req.Rack = "b"
		return fetched(t, sendTo[*kmsg.FetchResponse](t, cl, 1, req))[0]
	}
	if rp := fetch(); rp.PreferredReadReplica != 2 {
		t.Fatalf("in-sync follower 2 not preferred: %d", rp.PreferredReadReplica)
	}
	if err := c.PauseReplication("t", 0, 2); err != nil {
		t.Fatal(err)
	}
	produce()
	mc.Advance(45 * time.Second) // past replica.lag.time.max.ms and the next ISR check: 2 leaves the ISR
	p, err := c.Partition("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(p.ISR, 2) {
		t.Fatalf("broker 2 still in the ISR %v", p.ISR)
	}
	if rp := fetch(); rp.PreferredReadReplica != -1 || len(rp.RecordBatches) == 0 {
		t.Fatalf("after broker 2 left the ISR the leader sends a rack-b consumer to %d (%d record bytes); want it served by the leader", rp.PreferredReadReplica, len(rp.RecordBatches))
	}
}
