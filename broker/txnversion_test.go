package broker_test

// Transaction version 2 (KIP-890 part 2) against transaction version 1,
// with franz-go choosing its protocol from the cluster's finalized
// transaction.version.

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// requestCounter counts the requests a client sends, by API key.
type requestCounter struct {
	mu   sync.Mutex
	keys map[int16]int
}

func (rc *requestCounter) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err != nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.keys[key]++
}

func (rc *requestCounter) count(key kmsg.Key) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.keys[int16(key)]
}

// commitAbortCommit runs three transactions with kgo (commit, abort,
// commit) over both partitions of topic "tv", checks what a
// read_committed consumer sees, and returns the markers written to "tv"
// and the requests the producer sent.
func commitAbortCommit(t *testing.T, c *broker.Cluster) ([]broker.TxnMarkerEvent, *requestCounter) {
	t.Helper()
	return commitAbortCommitWith(t, c)
}

// commitAbortCommitWith is commitAbortCommit with more client options.
func commitAbortCommitWith(t *testing.T, c *broker.Cluster, opts ...kgo.Opt) ([]broker.TxnMarkerEvent, *requestCounter) {
	t.Helper()
	rc := &requestCounter{keys: map[int16]int{}}
	cl := apiClient(t, c, append([]kgo.Opt{kgo.TransactionalID("tv-producer"), kgo.DefaultProduceTopic("tv"), manualPartitioner(), kgo.WithHooks(rc)}, opts...)...)
	ctx := apiCtx(t)
	txn := func(commit bool, recs ...*kgo.Record) {
		t.Helper()
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("producing: %v", err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatalf("ending the transaction (commit %v): %v", commit, err)
		}
	}
	txn(true, &kgo.Record{Value: []byte("c1"), Partition: 0}, &kgo.Record{Value: []byte("c2"), Partition: 1})
	txn(false, &kgo.Record{Value: []byte("a1"), Partition: 0})
	txn(true, &kgo.Record{Value: []byte("c3"), Partition: 0})
	if got := consumeIsolated(t, c, "tv", kgo.ReadCommitted(), 2); !slices.Equal(got, []string{"c1", "c3"}) {
		t.Fatalf("read_committed consumer of tv-0 got %v, want [c1 c3]", got)
	}
	var marks []broker.TxnMarkerEvent
	for _, m := range c.TxnMarkers() {
		if m.Topic == "tv" {
			marks = append(marks, m)
		}
	}
	return marks, rc
}

// producerEpochOf is the coordinator's epoch of a transactional id, -1
// if it knows none.
func producerEpochOf(c *broker.Cluster, id string) int16 {
	for _, tx := range c.Transactions(txn.Filter{}) {
		if tx.TransactionalID == id {
			return tx.ProducerEpoch
		}
	}
	return -1
}

// markerEpochs lists the markers' (partition, epoch, commit) in order.
func markerEpochs(ms []broker.TxnMarkerEvent) [][3]int64 {
	var out [][3]int64
	for _, m := range ms {
		commit := int64(0)
		if m.Commit {
			commit = 1
		}
		out = append(out, [3]int64{int64(m.Partition), int64(m.ProducerEpoch), commit})
	}
	slices.SortStableFunc(out, func(a, b [3]int64) int { return int(a[1] - b[1]) })
	return out
}

// Under transaction version 2 (the default) kgo sends no
// AddPartitionsToTxn: Produce v12 adds each partition. Every EndTxn
// bumps the epoch, and each transaction's markers carry the bumped
// epoch: 1 for the first commit, 2 for the abort, 3 for the second
// commit.
func TestTransactionVersion2CommitAndAbort(t *testing.T) {
	c := startAPICluster(t, broker.Topic("tv", 2, 1, nil))
	marks, rc := commitAbortCommit(t, c)
	want := [][3]int64{{0, 1, 1}, {1, 1, 1}, {0, 2, 0}, {0, 3, 1}}
	if got := markerEpochs(marks); !slices.Equal(got, want) {
		t.Errorf("markers (partition, epoch, commit) %v, want %v", got, want)
	}
	if n := rc.count(kmsg.AddPartitionsToTxn); n != 0 {
		t.Errorf("the producer sent %d AddPartitionsToTxn under transaction version 2, want none", n)
	}
	if e := producerEpochOf(c, "tv-producer"); e != 3 {
		t.Fatalf("tv-producer is at epoch %d, want 3", e)
	}
}

