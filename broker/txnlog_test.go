package broker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The partition side of transactions over the wire, without a
// coordinator: transactional batches produced raw with a transactional
// id, markers written with WriteTxnMarkers, read by real consumers.

// txnProducer sends raw transactional batches for partition 0 of topic.
type txnProducer struct {
	*idemProducer
	seq int32
}

func newTxnProducer(t testing.TB, c *broker.Cluster, topic string) *txnProducer {
	return &txnProducer{idemProducer: newIdemProducer(t, c, topic)}
}

func (p *txnProducer) sendTxn(values ...string) kmsg.ProduceResponseTopicPartition {
	p.t.Helper()
	opts := record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: p.pid, BaseSequence: p.seq}
	p.seq += int32(len(values))
	batch := testBatch(p.t, opts, valueRecords(time.Now().UnixMilli(), values...)...)
	req := produceReq(-1, producePart{p.topic, 0, batch})
	req.TransactionID = kmsg.StringPtr("tx")
	leader := partitionInfo(p.t, p.c, p.topic, 0).Leader
	resp := sendToLive[*kmsg.ProduceResponse](p.t, p.cl, leader, req)
	return producePartition(p.t, resp, p.topic, 0)
}

// end writes this producer's marker on partition 0 and returns its code.
func (p *txnProducer) end(commit bool, epoch int16, coordinatorEpoch int32) int16 {
	p.t.Helper()
	req := kmsg.NewPtrWriteTxnMarkersRequest()
	m := kmsg.NewWriteTxnMarkersRequestMarker()
	m.ProducerID, m.ProducerEpoch, m.Committed, m.CoordinatorEpoch = p.pid, epoch, commit, coordinatorEpoch
	mt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
	mt.Topic, mt.Partitions = p.topic, []int32{0}
	m.Topics = append(m.Topics, mt)
	req.Markers = append(req.Markers, m)
	leader := partitionInfo(p.t, p.c, p.topic, 0).Leader
	resp := sendToLive[*kmsg.WriteTxnMarkersResponse](p.t, p.cl, leader, req)
	if len(resp.Markers) != 1 || resp.Markers[0].ProducerID != p.pid || len(resp.Markers[0].Topics) != 1 || len(resp.Markers[0].Topics[0].Partitions) != 1 {
		p.t.Fatalf("WriteTxnMarkers response %+v", resp)
	}
	return resp.Markers[0].Topics[0].Partitions[0].ErrorCode
}

// consumeAll reads partition 0 of topic from the start with a real kgo
// consumer at the isolation level until it has n records.
func consumeIsolated(t testing.TB, c *broker.Cluster, topic string, iso kgo.IsolationLevel, n int) []string {
	t.Helper()
	cl := apiClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(iso))
	ctx := apiCtx(t)
	var got []string
	for len(got) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %v, want %d records: %v", got, n, err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

func listLatest(t testing.TB, c *broker.Cluster, topic string, iso int8) int64 {
	t.Helper()
	req := kmsg.NewPtrListOffsetsRequest()
	req.IsolationLevel = iso
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := sendToLive[*kmsg.ListOffsetsResponse](t, apiClient(t, c), partitionInfo(t, c, topic, 0).Leader, req)
	p := resp.Topics[0].Partitions[0]
	wantCode(t, "ListOffsets", p.ErrorCode, nil)
	return p.Offset
}

