package broker_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// KIP-951 on an added listener: a Produce (v10+) or Fetch (v16+) sent
// to a broker that does not lead the partition names the leader with its
// address on the listener the request came in on, not the first one's,
// as Metadata would answer on that listener.
func TestLeaderHintsUseTheRequestsListener(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Listener("EXTERNAL", security.Plaintext), broker.Topic("led", 1, 1, nil))
	p, err := c.Partition("led", 0)
	if err != nil {
		t.Fatal(err)
	}
	other := 3 - p.Leader
	external := c.Broker(p.Leader).ListenerAddr("EXTERNAL")
	if external == "" || external == c.Broker(p.Leader).Addr() {
		t.Fatalf("leader's EXTERNAL address %q", external)
	}
	cl := apiClient(t, c, kgo.SeedBrokers(c.ListenerAddrs("EXTERNAL")...))
	ctx, cancel := context.WithTimeout(context.Background(), apiTestTimeout)
	defer cancel()
	sameAddr := func(what, host string, port int32) {
		t.Helper()
		if got := net.JoinHostPort(host, strconv.Itoa(int(port))); got != external {
			t.Errorf("%s names the leader at %s, want its EXTERNAL address %s", what, got, external)
		}
	}

	batch := testBatch(t, record.BatchOptions{}, valueRecords(nowMs(), "v")...)
	kresp, err := cl.Broker(int(other)).Request(ctx, produceReq(1, producePart{"led", 0, batch}))
	if err != nil {
		t.Fatal(err)
	}
	presp := kresp.(*kmsg.ProduceResponse)
	pp := producePartition(t, presp, "led", 0)
	wantCode(t, "produce to the broker without the partition", pp.ErrorCode, kerr.NotLeaderForPartition)
	if pp.CurrentLeader.LeaderID != p.Leader || len(presp.Brokers) != 1 || presp.Brokers[0].NodeID != p.Leader {
		t.Fatalf("produce v%d leader hint %+v, endpoints %+v; want broker %d", presp.GetVersion(), pp.CurrentLeader, presp.Brokers, p.Leader)
	}
	sameAddr("produce", presp.Brokers[0].Host, presp.Brokers[0].Port)

	freq := kmsg.NewPtrFetchRequest()
	freq.MaxWaitMillis, freq.MinBytes, freq.MaxBytes = 0, 1, 1<<20
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = "led", [16]byte(c.Topics()[0].ID)
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.CurrentLeaderEpoch, rp.PartitionMaxBytes = 0, -1, 1<<20
	rt.Partitions = append(rt.Partitions, rp)
	freq.Topics = append(freq.Topics, rt)
	kresp, err = cl.Broker(int(other)).Request(ctx, freq)
	if err != nil {
		t.Fatal(err)
	}
	fresp := kresp.(*kmsg.FetchResponse)
	if fresp.GetVersion() < 16 {
		t.Fatalf("fetch went out as v%d; the hints need v16", fresp.GetVersion())
	}
	fp := fresp.Topics[0].Partitions[0]
	wantCode(t, "fetch from the broker without the partition", fp.ErrorCode, kerr.NotLeaderForPartition)
	if fp.CurrentLeader.LeaderID != p.Leader || fp.CurrentLeader.LeaderEpoch != p.LeaderEpoch ||
		len(fresp.Brokers) != 1 || fresp.Brokers[0].NodeID != p.Leader {
		t.Fatalf("fetch leader hint %+v, endpoints %+v; want broker %d at epoch %d", fp.CurrentLeader, fresp.Brokers, p.Leader, p.LeaderEpoch)
	}
	sameAddr("fetch", fresp.Brokers[0].Host, fresp.Brokers[0].Port)
}