// A cluster at transaction.version 1 keeps the older protocol: kgo adds
// partitions with AddPartitionsToTxn and every transaction, and every
// marker, has the epoch InitProducerId gave.
func TestTransactionVersion1CommitAndAbort(t *testing.T) {
	c := startAPICluster(t, broker.TransactionVersion(1), broker.Topic("tv", 2, 1, nil))
	marks, rc := commitAbortCommit(t, c)
	want := [][3]int64{{0, 0, 1}, {1, 0, 1}, {0, 0, 0}, {0, 0, 1}}
	if got := markerEpochs(marks); !slices.Equal(got, want) {
		t.Errorf("markers (partition, epoch, commit) %v, want %v", got, want)
	}
	if n := rc.count(kmsg.AddPartitionsToTxn); n < 3 {
		t.Errorf("the producer sent %d AddPartitionsToTxn under transaction version 1, want one a transaction", n)
	}
	if e := producerEpochOf(c, "tv-producer"); e != 0 {
		t.Fatalf("tv-producer is at epoch %d, want 0", e)
	}
}

// The wire rules of transaction version 2, request by request: EndTxn
// v5 answers the bumped epoch; a batch at the old epoch is refused
// (INVALID_PRODUCER_EPOCH); the retry of the EndTxn at the old epoch is
// answered as the first time, the opposite decision at the old epoch is
// INVALID_TXN_STATE, any other epoch PRODUCER_FENCED; an abort with no
// transaction open still bumps the epoch.
func TestTransactionVersion2Epochs(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 2, 1, nil))
	cl := apiClient(t, c)
	coord, init := initAtCoordinator(t, cl, "v2")
	pid := init.ProducerID
	v12 := pinnedClient(t, c, 0, 12)
	produce := func(epoch int16) int16 {
		return sendTo[*kmsg.ProduceResponse](t, v12, 1, transactionalProduce(t, "v2", pid, epoch, 0)).Topics[0].Partitions[0].ErrorCode
	}
	v5 := pinnedClient(t, c, 26, 5)
	end := func(epoch int16, commit bool) *kmsg.EndTxnResponse {
		req := kmsg.NewPtrEndTxnRequest()
		req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = "v2", pid, epoch, commit
		return sendTo[*kmsg.EndTxnResponse](t, v5, coord, req)
	}
	wantCode(t, "Produce v12 with no AddPartitionsToTxn", produce(0), nil)
	r := end(0, true)
	wantCode(t, "EndTxn v5 commit", r.ErrorCode, nil)
	if r.ProducerID != pid || r.ProducerEpoch != 1 {
		t.Fatalf("EndTxn v5 answered producer %d epoch %d, want %d and 1", r.ProducerID, r.ProducerEpoch, pid)
	}
	wantCode(t, "Produce v12 at the epoch before the commit", produce(0), kerr.InvalidProducerEpoch)
	r = end(0, true)
	wantCode(t, "the retry of the commit", r.ErrorCode, nil)
	if r.ProducerEpoch != 1 {
		t.Fatalf("the retry of the commit answered epoch %d, want 1", r.ProducerEpoch)
	}
	wantCode(t, "an abort at the epoch before the commit", end(0, false).ErrorCode, kerr.InvalidTxnState)
	wantCode(t, "EndTxn at a future epoch", end(5, true).ErrorCode, kerr.ProducerFenced)
	wantCode(t, "a commit with no transaction open", end(1, true).ErrorCode, kerr.InvalidTxnState)
	r = end(1, false)
	wantCode(t, "an abort with no transaction open", r.ErrorCode, nil)
	if r.ProducerEpoch != 2 {
		t.Fatalf("the empty abort answered epoch %d, want 2", r.ProducerEpoch)
	}
	wantCode(t, "Produce v12 at the new epoch", produce(2), nil)
	wantCode(t, "EndTxn v5 abort", end(2, false).ErrorCode, nil)
}

