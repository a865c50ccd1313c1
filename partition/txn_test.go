package partition

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Transactions on the partition side, against Kafka's
// ProducerStateManager (ongoing and unreplicated transactions, the last
// stable offset), ProducerAppendInfo.appendEndTxnMarker and
// TransactionIndex.

// txnBatch is a transactional batch of producer id in epoch from seq.
func (s *replicaSet) txnBatch(id int64, epoch int16, seq int32, values ...string) []byte {
	s.t.Helper()
	b, err := record.Build(record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: id, ProducerEpoch: epoch, BaseSequence: seq}, s.records(values...))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

func (s *replicaSet) mustAppendTxn(id int64, epoch int16, seq int32, values ...string) AppendResult {
	s.t.Helper()
	res, err := s.leader().AppendAsLeader(s.txnBatch(id, epoch, seq, values...), 1)
	if err != nil {
		s.t.Fatalf("transactional batch of producer %d: %v", id, err)
	}
	return res
}

func (s *replicaSet) mustMarker(m TxnMarker) AppendResult {
	s.t.Helper()
	res, err := s.leader().AppendTxnMarker(m, 1)
	if err != nil {
		s.t.Fatalf("marker %+v: %v", m, err)
	}
	return res
}

func wantLSO(t *testing.T, p *Partition, want int64) {
	t.Helper()
	if got := p.LastStableOffset(); got != want {
		t.Fatalf("broker %d: last stable offset %d, want %d", p.BrokerID(), got, want)
	}
}

