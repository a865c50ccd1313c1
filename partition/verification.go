package partition

// Transaction verification guards (KIP-890 part 1; Kafka's
// VerificationGuard in ProducerStateManager and UnifiedLog).
//
// Before a leader appends a producer's first transactional batch of a
// transaction, it asks the transaction coordinator whether the partition
// is in the producer's open transaction (or, under transaction version
// 2, has the coordinator add it). The answer arrives later, and in
// between the transaction may end: a marker written meanwhile would make
// the batch, appended afterwards, the start of a transaction the
// coordinator does not know, one that nothing would ever end (a hanging
// transaction, which holds the last stable offset back for good).
//
// The guard closes that window. StartTxnVerification hands out a fresh
// guard and remembers it for the producer; a marker for the producer
// forgets it; AppendVerifiedBatchAsLeader appends a transactional batch
// that does not continue the producer's ongoing transaction only while
// the producer's remembered guard is still the one it was given, else
// INVALID_TXN_STATE. A batch of an ongoing transaction (same producer
// epoch, the transaction already started here) needs no guard and no
// question to the coordinator: this is why only the first batch of a
// transaction on each partition is verified.

import (
	"sync/atomic"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// A VerificationGuard ties a coordinator's answer to the moment it was
// asked for. The zero guard means that no verification was needed.
type VerificationGuard uint64

// verificationGuards numbers the guards of every partition: a guard is
// never handed out twice.
var verificationGuards atomic.Uint64

// StartTxnVerification says whether a transactional batch of producerID
// at epoch must be verified with the coordinator before it is appended.
// needed is false when the producer's transaction at that epoch is
// already ongoing on this partition; otherwise the returned guard is to
// be passed to AppendVerifiedBatchAsLeader once the coordinator agreed.
func (p *Partition) StartTxnVerification(producerID int64, epoch int16) (guard VerificationGuard, needed bool) {
	if producerID < 0 {
		return 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hasOngoingTxnLocked(producerID, epoch) {
		return 0, false
	}
	if p.verifying == nil {
		p.verifying = map[int64]verification{}
	}
	g := VerificationGuard(verificationGuards.Add(1))
	p.verifying[producerID] = verification{g, epoch}
	return g, true
}

// AppendVerifiedBatchAsLeader is AppendBatchAsLeader for a transactional
// batch verified under guard (StartTxnVerification): unless the batch
// continues the producer's ongoing transaction, the guard must still be
// the producer's, that is no marker for the producer was written since
// the coordinator was asked, else INVALID_TXN_STATE. A zero guard
// appends as AppendBatchAsLeader does.
func (p *Partition) AppendVerifiedBatchAsLeader(b Batch, requiredAcks int16, guard VerificationGuard) (AppendResult, error) {
	if guard == 0 {
		return p.AppendBatchAsLeader(b, requiredAcks)
	}
	cfg := p.Config()
	now := p.nowMs()
	v, err := validate(b, cfg, now)
	if err != nil {
		return noAppend, err
	}
	check := func(v validated) error {
		h := v.header
		if !h.IsTransactional() || p.hasOngoingTxnLocked(h.ProducerID, h.ProducerEpoch) {
			return nil
		}
		if p.verifying[h.ProducerID].guard != guard {
			return kafkaerr.New(kerr.InvalidTxnState, "the transaction of producer %d on %s-%d ended while the batch was being verified", h.ProducerID, p.topic, p.index)
		}
		return nil
	}
	return p.appendValidated(v, FromClient, requiredAcks, cfg, now, check)
}

// hasOngoingTxnLocked: the producer, at epoch, has a transaction open on
// this partition. Callers hold p.mu.
func (p *Partition) hasOngoingTxnLocked(producerID int64, epoch int16) bool {
	e := p.producers.entries[producerID]
	return e != nil && e.epoch == epoch && e.currentTxnFirstOffset >= 0
}

// verification is a producer's guard and the epoch of the batch it was
// taken for.
type verification struct {
	guard VerificationGuard
	epoch int16
}

// endVerificationLocked forgets the producer's guard when m ends the
// transaction the guard was taken for: a transaction of an older epoch,
// or of the same epoch under transaction version 1. Under version 2 a
// marker carries the epoch after its transaction's, which is the epoch of
// the producer's next transaction: a guard taken for that one's first
// batch while the marker was on its way stays. Callers hold p.mu.
func (p *Partition) endVerificationLocked(m TxnMarker) {
	v, ok := p.verifying[m.ProducerID]
	if !ok {
		return
	}
	if v.epoch < m.ProducerEpoch || (v.epoch == m.ProducerEpoch && m.TransactionVersion < 2) {
		delete(p.verifying, m.ProducerID)
	}
}