// A client that negotiates the versions before KIP-890 part 2 (EndTxn v4,
// Produce v11, TxnOffsetCommit v4) keeps transaction version 1 on a
// cluster finalized at 2: it adds partitions itself and keeps its epoch.
func TestOldClientKeepsTransactionVersion1(t *testing.T) {
	c := startAPICluster(t, broker.Topic("tv", 2, 1, nil))
	v := kversion.Stable()
	v.SetMaxKeyVersion(kmsg.EndTxn.Int16(), 4)
	v.SetMaxKeyVersion(kmsg.Produce.Int16(), 11)
	v.SetMaxKeyVersion(kmsg.TxnOffsetCommit.Int16(), 4)
	marks, rc := commitAbortCommitWith(t, c, kgo.MaxVersions(v))
	want := [][3]int64{{0, 0, 1}, {1, 0, 1}, {0, 0, 0}, {0, 0, 1}}
	if got := markerEpochs(marks); !slices.Equal(got, want) {
		t.Errorf("markers (partition, epoch, commit) %v, want %v", got, want)
	}
	if n := rc.count(kmsg.AddPartitionsToTxn); n < 3 {
		t.Errorf("the producer sent %d AddPartitionsToTxn, want one a transaction", n)
	}
}

// A Produce v12 request to several partitions new to the transaction
// adds them all in one coordinator write (one begin event naming every
// partition), as Kafka's leader sends one AddPartitionsToTxn for the
// request; a later batch of the ongoing transaction asks nothing.
func TestProduceV12AddsAllItsPartitionsAtOnce(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 3, 1, nil))
	cl := apiClient(t, c)
	_, init := initAtCoordinator(t, cl, "batch")
	batch := func(p int32, seq int32) producePart {
		opts := record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: init.ProducerID, ProducerEpoch: init.ProducerEpoch, BaseSequence: seq}
		return producePart{"t", p, testBatch(t, opts, valueRecords(time.Now().UnixMilli(), "v")...)}
	}
	v12 := pinnedClient(t, c, 0, 12)
	send := func(parts ...producePart) {
		t.Helper()
		req := produceReq(-1, parts...)
		req.TransactionID = kmsg.StringPtr("batch")
		resp := sendTo[*kmsg.ProduceResponse](t, v12, 1, req)
		for _, rp := range resp.Topics[0].Partitions {
			wantCode(t, fmt.Sprintf("Produce v12 to t-%d", rp.Partition), rp.ErrorCode, nil)
		}
	}
	send(batch(0, 0), batch(1, 0), batch(2, 0))
	send(batch(0, 1), batch(2, 1))
	var adds [][]txn.TopicPartition
	for _, e := range c.TransactionEvents("batch") {
		if e.Type == txn.EventBegin || e.Type == txn.EventAddPartitions {
			adds = append(adds, e.Partitions)
		}
	}
	if len(adds) != 1 || len(adds[0]) != 3 {
		t.Fatalf("partitions added per coordinator write %v, want one write of all three", adds)
	}
}

// initAtCoordinator finds the transaction coordinator of id and has it
// give id its producer id and epoch.
func initAtCoordinator(t *testing.T, cl *kgo.Client, id string) (int32, *kmsg.InitProducerIDResponse) {
	t.Helper()
	find := kmsg.NewPtrFindCoordinatorRequest()
	find.CoordinatorType, find.CoordinatorKey = 1, id
	coord := send[*kmsg.FindCoordinatorResponse](t, cl, find).NodeID
	init := initProducerID(t, cl, coord, kmsg.StringPtr(id))
	wantCode(t, "InitProducerId", init.ErrorCode, nil)
	return coord, init
}
