package txn

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

var ctx = context.Background()

const minute = time.Minute

var orders = []TopicPartition{{"orders", 0}, {"orders", 1}}

// A commit: InitProducerId, AddPartitions, EndTxn(commit); the markers
// go to both partitions with the coordinator epoch, then the
// transaction is CompleteCommit.
func TestCommitWritesMarkersThenCompletes(t *testing.T) {
	h := newHarness(t)
	pe, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, nil)
	if pe.Epoch != 0 {
		t.Fatalf("first epoch %d, want 0", pe.Epoch)
	}
	wantCode(t, h.c.AddPartitions(ctx, "tx", pe.ProducerID, pe.Epoch, orders), nil)
	if tr, _ := h.c.Describe("tx"); tr.State != Ongoing || len(tr.Partitions) != 2 {
		t.Fatalf("after AddPartitions: %+v", tr)
	}
	wantCode(t, h.c.EndTxn(ctx, "tx", pe.ProducerID, pe.Epoch, true), nil)
	m := <-h.markers
	if !m.Commit || m.CoordinatorEpoch != 3 || m.ProducerID != pe.ProducerID || len(m.Partitions) != 2 {
		t.Fatalf("markers %+v", m)
	}
	h.waitEvent(EventCommit)
	tr, _ := h.c.Describe("tx")
	if tr.State != CompleteCommit || len(tr.Partitions) != 0 {
		t.Fatalf("after the markers: %+v", tr)
	}
	// Retrying the commit succeeds; an abort now is INVALID_TXN_STATE.
	wantCode(t, h.c.EndTxn(ctx, "tx", pe.ProducerID, pe.Epoch, true), nil)
	wantCode(t, h.c.EndTxn(ctx, "tx", pe.ProducerID, pe.Epoch, false), kerr.InvalidTxnState)
}

// Kafka's answers to requests out of order or from a stale producer.
func TestWrongOrderAndStaleRequests(t *testing.T) {
	h := newHarness(t)
	wantCode(t, h.c.EndTxn(ctx, "nobody", 1, 0, true), kerr.InvalidProducerIDMapping)
	_, err := h.c.InitProducerID(ctx, "tx", 16*minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, kerr.InvalidTransactionTimeout)
	_, err = h.c.InitProducerID(ctx, "", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, kerr.InvalidRequest)
	pe, _ := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	// EndTxn with no transaction open.
	wantCode(t, h.c.EndTxn(ctx, "tx", pe.ProducerID, pe.Epoch, true), kerr.InvalidTxnState)
	wantCode(t, h.c.AddPartitions(ctx, "tx", pe.ProducerID+1, pe.Epoch, orders), kerr.InvalidProducerIDMapping)
	// A second producer fences the first.
	pe2, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, nil)
	if pe2.ProducerID != pe.ProducerID || pe2.Epoch != pe.Epoch+1 {
		t.Fatalf("second InitProducerId %+v after %+v, want the same id with the next epoch", pe2, pe)
	}
	wantCode(t, h.c.AddPartitions(ctx, "tx", pe.ProducerID, pe.Epoch, orders), kerr.ProducerFenced)
	wantCode(t, h.c.AddPartitions(ctx, "tx", pe2.ProducerID, pe2.Epoch, orders), nil)
	res, err := h.c.VerifyPartitions("tx", pe2.ProducerID, pe2.Epoch, []TopicPartition{{"orders", 0}, {"orders", 7}})
	wantCode(t, err, nil)
	wantCode(t, res[TopicPartition{"orders", 0}], nil)
	wantCode(t, res[TopicPartition{"orders", 7}], kerr.TransactionAbortable)
}

// KIP-360: a producer that sends its current id and epoch gets the next
// epoch; its retry with the epoch before gets the same answer again; an
// older epoch is fenced.
func TestKIP360EpochBump(t *testing.T) {
	h := newHarness(t)
	pe, _ := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	pe1, err := h.c.InitProducerID(ctx, "tx", minute, pe)
	wantCode(t, err, nil)
	if pe1.Epoch != pe.Epoch+1 {
		t.Fatalf("bump gave %+v", pe1)
	}
	again, err := h.c.InitProducerID(ctx, "tx", minute, pe)
	wantCode(t, err, nil)
	if again != pe1 {
		t.Fatalf("retry gave %+v, want %+v", again, pe1)
	}
	pe2, _ := h.c.InitProducerID(ctx, "tx", minute, pe1)
	_, err = h.c.InitProducerID(ctx, "tx", minute, pe)
	wantCode(t, err, kerr.ProducerFenced)
	_ = pe2
}

// An exhausted epoch gives a new producer id with epoch 0.
func TestEpochExhaustionGivesANewProducerID(t *testing.T) {
	h := newHarness(t)
	pe, _ := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	s, _ := h.c.shardFor("tx")
	s.mu.Lock()
	s.txns["tx"].producerEpoch = 32766
	s.mu.Unlock()
	got, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{pe.ProducerID, 32766})
	wantCode(t, err, nil)
	if got.ProducerID == pe.ProducerID || got.Epoch != 0 {
		t.Fatalf("after epoch 32766: %+v, want a new producer id at epoch 0", got)
	}
}

