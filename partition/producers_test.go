package partition

import (
	"math"
	"testing"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Idempotent producer state (KIP-98), against Kafka's ProducerAppendInfo
// (checkProducerEpoch, checkSequence) and ProducerStateEntry
// (findDuplicateBatch, NUM_BATCHES_TO_RETAIN = 5).

const pid = 4000

// appendIdem appends a batch of n records from producer pid.
func (s *replicaSet) appendIdem(epoch int16, seq int32, n int) (AppendResult, error) {
	values := make([]string, n)
	for i := range values {
		values[i] = "r"
	}
	return s.leader().AppendAsLeader(s.idempotentBatch(pid, epoch, seq, values...), 1)
}

func (s *replicaSet) mustAppendIdem(epoch int16, seq int32, n int) AppendResult {
	s.t.Helper()
	res, err := s.appendIdem(epoch, seq, n)
	if err != nil {
		s.t.Fatalf("epoch %d sequence %d (%d records): %v", epoch, seq, n, err)
	}
	return res
}

// A retry of any of the producer's last five batches is answered with the
// offsets it got the first time and not written again; a retry of an
// older batch can no longer be recognised and is out of order.
func TestIdempotentRetryOfRecentBatchIsNotWrittenTwice(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	type sent struct {
		seq   int32
		n     int
		first int64
	}
	var batches []sent
	for _, b := range []struct {
		seq int32
		n   int
	}{{0, 2}, {2, 1}, {3, 3}, {6, 1}, {7, 1}, {8, 2}} {
		res := s.mustAppendIdem(0, b.seq, b.n)
		batches = append(batches, sent{b.seq, b.n, res.BaseOffset})
	}
	_, _, end := s.offsets(1)
	if end != 10 {
		t.Fatalf("log end offset %d after 10 records", end)
	}
	for _, b := range batches[1:] {
		res := s.mustAppendIdem(0, b.seq, b.n)
		if res.BaseOffset != b.first || res.LastOffset != b.first+int64(b.n)-1 || res.LogStartOffset != 0 {
			t.Errorf("retry of sequence %d: offsets %d-%d (log start %d), want the original %d-%d",
				b.seq, res.BaseOffset, res.LastOffset, res.LogStartOffset, b.first, b.first+int64(b.n)-1)
		}
	}
	if _, _, got := s.offsets(1); got != end {
		t.Fatalf("retries were written: log end offset %d, want %d", got, end)
	}
	_, err := s.appendIdem(0, batches[0].seq, batches[0].n)
	wantErr(t, "retry of the sixth-newest batch", err, kerr.OutOfOrderSequenceNumber)
	// Same first sequence, different length: not the same batch.
	_, err = s.appendIdem(0, 8, 1)
	wantErr(t, "batch overlapping the last one", err, kerr.OutOfOrderSequenceNumber)
	if _, _, got := s.offsets(1); got != end {
		t.Fatalf("refused batches were written: log end offset %d, want %d", got, end)
	}
}

func TestIdempotentSequenceGapIsRefused(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendIdem(0, 0, 3)
	_, err := s.appendIdem(0, 4, 1) // 3 was never sent
	wantErr(t, "sequence 4 after 0-2", err, kerr.OutOfOrderSequenceNumber)
	if res := s.mustAppendIdem(0, 3, 1); res.BaseOffset != 3 {
		t.Fatalf("sequence 3 at offset %d, want 3", res.BaseOffset)
	}
	// Plain batches (no producer id) are not numbered and never refused.
	if _, err := s.leader().AppendAsLeader(s.batch("plain"), 1); err != nil {
		t.Fatal(err)
	}
}

// A producer's first batch on a partition may carry any sequence: the
// leader knows nothing of it (a new producer, or its records were deleted),
// as Kafka accepts since KIP-360.
func TestIdempotentUnknownProducerStartsAnywhere(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendIdem(0, 42, 1)
	_, err := s.appendIdem(0, 44, 1)
	wantErr(t, "a gap after the first batch", err, kerr.OutOfOrderSequenceNumber)
	s.mustAppendIdem(0, 43, 1)
}

func TestIdempotentProducerEpochs(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendIdem(1, 0, 2)
	_, err := s.appendIdem(0, 2, 1)
	wantErr(t, "older epoch", err, kerr.InvalidProducerEpoch)
	_, err = s.appendIdem(2, 2, 1)
	wantErr(t, "new epoch not starting at 0", err, kerr.OutOfOrderSequenceNumber)
	if res := s.mustAppendIdem(2, 0, 1); res.BaseOffset != 2 {
		t.Fatalf("epoch 2 sequence 0 at offset %d, want 2", res.BaseOffset)
	}
	// The old epoch's batch is no duplicate any more: the producer was
	// fenced by its own successor.
	_, err = s.appendIdem(1, 0, 2)
	wantErr(t, "retry from the previous epoch", err, kerr.InvalidProducerEpoch)
	s.mustAppendIdem(2, 1, 1)
}

// Sequences wrap from MaxInt32 to 0 (DefaultRecordBatch.incrementSequence).
func TestIdempotentSequenceWraps(t *testing.T) {
	h := record.Header{BaseSequence: math.MaxInt32 - 1, LastOffsetDelta: 2}
	if got := lastSequence(h); got != 0 {
		t.Fatalf("last sequence of 3 records from MaxInt32-1: %d, want 0", got)
	}
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendIdem(0, math.MaxInt32-3, 2)            // ..-3, ..-2
	wrapped := s.mustAppendIdem(0, math.MaxInt32-1, 3) // ..-1, MaxInt32, 0
	if res := s.mustAppendIdem(0, math.MaxInt32-1, 3); res.BaseOffset != wrapped.BaseOffset {
		t.Fatalf("retry of the wrapping batch at %d, want %d", res.BaseOffset, wrapped.BaseOffset)
	}
	_, err := s.appendIdem(0, 0, 1)
	wantErr(t, "sequence 0 again after the wrap", err, kerr.OutOfOrderSequenceNumber)
	s.mustAppendIdem(0, 1, 1)

	s2 := newReplicaSet(t, DefaultConfig(), 1)
	s2.mustAppendIdem(0, math.MaxInt32, 1)
	s2.mustAppendIdem(0, 0, 1) // the sequence after MaxInt32
}

// A replica opened after a crash (no snapshot at the log end) rebuilds
// the producer state from the batches, so retries sent before the crash
// are still recognised and gaps still refused.
func TestProducerStateRebuiltFromLog(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	first := s.mustAppendIdem(0, 0, 2)
	s.mustAppendIdem(0, 2, 1)
	if err := s.r[1].Abandon(); err != nil {
		t.Fatal(err)
	}
	delete(s.r, 1)
	s.open(1)
	s.publish()
	if res := s.mustAppendIdem(0, 0, 2); res.BaseOffset != first.BaseOffset {
		t.Fatalf("retry after reopening written at %d, want the original %d", res.BaseOffset, first.BaseOffset)
	}
	_, err := s.appendIdem(0, 5, 1)
	wantErr(t, "gap after reopening", err, kerr.OutOfOrderSequenceNumber)
	if res := s.mustAppendIdem(0, 3, 1); res.BaseOffset != 3 {
		t.Fatalf("next batch at %d, want 3", res.BaseOffset)
	}
}

// A replica closed cleanly reopens from the snapshot at its log end,
// which keeps each producer's last batch only, as Kafka's does: a retry
// of that batch is still recognised, a retry of an older one is out of
// order, and gaps are still refused.
func TestProducerStateFromCleanCloseSnapshot(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendIdem(0, 0, 2)
	last := s.mustAppendIdem(0, 2, 1)
	s.closeReplica(1)
	if !s.dirs[1].Exists(segment.FileName(3, segment.SnapshotSuffix)) {
		t.Fatal("no producer snapshot at the log end after a clean close")
	}
	s.open(1)
	s.publish()
	if res := s.mustAppendIdem(0, 2, 1); res.BaseOffset != last.BaseOffset {
		t.Fatalf("retry of the last batch after reopening written at %d, want the original %d", res.BaseOffset, last.BaseOffset)
	}
	_, err := s.appendIdem(0, 0, 2)
	wantErr(t, "retry of an older batch after reopening", err, kerr.OutOfOrderSequenceNumber)
	_, err = s.appendIdem(0, 5, 1)
	wantErr(t, "gap after reopening", err, kerr.OutOfOrderSequenceNumber)
	if res := s.mustAppendIdem(0, 3, 1); res.BaseOffset != 3 {
		t.Fatalf("next batch at %d, want 3", res.BaseOffset)
	}
}

// Followers rebuild the producer state from the batches they copy, so the
// rules hold on the new leader after a failover.
func TestProducerStateSurvivesFailover(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	first := s.mustAppendIdem(0, 0, 2)
	s.mustAppendIdem(0, 2, 1)
	s.catchUp(2)
	s.elect(2, 2)
	if res := s.mustAppendIdem(0, 0, 2); res.BaseOffset != first.BaseOffset {
		t.Fatalf("retry on the new leader written at %d, want the original %d", res.BaseOffset, first.BaseOffset)
	}
	_, err := s.appendIdem(0, 4, 1)
	wantErr(t, "gap on the new leader", err, kerr.OutOfOrderSequenceNumber)
	if res := s.mustAppendIdem(0, 3, 1); res.BaseOffset != 3 {
		t.Fatalf("next batch on the new leader at %d, want 3", res.BaseOffset)
	}
}
