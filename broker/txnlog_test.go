package broker_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/record"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
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
	p := &txnProducer{idemProducer: newIdemProducer(t, c, topic)}
	p.cl = apiClient(t, c, txnV1Requests())
	return p
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
	marks := c.TxnMarkers()
	if len(marks) != 2 || marks[0].Commit || marks[0].Offset != 2 || !marks[1].Commit || marks[1].Offset != 4 || marks[1].ProducerID != p.pid || marks[1].Topic != "t" {
		t.Fatalf("markers %+v, want an ABORT at 2 and a COMMIT at 4", marks)
	}
	for id, r := range partitionInfo(t, c, "t", 0).Replica {
		i := slices.IndexFunc(r.Producers, func(pi partition.ProducerInfo) bool { return pi.ProducerID == p.pid })
		if r.LastStableOffset != 6 || i < 0 || r.Producers[i].CurrentTxnStartOffset != -1 || r.Producers[i].LastSequence != 2 {
			t.Fatalf("broker %d: last stable offset %d, producers %+v; want 6 and producer %d with no open transaction", id, r.LastStableOffset, r.Producers, p.pid)
		}
		if want := []partition.AbortedTxn{{ProducerID: p.pid, FirstOffset: 0, LastOffset: 2, LastStableOffset: 3}}; !slices.Equal(r.AbortedTransactions, want) {
			t.Fatalf("broker %d: aborted transactions %+v, want %+v", id, r.AbortedTransactions, want)
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

// txnV1Requests caps Produce at v11 and TxnOffsetCommit at v4, the
// requests of transaction version 1: from Produce v12 and TxnOffsetCommit
// v5 the broker has the coordinator add the partition to the
// transaction, and these tests have no coordinator behind their
// producers.
func txnV1Requests() kgo.Opt {
	v := kversion.Stable()
	v.SetMaxKeyVersion(kmsg.Produce.Int16(), 11)
	v.SetMaxKeyVersion(kmsg.TxnOffsetCommit.Int16(), 4)
	return kgo.MaxVersions(v)
}

// noTxnVerification lets these tests write transactional batches of a
// producer the transaction coordinator does not know: the partition's
// side of transactions, without KIP-890's check with the coordinator.
var noTxnVerification = broker.Config("transaction.partition.verification.enable", "false")

func txnOffsetCommit(t testing.TB, cl *kgo.Client, to int32, pid int64, groupID string, offset int64) int16 {
	t.Helper()
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch, req.Generation = "tx", groupID, pid, 0, -1
	rt := kmsg.NewTxnOffsetCommitRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
	rp.Partition, rp.Offset = 0, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := sendToLive[*kmsg.TxnOffsetCommitResponse](t, cl, to, req)
	return resp.Topics[0].Partitions[0].ErrorCode
}

// fetchCommitted returns the group's committed offset of t-0 and the
// partition's error code, with or without require_stable.
func fetchCommitted(t testing.TB, cl *kgo.Client, to int32, groupID string, requireStable bool) (int64, int16) {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.RequireStable = requireStable
	rg := kmsg.NewOffsetFetchRequestGroup()
	rg.Group = groupID
	rt := kmsg.NewOffsetFetchRequestGroupTopic()
	rt.Topic, rt.Partitions = "t", []int32{0}
	rg.Topics = append(rg.Topics, rt)
	req.Groups = append(req.Groups, rg)
	resp := sendToLive[*kmsg.OffsetFetchResponse](t, cl, to, req)
	g := resp.Groups[0]
	wantCode(t, "OffsetFetch", g.ErrorCode, nil)
	p := g.Topics[0].Partitions[0]
	return p.Offset, p.ErrorCode
}

func offsetsMarker(t testing.TB, cl *kgo.Client, to int32, pid int64, commit bool) {
	t.Helper()
	req := kmsg.NewPtrWriteTxnMarkersRequest()
	m := kmsg.NewWriteTxnMarkersRequestMarker()
	m.ProducerID, m.Committed = pid, commit
	mt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
	mt.Topic, mt.Partitions = "__consumer_offsets", []int32{0}
	m.Topics = append(m.Topics, mt)
	req.Markers = append(req.Markers, m)
	resp := sendToLive[*kmsg.WriteTxnMarkersResponse](t, cl, to, req)
	wantCode(t, "marker on __consumer_offsets", resp.Markers[0].Topics[0].Partitions[0].ErrorCode, nil)
}

// TxnOffsetCommit holds offsets pending until the transaction's marker
// on __consumer_offsets: OffsetFetch does not see them, require_stable
// answers UNSTABLE_OFFSET_COMMIT; COMMIT applies them, ABORT drops them;
// a restart (group load from the log) keeps a pending commit pending.
func TestTxnOffsetCommitPendingUntilMarker(t *testing.T) {
	dir := t.TempDir()
	opts := []broker.Option{broker.DataDir(dir), broker.Topic("t", 1, 1, nil), broker.Config("offsets.topic.num.partitions", "1")}
	c := startAPICluster(t, append([]broker.Option{noTxnVerification}, opts...)...)
	cl := replClient(t, c, txnV1Requests())
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKeys = []string{"g"}
	wantCode(t, "FindCoordinator", sendToLive[*kmsg.FindCoordinatorResponse](t, cl, 1, fc).Coordinators[0].ErrorCode, nil)
	pid := initProducerID(t, cl, 1, nil).ProducerID
	wantCode(t, "TxnOffsetCommit", txnOffsetCommit(t, cl, 1, pid, "g", 5), nil)
	if off, code := fetchCommitted(t, cl, 1, "g", false); off != -1 || code != 0 {
		t.Fatalf("OffsetFetch while pending: offset %d code %d, want -1 and none", off, code)
	}
	if _, code := fetchCommitted(t, cl, 1, "g", true); code != kerr.UnstableOffsetCommit.Code {
		t.Fatalf("OffsetFetch require_stable while pending: code %d, want UNSTABLE_OFFSET_COMMIT", code)
	}
	offsetsMarker(t, cl, 1, pid, true)
	if off, code := fetchCommitted(t, cl, 1, "g", true); off != 5 || code != 0 {
		t.Fatalf("after COMMIT: offset %d code %d, want 5", off, code)
	}
	wantCode(t, "TxnOffsetCommit", txnOffsetCommit(t, cl, 1, pid, "g", 9), nil)
	offsetsMarker(t, cl, 1, pid, false)
	if off, code := fetchCommitted(t, cl, 1, "g", true); off != 5 || code != 0 {
		t.Fatalf("after ABORT: offset %d code %d, want 5 still", off, code)
	}
	wantCode(t, "TxnOffsetCommit", txnOffsetCommit(t, cl, 1, pid, "g", 12), nil)
	mustDo(t, c.Close())

	c = startAPICluster(t, append([]broker.Option{noTxnVerification}, opts...)...)
	cl = replClient(t, c)
	ctx := apiCtx(t)
	for {
		off, code := fetchCommitted(t, cl, 1, "g", true)
		if code == kerr.UnstableOffsetCommit.Code {
			break
		}
		if code != kerr.CoordinatorLoadInProgress.Code || ctx.Err() != nil {
			t.Fatalf("after the restart: offset %d code %d, want UNSTABLE_OFFSET_COMMIT", off, code)
		}
	}
	offsetsMarker(t, cl, 1, pid, true)
	if off, code := fetchCommitted(t, cl, 1, "g", true); off != 12 || code != 0 {
		t.Fatalf("after the restart and COMMIT: offset %d code %d, want 12", off, code)
	}
}

// DescribeProducers shows the open transaction holding the LSO back,
// through kadm as admin tools use it; a follower describes its own copy
// of the producer state, as any Kafka replica with a log does
// (Partition.activeProducerState), which kafka-transactions.sh
// find-hanging --broker-id relies on; a broker without a replica answers
// NOT_LEADER_OR_FOLLOWER and an unknown partition
// UNKNOWN_TOPIC_OR_PARTITION.
func TestDescribeProducersShowsOpenTransaction(t *testing.T) {
	c := startAPICluster(t, noTxnVerification, broker.Brokers(3), broker.Topic("t", 1, 2, nil))
	p := newTxnProducer(t, c, "t")
	produceValues(t, apiClient(t, c, manualPartitioner()), "t", 0, "plain")
	wantCode(t, "transactional produce", p.sendTxn("a", "b").ErrorCode, nil)
	ps, err := apiAdmin(t, c).DescribeProducers(apiCtx(t), kadm.TopicsSet{"t": {0: {}}})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	ps.EachProducer(func(dp kadm.DescribedProducer) {
		if dp.ProducerID == p.pid {
			found = true
			if dp.CurrentTxnStartOffset != 1 || dp.LastSequence != 1 || dp.CoordinatorEpoch != -1 {
				t.Errorf("producer %d: %+v, want a transaction open at 1 and last sequence 1", p.pid, dp)
			}
		}
	})
	if !found {
		t.Fatalf("producer %d not described: %+v", p.pid, ps)
	}
	pi := partitionInfo(t, c, "t", 0)
	follower := pi.Replicas[0] + pi.Replicas[1] - pi.Leader
	outsider := 1 + 2 + 3 - pi.Replicas[0] - pi.Replicas[1]
	req := kmsg.NewPtrDescribeProducersRequest()
	rt := kmsg.NewDescribeProducersRequestTopic()
	rt.Topic, rt.Partitions = "t", []int32{0, 3}
	req.Topics = append(req.Topics, rt)
	resp := sendToLive[*kmsg.DescribeProducersResponse](t, p.cl, follower, req)
	fp := resp.Topics[0].Partitions[0]
	wantCode(t, "follower", fp.ErrorCode, nil)
	i := slices.IndexFunc(fp.ActiveProducers, func(ap kmsg.DescribeProducersResponseTopicPartitionActiveProducer) bool {
		return ap.ProducerID == p.pid
	})
	if i < 0 || fp.ActiveProducers[i].CurrentTxnStartOffset != 1 {
		t.Errorf("follower %d describes %+v, want producer %d with a transaction open at 1", follower, fp.ActiveProducers, p.pid)
	}
	wantCode(t, "partition 3", resp.Topics[0].Partitions[1].ErrorCode, kerr.UnknownTopicOrPartition)
	resp = sendToLive[*kmsg.DescribeProducersResponse](t, p.cl, outsider, req)
	wantCode(t, "a broker with no replica", resp.Topics[0].Partitions[0].ErrorCode, kerr.NotLeaderForPartition)
}

// A restart from the data directory (file backend) keeps the last stable
// offset of an open transaction (from the clean close's producer
// snapshot) and the aborted transactions (read back from the .txnindex
// files), and read_committed consumers still skip the aborted records.
func TestTransactionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	opts := []broker.Option{broker.DataDir(dir), broker.Topic("t", 1, 1, nil)}
	c := startAPICluster(t, append([]broker.Option{noTxnVerification}, opts...)...)
	p := newTxnProducer(t, c, "t")
	wantCode(t, "transactional produce", p.sendTxn("a1").ErrorCode, nil) // 0
	wantCode(t, "abort", p.end(false, 0, 0), nil)                        // 1
	wantCode(t, "transactional produce", p.sendTxn("b1").ErrorCode, nil) // 2
	mustDo(t, c.Close())

	var index []byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && filepath.Base(path) == "00000000000000000000.txnindex" && filepath.Base(filepath.Dir(path)) == "t-0" {
			index, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil || len(index) != 34 || index[25] != 1 {
		t.Fatalf("t-0's .txnindex on disk: %x (%v), want one entry ending at offset 1", index, err)
	}

	c = startAPICluster(t, append([]broker.Option{noTxnVerification}, opts...)...)
	r, _ := partitionInfo(t, c, "t", 0).LeaderReplica()
	if r.LastStableOffset != 2 || len(r.AbortedTransactions) != 1 || r.AbortedTransactions[0].LastOffset != 1 {
		t.Fatalf("after the restart: LSO %d, aborted %+v; want 2 and the transaction ending at 1", r.LastStableOffset, r.AbortedTransactions)
	}
	p = &txnProducer{idemProducer: &idemProducer{t: t, c: c, cl: replClient(t, c), topic: "t", pid: p.pid}, seq: p.seq}
	wantCode(t, "commit", p.end(true, 0, 0), nil) // 3
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 1); !slices.Equal(got, []string{"b1"}) {
		t.Fatalf("read_committed after the restart: %v, want [b1]", got)
	}
}

// Sarama's read_committed consumer agrees with kgo's: it drops the
// aborted records (from the fetch's aborted transactions), skips the
// markers and reads what the committed transaction wrote; read_uncommitted
// sees everything. kafka-go (v0.4) decodes a fetch's aborted transactions
// but does not filter by them, and it hands control records to the
// application as messages, against Kafka as here: what it reads is the
// log as stored, the ABORT marker at offset 2 included.
func TestTransactionsSaramaAndKafkaGoReadCommitted(t *testing.T) {
	c := startAPICluster(t, noTxnVerification, broker.Topic("t", 1, 1, nil))
	p := newTxnProducer(t, c, "t")
	wantCode(t, "transactional produce", p.sendTxn("a1", "a2").ErrorCode, nil) // 0-1
	wantCode(t, "abort", p.end(false, 0, 0), nil)                              // 2
	wantCode(t, "transactional produce", p.sendTxn("c1").ErrorCode, nil)       // 3
	wantCode(t, "commit", p.end(true, 0, 0), nil)                              // 4
	produceValues(t, apiClient(t, c, manualPartitioner()), "t", 0, "after")    // 5

	consume := func(iso sarama.IsolationLevel, n int) []string {
		cfg := sarama.NewConfig()
		cfg.Version = sarama.V2_1_0_0
		cfg.Consumer.IsolationLevel = iso
		consumer, err := sarama.NewConsumer(c.Addrs(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer consumer.Close()
		pc, err := consumer.ConsumePartition("t", 0, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		var got []string
		timeout := time.After(apiTestTimeout)
		for len(got) < n {
			select {
			case m := <-pc.Messages():
				got = append(got, string(m.Value))
			case <-timeout:
				t.Fatalf("sarama consumed %v, want %d messages", got, n)
			}
		}
		return got
	}
	if got := consume(sarama.ReadCommitted, 2); !slices.Equal(got, []string{"c1", "after"}) {
		t.Fatalf("sarama read_committed: %v, want [c1 after]", got)
	}
	if got := consume(sarama.ReadUncommitted, 4); !slices.Equal(got, []string{"a1", "a2", "c1", "after"}) {
		t.Fatalf("sarama read_uncommitted: %v", got)
	}

	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: c.Addrs(), Topic: "t", Partition: 0,
		IsolationLevel: kafkago.ReadCommitted, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	ctx := apiCtx(t)
	byOffset := map[int64]kafkago.Message{}
	for len(byOffset) < 6 {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("kafka-go read %d messages: %v", len(byOffset), err)
		}
		byOffset[m.Offset] = m
	}
	for off, want := range map[int64]string{0: "a1", 1: "a2", 3: "c1", 5: "after"} {
		if got := string(byOffset[off].Value); got != want {
			t.Fatalf("kafka-go at offset %d: %q, want %q", off, got, want)
		}
	}
	if k := byOffset[2].Key; !slices.Equal(k, record.EndTxnMarkerKey(false)) {
		t.Fatalf("kafka-go at offset 2: key %x, want the ABORT marker's key", k)
	}
}

// TxnOffsetCommit checks the committer as Kafka's
// validateTransactionalOffsetCommit does: a generation for a group that
// does not exist is ILLEGAL_GENERATION, an unknown member of an existing
// group UNKNOWN_MEMBER_ID, and an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
func TestTxnOffsetCommitValidation(t *testing.T) {
	c := startAPICluster(t, noTxnVerification, broker.Topic("t", 1, 1, nil), broker.Config("offsets.topic.num.partitions", "1"))
	cl := replClient(t, c, txnV1Requests())
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKeys = []string{"g"}
	wantCode(t, "FindCoordinator", sendToLive[*kmsg.FindCoordinatorResponse](t, cl, 1, fc).Coordinators[0].ErrorCode, nil)
	pid := initProducerID(t, cl, 1, nil).ProducerID
	commit := func(groupID, topic, member string, generation int32) int16 {
		req := kmsg.NewPtrTxnOffsetCommitRequest()
		req.TransactionalID, req.Group, req.ProducerID, req.MemberID, req.Generation = "tx", groupID, pid, member, generation
		rt := kmsg.NewTxnOffsetCommitRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		rp.Offset = 1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return sendToLive[*kmsg.TxnOffsetCommitResponse](t, cl, 1, req).Topics[0].Partitions[0].ErrorCode
	}
	wantCode(t, "generation 3 of a group that does not exist", commit("g", "t", "m", 3), kerr.IllegalGeneration)
	wantCode(t, "a simple commit", commit("g", "t", "", -1), nil)
	wantCode(t, "an unknown member of the group", commit("g", "t", "m", 0), kerr.UnknownMemberID)
	wantCode(t, "an unknown topic", commit("g", "nope", "", -1), kerr.UnknownTopicOrPartition)
}
