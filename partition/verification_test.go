package partition

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// appendVerified appends a transactional batch under guard.
func (s *replicaSet) appendVerified(guard VerificationGuard, id int64, epoch int16, seq int32, values ...string) error {
	s.t.Helper()
	b, err := ParseProduceRecords(s.txnBatch(id, epoch, seq, values...))
	if err != nil {
		s.t.Fatal(err)
	}
	_, err = s.leader().AppendVerifiedBatchAsLeader(b, 1, guard)
	return err
}

// Only the first batch of a producer's transaction on a partition needs
// the coordinator: once the transaction is ongoing here at the batch's
// epoch, StartTxnVerification says so. After the marker, or at a new
// epoch, the next batch starts a new transaction and needs it again.
func TestTxnVerificationOnlyForTheFirstBatch(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	p := s.leader()
	g, needed := p.StartTxnVerification(7, 0)
	if !needed || g == 0 {
		t.Fatalf("first batch: needed %v guard %d, want a guard", needed, g)
	}
	if err := s.appendVerified(g, 7, 0, 0, "a"); err != nil {
		t.Fatal(err)
	}
	if _, needed := p.StartTxnVerification(7, 0); needed {
		t.Fatal("a batch of the ongoing transaction needs verification")
	}
	if _, needed := p.StartTxnVerification(7, 1); !needed {
		t.Fatal("a batch at a newer epoch does not need verification")
	}
	s.mustMarker(TxnMarker{ProducerID: 7, ProducerEpoch: 1, Commit: true, TransactionVersion: 2})
	if _, needed := p.StartTxnVerification(7, 1); !needed {
		t.Fatal("after the marker the next batch does not need verification")
	}
}

// A marker written while the coordinator was being asked ends the
// transaction the answer was about: the batch appended under the old
// guard would open a transaction nobody ends, and is refused with
// INVALID_TXN_STATE. A fresh guard appends.
func TestTxnVerificationGuardRefusesAfterAMarker(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	p := s.leader()
	g, _ := p.StartTxnVerification(7, 0)
	s.mustMarker(TxnMarker{ProducerID: 7, ProducerEpoch: 0, Commit: false})
	if err := s.appendVerified(g, 7, 0, 0, "late"); !errors.Is(err, kerr.InvalidTxnState) {
		t.Fatalf("append under a guard older than the marker: %v, want INVALID_TXN_STATE", err)
	}
	if _, _, end := p.Offsets(); end != 1 {
		t.Fatalf("log end offset %d, want 1 (the marker alone)", end)
	}
	g2, needed := p.StartTxnVerification(7, 0)
	if !needed {
		t.Fatal("no verification needed after the marker")
	}
	if err := s.appendVerified(g2, 7, 0, 0, "a"); err != nil {
		t.Fatalf("append under a fresh guard: %v", err)
	}
	// A guard taken for one producer is no other producer's.
	g3, _ := p.StartTxnVerification(8, 0)
	if err := s.appendVerified(g3, 9, 0, 0, "b"); !errors.Is(err, kerr.InvalidTxnState) {
		t.Fatalf("producer 9 under producer 8's guard: %v, want INVALID_TXN_STATE", err)
	}
}

// Under transaction version 2 the marker of a transaction carries the
// epoch of the producer's next one: a guard taken for the next
// transaction's first batch while that marker was on its way stays
// valid, whereas a version 1 marker at the guard's epoch ends it.
func TestTxnVerificationGuardSurvivesTheLastTransactionsV2Marker(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	p := s.leader()
	if err := s.appendVerified(0, 7, 0, 0, "a"); err != nil {
		t.Fatal(err)
	}
	g, needed := p.StartTxnVerification(7, 1)
	if !needed {
		t.Fatal("the next transaction's first batch needs no verification")
	}
	s.mustMarker(TxnMarker{ProducerID: 7, ProducerEpoch: 1, Commit: true, TransactionVersion: 2})
	if err := s.appendVerified(g, 7, 1, 0, "b"); err != nil {
		t.Fatalf("the next transaction's first batch after the version 2 marker: %v", err)
	}
	g2, _ := p.StartTxnVerification(8, 0)
	s.mustMarker(TxnMarker{ProducerID: 8, ProducerEpoch: 0, Commit: false, TransactionVersion: 1})
	if err := s.appendVerified(g2, 8, 0, 0, "c"); !errors.Is(err, kerr.InvalidTxnState) {
		t.Fatalf("a batch under a guard a version 1 marker ended: %v, want INVALID_TXN_STATE", err)
	}
}
