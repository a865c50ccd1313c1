package txn

import (
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Under transaction version 2 the commit is written, and the markers
// sent, with the bumped epoch, which EndTxnV2 answers; the transaction
// records its client's version, and the completed state keeps the new
// epoch.
func TestEndTxnV2BumpsTheEpochOfTheMarkers(t *testing.T) {
	h := newHarness(t)
	pe, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, nil)
	wantCode(t, h.c.AddPartitionsFromProduce(ctx, "tx", pe.ProducerID, pe.Epoch, orders), nil)
	next, err := h.c.EndTxnV2(ctx, "tx", pe.ProducerID, pe.Epoch, true)
	wantCode(t, err, nil)
	if next != (ProducerIDAndEpoch{pe.ProducerID, pe.Epoch + 1}) {
		t.Fatalf("EndTxnV2 answered %+v, want epoch %d", next, pe.Epoch+1)
	}
	m := <-h.markers
	if !m.Commit || m.ProducerEpoch != pe.Epoch+1 || m.TransactionVersion != 2 || len(m.Partitions) != 2 {
		t.Fatalf("markers %+v, want a commit at epoch %d, transaction version 2, to both partitions", m, pe.Epoch+1)
	}
	h.waitEvent(EventCommit)
	if tr, _ := h.c.Describe("tx"); tr.State != CompleteCommit || tr.ProducerEpoch != pe.Epoch+1 {
		t.Fatalf("after the markers: %+v", tr)
	}
	// The old epoch can no longer add partitions.
	wantCode(t, h.c.AddPartitionsFromProduce(ctx, "tx", pe.ProducerID, pe.Epoch, orders), kerr.ProducerFenced)
}

// An epoch about to be exhausted moves the producer to a new producer id
// at epoch 0: the markers carry the old id at the last epoch, EndTxnV2
// answers the new id, and a retry with the old id and epoch is answered
// the same.
func TestEndTxnV2MovesToANewProducerIDWhenTheEpochIsExhausted(t *testing.T) {
	h := newHarness(t)
	pe, err := h.c.InitProducerID(ctx, "tx", minute, ProducerIDAndEpoch{-1, -1})
	wantCode(t, err, nil)
	s, err := h.c.shardFor("tx")
	wantCode(t, err, nil)
	last := int16(math.MaxInt16 - 1)
	s.mu.Lock()
	s.txns["tx"].producerEpoch = last
	s.mu.Unlock()
	wantCode(t, h.c.AddPartitionsFromProduce(ctx, "tx", pe.ProducerID, last, orders), nil)
	next, err := h.c.EndTxnV2(ctx, "tx", pe.ProducerID, last, false)
	wantCode(t, err, nil)
	if next.ProducerID == pe.ProducerID || next.Epoch != 0 {
		t.Fatalf("EndTxnV2 at epoch %d answered %+v, want a new producer id at epoch 0", last, next)
	}
	m := <-h.markers
	if m.Commit || m.ProducerID != pe.ProducerID || m.ProducerEpoch != math.MaxInt16 {
		t.Fatalf("markers %+v, want an abort of producer %d at epoch %d", m, pe.ProducerID, math.MaxInt16)
	}
	h.waitEvent(EventAbort)
	if tr, _ := h.c.Describe("tx"); tr.ProducerID != next.ProducerID || tr.ProducerEpoch != 0 || tr.State != CompleteAbort {
		t.Fatalf("after the markers: %+v, want producer %d at epoch 0, CompleteAbort", tr, next.ProducerID)
	}
	retry, err := h.c.EndTxnV2(ctx, "tx", pe.ProducerID, last, false)
	wantCode(t, err, nil)
	if retry != next {
		t.Fatalf("the retry answered %+v, want %+v", retry, next)
	}
	again, err := h.c.EndTxnV2(ctx, "tx", next.ProducerID, 0, false)
	wantCode(t, err, nil)
	if again != (ProducerIDAndEpoch{next.ProducerID, 1}) {
		t.Fatalf("an abort with the new producer id answered %+v, want epoch 1", again)
	}
}