// The control batch is Kafka's EndTransactionMarker: one record whose key
// is version 0 and type 1 (COMMIT) or 0 (ABORT), whose value is version 0
// and the coordinator epoch, in a batch with the control and
// transactional bits, the producer's id and epoch and no sequence.
func TestTxnMarkerBytes(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendTxn(7, 3, 0, "a")
	res := s.mustMarker(TxnMarker{ProducerID: 7, ProducerEpoch: 3, Commit: true, CoordinatorEpoch: 9})
	if res.BaseOffset != 1 || res.LastOffset != 1 {
		t.Fatalf("marker at %d-%d, want 1-1", res.BaseOffset, res.LastOffset)
	}
	b, err := s.leader().ReadLog(1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	h, err := record.Check(b)
	if err != nil {
		t.Fatal(err)
	}
	if !h.IsControl() || !h.IsTransactional() || h.ProducerID != 7 || h.ProducerEpoch != 3 || h.BaseSequence != -1 || h.NumRecords != 1 {
		t.Fatalf("marker header %+v", h)
	}
	if attrs := binary.BigEndian.Uint16(b[21:]); attrs != 0x30 {
		t.Fatalf("attributes %#x, want 0x30 (transactional|control)", attrs)
	}
	recs, err := record.Records(b)
	if err != nil {
		t.Fatal(err)
	}
	if k, v := recs[0].Key, recs[0].Value; !slices.Equal(k, []byte{0, 0, 0, 1}) || !slices.Equal(v, []byte{0, 0, 0, 0, 0, 9}) {
		t.Fatalf("control record key %x value %x, want 00000001 and 000000000009", k, v)
	}
}

// The LSO stops at the first offset of the earliest open transaction and
// moves on once its marker is replicated to the ISR; a non-transactional
// write after an open transaction is readable only past it.
func TestLastStableOffsetFollowsOpenTransactions(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.produce("plain")              // 0
	s.mustAppendTxn(10, 0, 0, "a1") // 1
	s.mustAppendTxn(11, 0, 0, "b1") // 2
	s.mustAppendTxn(10, 0, 1, "a2") // 3
	s.catchUp(2)
	l := s.leader()
	wantLSO(t, l, 1)
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 0, Commit: true}) // 4
	wantLSO(t, l, 1)                                                        // marker not replicated yet
	s.catchUp(2)
	wantLSO(t, l, 2) // 11's transaction still open
	res, err := l.Read(ReadOptions{Offset: 0, MaxBytes: 1 << 20, CurrentLeaderEpoch: -1, Isolation: ReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	if res.LastStableOffset != 2 || upperBound(res.Records, 0) != 2 {
		t.Fatalf("read_committed: LSO %d, records up to %d; want 2 and 2", res.LastStableOffset, upperBound(res.Records, 0))
	}
	s.mustMarker(TxnMarker{ProducerID: 11, ProducerEpoch: 0, Commit: false}) // 5
	s.catchUp(2)
	wantLSO(t, l, 6)
	wantLSO(t, s.r[2], 6)
	lk, err := l.ListOffset(LatestTimestamp, ReadCommitted, -1)
	if err != nil || lk.Offset != 6 {
		t.Fatalf("ListOffsets latest read_committed: %+v %v, want 6", lk, err)
	}
}

// An aborted transaction goes into the transaction index with its range
// and the LSO at the time; a read_committed fetch returns the entries
// overlapping what it returns, and a follower and a reopened replica hold
// the same entries.
func TestAbortedTransactionsIndexed(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.mustAppendTxn(10, 0, 0, "a1")                           // 0
	s.mustAppendTxn(11, 0, 0, "b1")                           // 1
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 0}) // 2: abort while 11 is open
	s.mustMarker(TxnMarker{ProducerID: 11, ProducerEpoch: 0}) // 3
	s.produce("after")                                        // 4
	s.catchUp(2)
	want := []AbortedTxn{{ProducerID: 10, FirstOffset: 0, LastOffset: 2, LastStableOffset: 1}, {ProducerID: 11, FirstOffset: 1, LastOffset: 3, LastStableOffset: 4}}
	for _, id := range []int32{1, 2} {
		if got := s.r[id].AbortedTransactions(0); !slices.Equal(got, want) {
			t.Fatalf("broker %d aborted transactions %+v, want %+v", id, got, want)
		}
	}
	res, err := s.leader().Read(ReadOptions{Offset: 3, MaxBytes: 1 << 20, CurrentLeaderEpoch: -1, Isolation: ReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.AbortedTransactions, want[1:]) {
		t.Fatalf("fetch from 3: aborted %+v, want %+v", res.AbortedTransactions, want[1:])
	}
	res, _ = s.leader().Read(ReadOptions{Offset: 4, MaxBytes: 1 << 20, CurrentLeaderEpoch: -1, Isolation: ReadUncommitted})
	if res.AbortedTransactions != nil {
		t.Fatalf("read_uncommitted got aborted transactions %+v", res.AbortedTransactions)
	}
	s.closeReplica(2)
	s.open(2)
	if got := s.r[2].AbortedTransactions(0); !slices.Equal(got, want) {
		t.Fatalf("reopened: aborted transactions %+v, want %+v", got, want)
	}
}

// ProducerAppendInfo's marker checks: an older producer epoch is
// INVALID_PRODUCER_EPOCH, an older coordinator epoch is
// TRANSACTION_COORDINATOR_FENCED; under transaction version 2 a marker
// must carry a bumped epoch.
func TestTxnMarkerStaleEpochs(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendTxn(10, 2, 0, "a")
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 2, Commit: true, CoordinatorEpoch: 5})
	_, err := s.leader().AppendTxnMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 1, Commit: true, CoordinatorEpoch: 5}, 1)
	wantErr(t, "older producer epoch", err, kerr.InvalidProducerEpoch)
	_, err = s.leader().AppendTxnMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 2, Commit: true, CoordinatorEpoch: 4}, 1)
	wantErr(t, "older coordinator epoch", err, kerr.TransactionCoordinatorFenced)
	s.mustAppendTxn(10, 2, 1, "b")
	_, err = s.leader().AppendTxnMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 2, Commit: true, CoordinatorEpoch: 5, TransactionVersion: 2}, 1)
	wantErr(t, "TV2 marker without an epoch bump", err, kerr.InvalidProducerEpoch)
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 3, Commit: true, CoordinatorEpoch: 5, TransactionVersion: 2})
	_, err = s.leader().AppendTxnMarker(TxnMarker{ProducerID: -1, ProducerEpoch: 0}, 1)
	wantErr(t, "no producer id", err, kerr.InvalidRequest)
	ps := s.leader().ActiveProducers()
	if len(ps) != 1 || ps[0].ProducerEpoch != 3 || ps[0].CoordinatorEpoch != 5 || ps[0].CurrentTxnStartOffset != -1 {
		t.Fatalf("producers %+v", ps)
	}
}