// Aborted records are invisible to read_committed consumers and visible to
// read_uncommitted ones; an open transaction holds read_committed back at
// its first offset (ListOffsets latest too) until its marker; the
// consumers' positions move past the markers.
func TestTransactionsReadCommittedOverTheWire(t *testing.T) {
	c := startAPICluster(t, noTxnVerification, broker.Brokers(3), broker.Topic("t", 1, 3, nil))
	p := newTxnProducer(t, c, "t")
	wantCode(t, "transactional produce", p.sendTxn("a1", "a2").ErrorCode, nil) // 0-1
	wantCode(t, "abort", p.end(false, 0, 0), nil)                              // 2
	wantCode(t, "transactional produce", p.sendTxn("c1").ErrorCode, nil)       // 3
	if got := listLatest(t, c, "t", 1); got != 3 {
		t.Fatalf("ListOffsets latest read_committed with a transaction open at 3: %d", got)
	}
	if got := listLatest(t, c, "t", 0); got != 4 {
		t.Fatalf("ListOffsets latest read_uncommitted: %d, want 4", got)
	}
	wantCode(t, "commit", p.end(true, 0, 0), nil) // 4
	produceValues(t, apiClient(t, c, manualPartitioner()), "t", 0, "after")
	if got := listLatest(t, c, "t", 1); got != 6 {
		t.Fatalf("ListOffsets latest read_committed after the commit: %d, want 6", got)
	}
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 2); !slices.Equal(got, []string{"c1", "after"}) {
		t.Fatalf("read_committed consumer got %v, want [c1 after]", got)
	}
	if got := consumeIsolated(t, c, "t", kgo.ReadUncommitted(), 4); !slices.Equal(got, []string{"a1", "a2", "c1", "after"}) {
		t.Fatalf("read_uncommitted consumer got %v", got)
	}
	for id, r := range partitionInfo(t, c, "t", 0).Replica {
		i := slices.IndexFunc(r.Producers, func(pi partition.ProducerInfo) bool { return pi.ProducerID == p.pid })
		if r.LastStableOffset != 6 || i < 0 || r.Producers[i].CurrentTxnStartOffset != -1 || r.Producers[i].LastSequence != 2 {
			t.Fatalf("broker %d: last stable offset %d, producers %+v; want 6 and producer %d with no open transaction", id, r.LastStableOffset, r.Producers, p.pid)
		}
	}
}

// Markers with a stale producer epoch or coordinator epoch get Kafka's
// codes; a partition this broker does not hold is UNKNOWN_TOPIC_OR_PARTITION.
func TestWriteTxnMarkersErrors(t *testing.T) {
	c := startAPICluster(t, noTxnVerification, broker.Topic("t", 1, 1, nil))
	p := newTxnProducer(t, c, "t")
	wantCode(t, "transactional produce", p.sendTxn("a").ErrorCode, nil)
	wantCode(t, "commit", p.end(true, 0, 3), nil)
	wantCode(t, "older coordinator epoch", p.end(true, 0, 2), kerr.TransactionCoordinatorFenced)
	req := kmsg.NewPtrWriteTxnMarkersRequest()
	m := kmsg.NewWriteTxnMarkersRequestMarker()
	m.ProducerID, m.ProducerEpoch, m.CoordinatorEpoch = p.pid, 0, 3
	mt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
	mt.Topic, mt.Partitions = "t", []int32{0, 7}
	m.Topics = append(m.Topics, mt)
	mt2 := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
	mt2.Topic, mt2.Partitions = "missing", []int32{0}
	m.Topics = append(m.Topics, mt2)
	req.Markers = append(req.Markers, m)
	resp := sendToLive[*kmsg.WriteTxnMarkersResponse](t, p.cl, 1, req)
	got := resp.Markers[0].Topics
	wantCode(t, "existing partition", got[0].Partitions[0].ErrorCode, nil)
	wantCode(t, "partition 7 of a one-partition topic", got[0].Partitions[1].ErrorCode, kerr.UnknownTopicOrPartition)
	wantCode(t, "unknown topic", got[1].Partitions[0].ErrorCode, kerr.UnknownTopicOrPartition)
	// A transactional batch without a transactional id.
	opts := record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: p.pid, BaseSequence: 1}
	pr := send[*kmsg.ProduceResponse](t, p.cl, produceReq(-1, producePart{"t", 0, testBatch(t, opts, valueRecords(time.Now().UnixMilli(), "x")...)}))
	wantCode(t, "transactional batch without a transactional id", producePartition(t, pr, "t", 0).ErrorCode, kerr.TransactionalIDAuthorizationFailed)
	// A bumped epoch fences the old one's markers.
	p.seq = 0
	opts = record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: p.pid, ProducerEpoch: 1, BaseSequence: 0}
	preq := produceReq(-1, producePart{"t", 0, testBatch(t, opts, valueRecords(time.Now().UnixMilli(), "y")...)})
	preq.TransactionID = kmsg.StringPtr("tx")
	wantCode(t, "epoch 1 produce", producePartition(t, send[*kmsg.ProduceResponse](t, p.cl, preq), "t", 0).ErrorCode, nil)
	wantCode(t, "marker from epoch 0", p.end(false, 0, 3), kerr.InvalidProducerEpoch)
}

// noTxnVerification lets these tests write transactional batches of a
// producer the transaction coordinator does not know: the partition's
// side of transactions, without KIP-890's check with the coordinator.
var noTxnVerification = broker.Config("transaction.partition.verification.enable", "false")