// A transaction open past its timeout is aborted when the clock passes
// it, with a bumped epoch that fences its producer.
func TestTimedOutTransactionIsAbortedAndFenced(t *testing.T) {
	h := newHarness(t)
	pe, _ := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, h.c.AddPartitions(ctx, "tx", pe.ProducerID, pe.Epoch, orders), nil)
	h.clock.Advance(50 * time.Second)
	if tr, _ := h.c.Describe("tx"); tr.State != Ongoing {
		t.Fatalf("aborted before its timeout: %+v", tr)
	}
	h.clock.Advance(20 * time.Second)
	h.waitEvent(EventTimeout)
	m := <-h.markers
	if m.Commit || m.ProducerEpoch != pe.Epoch+1 {
		t.Fatalf("timeout markers %+v, want an abort at epoch %d", m, pe.Epoch+1)
	}
	h.waitEvent(EventAbort)
	wantCode(t, h.c.EndTxn(ctx, "tx", pe.ProducerID, pe.Epoch, true), kerr.ProducerFenced)
}

// InitProducerId while a transaction is open aborts it and answers
// CONCURRENT_TRANSACTIONS; the retry after the abort gets a new epoch.
func TestInitProducerIDAbortsAnOpenTransaction(t *testing.T) {
	h := newHarness(t)
	pe, _ := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, h.c.AddPartitions(ctx, "tx", pe.ProducerID, pe.Epoch, orders), nil)
	_, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, kerr.ConcurrentTransactions)
	if m := <-h.markers; m.Commit {
		t.Fatalf("markers %+v, want an abort", m)
	}
	h.waitEvent(EventAbort)
	got, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, nil)
	if got.Epoch != pe.Epoch+2 {
		t.Fatalf("epoch %d after the fence, want %d", got.Epoch, pe.Epoch+2)
	}
}

// The state survives a coordinator change: a new coordinator loading the
// log sees the open transaction, and finishes one left in PrepareCommit.
func TestReloadFromLog(t *testing.T) {
	h := newHarness(t)
	pe, _ := h.c.InitProducerID(ctx, "open", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, h.c.AddPartitions(ctx, "open", pe.ProducerID, pe.Epoch, orders), nil)
	h.c.Close()
	h.start()
	tr, err := h.c.Describe("open")
	wantCode(t, err, nil)
	if tr.State != Ongoing || tr.ProducerID != pe.ProducerID || len(tr.Partitions) != 2 || tr.Timeout != minute {
		t.Fatalf("reloaded %+v", tr)
	}
	// Leave a PrepareCommit behind: the markers fail until the reload.
	h.markersFail.Store(true)
	wantCode(t, h.c.EndTxn(ctx, "open", pe.ProducerID, pe.Epoch, true), nil)
	<-h.markers
	h.c.Close()
	h.markersFail.Store(false)
	h.start()
	m := <-h.markers
	if !m.Commit || len(m.Partitions) != 2 {
		t.Fatalf("markers after reload %+v", m)
	}
	h.waitEvent(EventCommit)
}

// ListTransactions' filters.
func TestListFilters(t *testing.T) {
	h := newHarness(t)
	a, _ := h.c.InitProducerID(ctx, "a", minute, ProducerIDAndEpoch{-1, -1})
	b, _ := h.c.InitProducerID(ctx, "b", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, h.c.AddPartitions(ctx, "a", a.ProducerID, a.Epoch, orders), nil)
	if got := h.c.List(Filter{States: []State{Ongoing}}); len(got) != 1 || got[0].TransactionalID != "a" {
		t.Fatalf("Ongoing: %+v", got)
	}
	if got := h.c.List(Filter{ProducerIDs: []int64{b.ProducerID}}); len(got) != 1 || got[0].TransactionalID != "b" {
		t.Fatalf("producer %d: %+v", b.ProducerID, got)
	}
	if got := h.c.List(Filter{MinDuration: time.Second}); len(got) != 0 {
		t.Fatalf("open 1s: %+v", got)
	}
	h.clock.Advance(2 * time.Second)
	if got := h.c.List(Filter{MinDuration: time.Second}); len(got) != 1 {
		t.Fatalf("open 1s after 2s: %+v", got)
	}
}

// A transactional id idle for transactional.id.expiration.ms is deleted
// (a tombstone in the log); one with an open transaction is kept.
func TestIdleTransactionalIDExpires(t *testing.T) {
	h := newHarnessWith(t, func(c *Config) {
		c.TransactionalIDExpiration = time.Hour
		c.RemoveExpiredInterval = 10 * time.Minute
		c.AbortTimedOutInterval = time.Hour
	})
	_, _ = h.c.InitProducerID(ctx, "idle", minute, ProducerIDAndEpoch{-1, -1})
	busy, _ := h.c.InitProducerID(ctx, "busy", 15*minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, h.c.AddPartitions(ctx, "busy", busy.ProducerID, busy.Epoch, orders), nil)
	h.clock.Advance(50 * time.Minute)
	wantCode(t, func() error { _, err := h.c.Describe("idle"); return err }(), nil)
	h.clock.Advance(20 * time.Minute)
	if e := h.waitEvent(EventExpired); e.TransactionalID != "idle" {
		t.Fatalf("expired %q, want idle", e.TransactionalID)
	}
	_, err := h.c.Describe("idle")
	wantCode(t, err, kerr.TransactionalIDNotFound)
	wantCode(t, func() error { _, err := h.c.Describe("busy"); return err }(), nil)
	// The tombstone survives a reload.
	h.c.Close()
	h.start()
	_, err = h.c.Describe("idle")
	wantCode(t, err, kerr.TransactionalIDNotFound)
}