// A producer with an open transaction may not write outside it
// (INVALID_TXN_STATE), and DescribeProducers' view shows the open
// transaction's start offset.
func TestOpenTransactionIntrospection(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.produce("x")
	s.mustAppendTxn(10, 0, 0, "a", "b")
	_, err := s.leader().AppendAsLeader(s.idempotentBatch(10, 0, 2, "c"), 1)
	wantErr(t, "non-transactional write inside a transaction", err, kerr.InvalidTxnState)
	ps := s.leader().ActiveProducers()
	if len(ps) != 1 || ps[0].ProducerID != 10 || ps[0].LastSequence != 1 || ps[0].CurrentTxnStartOffset != 1 || ps[0].CoordinatorEpoch != -1 {
		t.Fatalf("producers %+v", ps)
	}
}

// Truncating away a marker reopens its transaction.
func TestTruncationReopensTransaction(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.mustAppendTxn(10, 0, 0, "a") // 0
	s.catchUp(2)
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 0, Commit: true}) // 1, broker 1 only
	s.elect(2, 2)
	wantLSO(t, s.r[2], 0)
	s.produce("y") // 1 on broker 2
	s.catchUp(1)
	if ps := s.r[1].ActiveProducers(); len(ps) != 1 || ps[0].CurrentTxnStartOffset != 0 {
		t.Fatalf("broker 1 after truncation: producers %+v, want the transaction open at 0", ps)
	}
}

// Moving the log start past an aborted transaction's marker (retention,
// DeleteRecords) drops it from the index.
func TestAbortedTransactionsFollowLogStart(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.mustAppendTxn(10, 0, 0, "a")                            // 0
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 0}) // 1
	s.mustAppendTxn(10, 0, 1, "b")                            // 2
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 0}) // 3
	if _, err := s.leader().DeleteRecordsBefore(2); err != nil {
		t.Fatal(err)
	}
	if got := s.leader().AbortedTransactions(0); len(got) != 1 || got[0].FirstOffset != 2 {
		t.Fatalf("aborted transactions after the log start moved to 2: %+v, want only the one from 2", got)
	}
}

// The .txnindex file beside the segment holds Kafka's 34-byte AbortedTxn
// entries, on the leader and the follower alike; truncating the log away
// from a marker removes its entry.
func TestTxnIndexFile(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1, 2)
	s.mustAppendTxn(10, 0, 0, "a")                            // 0
	s.mustAppendTxn(11, 0, 0, "b")                            // 1
	s.mustMarker(TxnMarker{ProducerID: 10, ProducerEpoch: 0}) // 2
	s.catchUp(2)
	want := []byte{0, 0 /* pid */, 0, 0, 0, 0, 0, 0, 0, 10 /* first */, 0, 0, 0, 0, 0, 0, 0, 0,
		/* last */ 0, 0, 0, 0, 0, 0, 0, 2 /* lso */, 0, 0, 0, 0, 0, 0, 0, 1}
	name := segment.FileName(0, segment.TxnIndexSuffix)
	for _, id := range []int32{1, 2} {
		got, err := segment.ReadFile(s.dirs[id], name)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("broker %d %s: %x (%v), want %x", id, name, got, err, want)
		}
	}
	s.mustMarker(TxnMarker{ProducerID: 11, ProducerEpoch: 0}) // 3, broker 1 only
	if got, _ := segment.ReadFile(s.dirs[1], name); len(got) != 68 {
		t.Fatalf("leader's index after a second abort: %d bytes, want 68", len(got))
	}
	s.elect(2, 2)
	s.produce("x") // 3 on broker 2
	s.catchUp(1)   // broker 1 truncates its marker at 3 away
	if got, err := segment.ReadFile(s.dirs[1], name); err != nil || !slices.Equal(got, want) {
		t.Fatalf("broker 1 after truncation: %x (%v), want %x", got, err, want)
	}
}
