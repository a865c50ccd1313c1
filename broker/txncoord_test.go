package broker_test

// The transaction coordinator over the wire, with franz-go's
// transactional producer (curriculum scenario 10).

import (
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func txnClient(t testing.TB, c *broker.Cluster, id string, opts ...kgo.Opt) *kgo.Client {
	return apiClient(t, c, append([]kgo.Opt{kgo.TransactionalID(id), kgo.DefaultProduceTopic("t"),
		manualPartitioner(), kgo.TransactionTimeout(time.Minute)}, opts...)...)
}

// produceInTxn runs one transaction of values on partition 0 and ends it.
func produceInTxn(t testing.TB, cl *kgo.Client, commit bool, values ...string) {
	t.Helper()
	ctx := apiCtx(t)
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("producing %q: %v", v, err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		t.Fatalf("ending the transaction (commit %v): %v", commit, err)
	}
}

// Aborted records are invisible to read_committed consumers and visible
// to read_uncommitted ones; the coordinator reports each step.
func TestTransactionsCommitAndAbortWithKgo(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("t", 1, 3, nil))
	cl := txnClient(t, c, "scenario-10")
	produceInTxn(t, cl, true, "c1", "c2")
	produceInTxn(t, cl, false, "a1")
	produceInTxn(t, cl, true, "c3")
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 3); !equal(got, []string{"c1", "c2", "c3"}) {
		t.Fatalf("read_committed got %v", got)
	}
	if got := consumeIsolated(t, c, "t", kgo.ReadUncommitted(), 4); !equal(got, []string{"c1", "c2", "a1", "c3"}) {
		t.Fatalf("read_uncommitted got %v", got)
	}
	var types []txn.EventType
	for _, e := range c.TransactionEvents("scenario-10") {
		if e.Type != txn.EventLoaded {
			types = append(types, e.Type)
		}
	}
	want := []txn.EventType{txn.EventFenced, txn.EventBegin, txn.EventPrepare, txn.EventCommit,
		txn.EventBegin, txn.EventPrepare, txn.EventAbort, txn.EventBegin, txn.EventPrepare}
	if len(types) < len(want) || !equal(types[:len(want)], want) {
		t.Fatalf("events %v, want them to start %v", types, want)
	}
	adm := apiAdmin(t, c)
	desc, err := adm.DescribeTransactions(apiCtx(t), "scenario-10")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := desc.On("scenario-10", nil)
	if d.Err != nil || (d.State != "CompleteCommit" && d.State != "PrepareCommit") || d.ProducerID < 0 {
		t.Fatalf("DescribeTransactions: %+v", d)
	}
	ls, err := adm.ListTransactions(apiCtx(t), nil, []string{"Ongoing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 0 {
		t.Fatalf("ListTransactions Ongoing: %v", ls)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A second producer with the same transactional id fences the first:
// its open transaction is aborted and its next call fails with the
// fencing error.
func TestSecondProducerFencesTheFirst(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	ctx := apiCtx(t)
	first := txnClient(t, c, "fence-me")
	if err := first.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := first.ProduceSync(ctx, &kgo.Record{Value: []byte("zombie")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	second := txnClient(t, c, "fence-me")
	produceInTxn(t, second, true, "live")
	if err := first.ProduceSync(ctx, &kgo.Record{Value: []byte("zombie-2")}).FirstErr(); err == nil {
		err = first.EndTransaction(ctx, kgo.TryCommit)
		if !errors.Is(err, kerr.ProducerFenced) && !errors.Is(err, kerr.InvalidProducerEpoch) {
			t.Fatalf("the fenced producer's commit: %v, want PRODUCER_FENCED", err)
		}
	} else if !errors.Is(err, kerr.ProducerFenced) && !errors.Is(err, kerr.InvalidProducerEpoch) {
		t.Fatalf("the fenced producer's produce: %v, want the fencing error", err)
	}
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 1); !equal(got, []string{"live"}) {
		t.Fatalf("read_committed got %v", got)
	}
}

// A transaction left open past its timeout is aborted when the manual
// clock passes it, and read_committed consumers move on.
func TestTimedOutTransactionIsAbortedOnTheClock(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Clock(mc), broker.Topic("t", 1, 1, nil))
	ctx := apiCtx(t)
	cl := txnClient(t, c, "slow", kgo.TransactionTimeout(30*time.Second))
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("never")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if ts := c.Transactions(txn.Filter{States: []txn.State{txn.Ongoing}}); len(ts) != 1 || ts[0].TransactionalID != "slow" {
		t.Fatalf("open transactions %+v", ts)
	}
	mc.Advance(40 * time.Second)
	waitTxnEvent(t, c, "slow", txn.EventAbort)
	produceValues(t, apiClient(t, c, manualPartitioner()), "t", 0, "after")
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 1); !equal(got, []string{"after"}) {
		t.Fatalf("read_committed got %v", got)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err == nil {
		t.Fatal("the timed-out producer committed")
	}
}

func waitTxnEvent(t testing.TB, c *broker.Cluster, id string, typ txn.EventType) {
	t.Helper()
	if err := c.WaitTransactionEvent(apiCtx(t), id, typ); err != nil {
		t.Fatalf("no %s event for %q: %v; events %v", typ, id, err, c.TransactionEvents(id))
	}
}

func transactionalProduce(t testing.TB, id string, pid int64, epoch int16, p int32) *kmsg.ProduceRequest {
	opts := record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: pid, ProducerEpoch: epoch}
	req := produceReq(-1, producePart{"t", p, testBatch(t, opts, valueRecords(time.Now().UnixMilli(), "v")...)})
	req.TransactionID = kmsg.StringPtr(id)
	return req
}

// Wrong-order requests get Kafka's codes.
func TestTransactionWrongOrderCodes(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 2, 1, nil))
	cl := apiClient(t, c)
	find := kmsg.NewPtrFindCoordinatorRequest()
	find.CoordinatorType, find.CoordinatorKey = 1, "raw"
	fr := send[*kmsg.FindCoordinatorResponse](t, cl, find)
	wantCode(t, "FindCoordinator", fr.ErrorCode, nil)
	init := initProducerID(t, cl, fr.NodeID, kmsg.StringPtr("raw"))
	wantCode(t, "InitProducerId", init.ErrorCode, nil)

	end := kmsg.NewPtrEndTxnRequest()
	end.TransactionalID, end.ProducerID, end.ProducerEpoch, end.Commit = "raw", init.ProducerID, init.ProducerEpoch, true
	wantCode(t, "EndTxn without a transaction", sendTo[*kmsg.EndTxnResponse](t, cl, fr.NodeID, end).ErrorCode, kerr.InvalidTxnState)

	add := kmsg.NewPtrAddPartitionsToTxnRequest()
	add.SetVersion(3)
	add.TransactionalID, add.ProducerID, add.ProducerEpoch = "raw", init.ProducerID, init.ProducerEpoch-1
	at := kmsg.NewAddPartitionsToTxnRequestTopic()
	at.Topic, at.Partitions = "t", []int32{0}
	add.Topics = append(add.Topics, at)
	v3 := pinnedClient(t, c, 24, 3)
	ar := sendTo[*kmsg.AddPartitionsToTxnResponse](t, v3, fr.NodeID, add)
	wantCode(t, "AddPartitionsToTxn with a stale epoch", ar.Topics[0].Partitions[0].ErrorCode, kerr.ProducerFenced)
	add.ProducerEpoch = init.ProducerEpoch
	ar = sendTo[*kmsg.AddPartitionsToTxnResponse](t, v3, fr.NodeID, add)
	wantCode(t, "AddPartitionsToTxn", ar.Topics[0].Partitions[0].ErrorCode, nil)

	// Partition 1 was never added: its transactional produce is refused.
	req := transactionalProduce(t, "raw", init.ProducerID, init.ProducerEpoch, 1)
	v10 := pinnedClient(t, c, 0, 10)
	pr := sendTo[*kmsg.ProduceResponse](t, v10, 1, req)
	wantCode(t, "produce to a partition not in the transaction", pr.Topics[0].Partitions[0].ErrorCode, kerr.InvalidTxnState)
	req = transactionalProduce(t, "raw", init.ProducerID, init.ProducerEpoch, 0)
	pr = sendTo[*kmsg.ProduceResponse](t, v10, 1, req)
	wantCode(t, "produce to a partition in the transaction", pr.Topics[0].Partitions[0].ErrorCode, nil)

	// The group's offsets were never added (AddOffsetsToTxn): a
	// transactional offset commit is refused.
	toc := kmsg.NewPtrTxnOffsetCommitRequest()
	toc.TransactionalID, toc.Group, toc.ProducerID, toc.ProducerEpoch, toc.Generation = "raw", "g", init.ProducerID, init.ProducerEpoch, -1
	rt := kmsg.NewTxnOffsetCommitRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
	rp.Partition, rp.Offset = 0, 1
	rt.Partitions = append(rt.Partitions, rp)
	toc.Topics = append(toc.Topics, rt)
	gc := kmsg.NewPtrFindCoordinatorRequest()
	gc.CoordinatorKey = "g"
	gnode := send[*kmsg.FindCoordinatorResponse](t, cl, gc).NodeID
	tr := sendTo[*kmsg.TxnOffsetCommitResponse](t, pinnedClient(t, c, 28, 4), gnode, toc)
	wantCode(t, "TxnOffsetCommit v4 for offsets not in the transaction", tr.Topics[0].Partitions[0].ErrorCode, kerr.TransactionAbortable)
	// From v5 (transaction version 2) the commit adds the group's
	// partition itself, as AddOffsetsToTxn would have.
	tr = sendTo[*kmsg.TxnOffsetCommitResponse](t, pinnedClient(t, c, 28, 5), gnode, toc)
	wantCode(t, "TxnOffsetCommit v5 for offsets not in the transaction", tr.Topics[0].Partitions[0].ErrorCode, nil)

	offs := kmsg.NewPtrAddOffsetsToTxnRequest()
	offs.TransactionalID, offs.ProducerID, offs.ProducerEpoch, offs.Group = "nobody", 1, 0, "g"
	wantCode(t, "AddOffsetsToTxn for an unknown transactional id",
		sendTo[*kmsg.AddOffsetsToTxnResponse](t, cl, fr.NodeID, offs).ErrorCode, kerr.InvalidProducerIDMapping)
}

// The transaction state follows leadership of __transaction_state: the
// coordinator stops mid-transaction, another broker loads the
// replicated state, and the producer's commit goes through there.
func TestTransactionSurvivesCoordinatorFailover(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("t", 1, 3, nil))
	ctx := apiCtx(t)
	cl := txnClient(t, c, "failover")
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"f1", "f2"} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	open := c.Transactions(txn.Filter{States: []txn.State{txn.Ongoing}})
	if len(open) != 1 {
		t.Fatalf("open transactions %+v", open)
	}
	old := open[0].Coordinator
	if err := c.StopBroker(old); err != nil {
		t.Fatal(err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatalf("commit after the coordinator moved: %v", err)
	}
	waitTxnEvent(t, c, "failover", txn.EventCommit)
	ts := c.Transactions(txn.Filter{})
	if len(ts) != 1 || ts[0].Coordinator == old || ts[0].State != txn.CompleteCommit {
		t.Fatalf("after the failover: %+v, want CompleteCommit at a broker other than %d", ts, old)
	}
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 2); !equal(got, []string{"f1", "f2"}) {
		t.Fatalf("read_committed got %v", got)
	}
}
