package partition

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Producer state snapshots and .txnindex read back, against Kafka's
// ProducerStateManager (takeSnapshot, truncateAndReload, loadFromSnapshot,
// isProducerExpired) and UnifiedLog.roll/close.

// oneBatchSegments rolls a segment before every batch, so each batch
// has a segment, and a snapshot at its base, of its own.
func oneBatchSegments() Config {
	cfg := DefaultConfig()
	cfg.Segment.SegmentBytes = 100 // fits one batch of these tests, not two
	return cfg
}

func (s *replicaSet) idem(pid int64, seq int32, values ...string) AppendResult {
	s.t.Helper()
	res, err := s.leader().AppendAsLeader(s.idempotentBatch(pid, 0, seq, values...), 1)
	if err != nil {
		s.t.Fatalf("producer %d sequence %d: %v", pid, seq, err)
	}
	return res
}

// snapshotAt reads a snapshot file of replica id's directory.
func (s *replicaSet) snapshotAt(id int32, offset int64) []segment.ProducerSnapshotEntry {
	s.t.Helper()
	b, err := segment.ReadFile(s.dirs[id], segment.FileName(offset, segment.SnapshotSuffix))
	if err != nil {
		s.t.Fatalf("snapshot at %d: %v", offset, err)
	}
	entries, err := segment.DecodeProducerSnapshot(b)
	if err != nil {
		s.t.Fatalf("snapshot at %d: %v", offset, err)
	}
	return entries
}

func (s *replicaSet) snapshotOffsets(id int32) []int64 {
	s.t.Helper()
	names, err := s.dirs[id].Names()
	if err != nil {
		s.t.Fatal(err)
	}
	var out []int64
	for _, n := range names {
		if base, ok := strings.CutSuffix(n, segment.SnapshotSuffix); ok {
			var off int64
			for _, c := range base {
				off = off*10 + int64(c-'0')
			}
			out = append(out, off)
		}
	}
	return out
}

func (s *replicaSet) writeSnapshot(id int32, offset int64, entries ...segment.ProducerSnapshotEntry) {
	s.t.Helper()
	if err := segment.WriteFileAtomic(s.dirs[id], segment.FileName(offset, segment.SnapshotSuffix), segment.EncodeProducerSnapshot(entries)); err != nil {
		s.t.Fatal(err)
	}
}

// crash closes replica id without the clean close's snapshot.
func (s *replicaSet) crash(id int32) {
	s.t.Helper()
	if err := s.r[id].Abandon(); err != nil {
		s.t.Fatal(err)
	}
	delete(s.r, id)
}

// openLogged reopens replica id with its log written to the returned
// buffer.
func (s *replicaSet) openLogged(id int32) *bytes.Buffer {
	s.t.Helper()
	var buf bytes.Buffer
	p, err := Open(Options{Topic: "t", Index: 0, BrokerID: id, Dir: s.dirs[id], Config: s.cfg, Clock: s.clock,
		Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		s.t.Fatalf("opening replica on broker %d: %v", id, err)
	}
	s.r[id] = p
	s.t.Cleanup(func() { p.Close() })
	s.publish()
	return &buf
}

func producerIDs(p *Partition) []int64 {
	var out []int64
	for _, pi := range p.ActiveProducers() {
		out = append(out, pi.ProducerID)
	}
	return out
}

func producer(t *testing.T, p *Partition, pid int64) ProducerInfo {
	t.Helper()
	for _, pi := range p.ActiveProducers() {
		if pi.ProducerID == pid {
			return pi
		}
	}
	t.Fatalf("producer %d not in %v", pid, producerIDs(p))
	return ProducerInfo{}
}

// A roll snapshots the state at the new segment's base offset, a clean
// close at the log end offset; each entry is Kafka's: the last batch's
// sequence, offset and offset delta, the last timestamp, the coordinator
// epoch and the open transaction's first offset.
func TestProducerSnapshotAtRollsAndCleanClose(t *testing.T) {
	s := newReplicaSet(t, oneBatchSegments(), 1)
	now := clock.Millis(s.clock.Now())
	s.idem(1000, 0, "a", "b") // 0-1
	s.idem(2000, 7, "c")      // 2
	s.mustAppendTxn(3000, 4, 0, "d")
	if got := s.snapshotOffsets(1); !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("snapshots at %v before the close, want [2 3] (the rolls to segments 2 and 3)", got)
	}
	p1000 := segment.ProducerSnapshotEntry{ProducerID: 1000, Epoch: 0, LastSequence: 1, LastOffset: 1, OffsetDelta: 1,
		Timestamp: now, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}
	p2000 := segment.ProducerSnapshotEntry{ProducerID: 2000, Epoch: 0, LastSequence: 7, LastOffset: 2, OffsetDelta: 0,
		Timestamp: now, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}
	p3000 := segment.ProducerSnapshotEntry{ProducerID: 3000, Epoch: 4, LastSequence: 0, LastOffset: 3, OffsetDelta: 0,
		Timestamp: now, CoordinatorEpoch: -1, CurrentTxnFirstOffset: 3}
	if got := s.snapshotAt(1, 2); !slices.Equal(got, []segment.ProducerSnapshotEntry{p1000}) {
		t.Fatalf("snapshot at 2: %+v", got)
	}
	if got := s.snapshotAt(1, 3); !slices.Equal(got, []segment.ProducerSnapshotEntry{p1000, p2000}) {
		t.Fatalf("snapshot at 3: %+v", got)
	}
	s.closeReplica(1)
	if got := s.snapshotAt(1, 4); !slices.Equal(got, []segment.ProducerSnapshotEntry{p1000, p2000, p3000}) {
		t.Fatalf("snapshot at the log end after a clean close: %+v", got)
	}
}

// A reopened replica loads its latest snapshot and replays only the
// batches after it: a producer that only the snapshot knows is loaded,
// and the batch after the snapshot is applied on top of it.
func TestReopenLoadsSnapshotThenReplaysAfterIt(t *testing.T) {
	s := newReplicaSet(t, oneBatchSegments(), 1)
	s.idem(1000, 0, "a") // 0
	s.idem(1000, 1, "b") // 1, after the roll's snapshot at 1
	s.crash(1)
	// A snapshot that no replay of the log could produce: producer 9
	// and an epoch-3 producer 1000.
	s.writeSnapshot(1, 1,
		segment.ProducerSnapshotEntry{ProducerID: 9, Epoch: 2, LastSequence: 4, LastOffset: 0, Timestamp: clock.Millis(s.clock.Now()), CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
		segment.ProducerSnapshotEntry{ProducerID: 1000, Epoch: 0, LastSequence: 0, LastOffset: 0, Timestamp: clock.Millis(s.clock.Now()), CoordinatorEpoch: 5, CurrentTxnFirstOffset: -1})
	logged := s.openLogged(1)
	if got := producerIDs(s.r[1]); !slices.Equal(got, []int64{9, 1000}) {
		t.Fatalf("producers %v, want [9 1000] (9 from the snapshot)", got)
	}
	if pi := producer(t, s.r[1], 1000); pi.LastSequence != 1 || pi.CoordinatorEpoch != 5 {
		t.Fatalf("producer 1000 %+v: want last sequence 1 (replayed) and coordinator epoch 5 (the snapshot's)", pi)
	}
	if !strings.Contains(logged.String(), "loaded producer state from snapshot") {
		t.Fatalf("no note of the snapshot loaded in %q", logged)
	}
	// The replay's end is snapshotted, so the next open replays nothing.
	if got := s.snapshotOffsets(1); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("snapshots at %v after reopening, want [1 2]", got)
	}
	s.idem(1000, 2, "c")
}

// A corrupt snapshot is deleted with a warning and the next older one is
// used; with none left the state comes from the whole log.
func TestCorruptSnapshotIgnored(t *testing.T) {
	s := newReplicaSet(t, oneBatchSegments(), 1)
	s.idem(1000, 0, "a") // 0
	s.idem(1000, 1, "b") // 1
	s.idem(1000, 2, "c") // 2
	s.crash(1)
	s.writeSnapshot(1, 1, segment.ProducerSnapshotEntry{ProducerID: 9, LastSequence: -1, LastOffset: -1,
		Timestamp: clock.Millis(s.clock.Now()), CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1})
	b, err := segment.ReadFile(s.dirs[1], segment.FileName(2, segment.SnapshotSuffix))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := segment.WriteFileAtomic(s.dirs[1], segment.FileName(2, segment.SnapshotSuffix), b); err != nil {
		t.Fatal(err)
	}
	logged := s.openLogged(1)
	if !strings.Contains(logged.String(), "ignoring a corrupt producer snapshot") {
		t.Fatalf("no warning of the corrupt snapshot in %q", logged)
	}
	if got := producerIDs(s.r[1]); !slices.Equal(got, []int64{9, 1000}) {
		t.Fatalf("producers %v, want [9 1000]: the snapshot at 1 used", got)
	}
	if got := producer(t, s.r[1], 1000); got.LastSequence != 2 {
		t.Fatalf("producer 1000 %+v, want last sequence 2", got)
	}

	// Both damaged: rebuilt from the log, which knows no producer 9.
	s.crash(1)
	for _, off := range s.snapshotOffsets(1) {
		if err := segment.WriteFileAtomic(s.dirs[1], segment.FileName(off, segment.SnapshotSuffix), []byte{0, 1, 0}); err != nil {
			t.Fatal(err)
		}
	}
	s.openLogged(1)
	if got := producerIDs(s.r[1]); !slices.Equal(got, []int64{1000}) {
		t.Fatalf("producers %v after every snapshot was damaged, want [1000]", got)
	}
	if got := producer(t, s.r[1], 1000); got.LastSequence != 2 {
		t.Fatalf("producer 1000 %+v, want last sequence 2", got)
	}
	s.idem(1000, 3, "d")
}

// Truncation deletes the snapshots beyond the new log end and reloads
// the state from the latest one left, replaying the rest.
func TestTruncationReloadsFromSnapshot(t *testing.T) {
	s := newReplicaSet(t, oneBatchSegments(), 1)
	for seq := range int32(4) {
		s.idem(1000, seq, "v") // offsets 0..3, snapshots at 1, 2, 3
	}
	// A marker of the loaded snapshot: producer 9 exists only in it.
	s.writeSnapshot(1, 1, segment.ProducerSnapshotEntry{ProducerID: 9, LastSequence: -1, LastOffset: -1,
		Timestamp: clock.Millis(s.clock.Now()), CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
		segment.ProducerSnapshotEntry{ProducerID: 1000, LastSequence: 0, LastOffset: 0,
			Timestamp: clock.Millis(s.clock.Now()), CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1})
	// The snapshot at 2 is damaged, so the reload falls back to 1.
	if err := segment.WriteFileAtomic(s.dirs[1], segment.FileName(2, segment.SnapshotSuffix), []byte{0, 9}); err != nil {
		t.Fatal(err)
	}
	p := s.r[1]
	p.mu.Lock()
	err := p.truncateTo(2, "test")
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.snapshotOffsets(1); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("snapshots at %v after truncating to 2, want [1 2] (3 gone with its segment, 2 rewritten)", got)
	}
	if got := producerIDs(p); !slices.Equal(got, []int64{9, 1000}) {
		t.Fatalf("producers %v, want [9 1000]: reloaded from the snapshot at 1", got)
	}
	_, err = s.leader().AppendAsLeader(s.idempotentBatch(1000, 0, 4, "v"), 1)
	wantErr(t, "the sequence after the truncated batches", err, kerr.OutOfOrderSequenceNumber)
	if res := s.idem(1000, 2, "w"); res.BaseOffset != 2 {
		t.Fatalf("next batch at %d, want 2", res.BaseOffset)
	}
}

// An open transaction is in the snapshot (currentTxnFirstOffset): after
// a clean close and reopen the LSO still stops at it, and its ABORT
// marker still indexes it.
func TestOpenTransactionSurvivesSnapshot(t *testing.T) {
	s := newReplicaSet(t, DefaultConfig(), 1)
	s.produce("x")                      // 0
	s.mustAppendTxn(7, 0, 0, "t1")      // 1
	s.mustAppendTxn(7, 0, 1, "t2", "t") // 2-3
	s.produce("y")                      // 4
	wantLSO(t, s.r[1], 1)
	s.closeReplica(1)
	s.openLogged(1)
	if got := s.r[1].ActiveProducers(); len(got) != 1 || got[0].CurrentTxnStartOffset != 1 {
		t.Fatalf("producers after reopening %+v, want producer 7 with its transaction open at 1", got)
	}
	wantLSO(t, s.r[1], 1)
	s.mustMarker(TxnMarker{ProducerID: 7, ProducerEpoch: 0, CoordinatorEpoch: 3})
	wantLSO(t, s.r[1], 6)
	want := []AbortedTxn{{ProducerID: 7, FirstOffset: 1, LastOffset: 5, LastStableOffset: 6}}
	if got := s.r[1].AbortedTransactions(0); !slices.Equal(got, want) {
		t.Fatalf("aborted transactions %+v, want %+v", got, want)
	}
}

// Below the snapshot the aborted transactions come from the .txnindex
// files, not from the batches; an index that does not fit its segment is
// not trusted: the state is rebuilt from the log and the index rewritten.
func TestTxnIndexReadBackBelowSnapshot(t *testing.T) {
	s := newReplicaSet(t, oneBatchSegments(), 1)
	s.mustAppendTxn(7, 0, 0, "t")                            // 0
	s.mustMarker(TxnMarker{ProducerID: 7, ProducerEpoch: 0}) // 1: ABORT, in segment 1's index
	s.produce("after")                                       // 2
	s.closeReplica(1)
	index := segment.FileName(1, segment.TxnIndexSuffix)
	orig, err := segment.ReadFile(s.dirs[1], index)
	if err != nil {
		t.Fatal(err)
	}
	want := []AbortedTxn{{ProducerID: 7, FirstOffset: 0, LastOffset: 1, LastStableOffset: 2}}
	if got, _ := segment.DecodeTxnIndex(orig); !slices.Equal(got, want) {
		t.Fatalf("segment 1's index %+v, want %+v", got, want)
	}

	// A consistent entry the log would not give (another LSO): it is
	// what the reopened replica returns, so it was read from the file.
	tampered := slices.Clone(orig)
	tampered[len(tampered)-1] = 1
	if err := segment.WriteFileAtomic(s.dirs[1], index, tampered); err != nil {
		t.Fatal(err)
	}
	s.openLogged(1)
	if got := s.r[1].AbortedTransactions(0); len(got) != 1 || got[0].LastStableOffset != 1 {
		t.Fatalf("aborted transactions %+v, want the index's entry (last stable offset 1)", got)
	}
	s.closeReplica(1)

	// A torn index: rebuilt from the log, and the file made whole.
	if err := segment.WriteFileAtomic(s.dirs[1], index, orig[:33]); err != nil {
		t.Fatal(err)
	}
	logged := s.openLogged(1)
	if !strings.Contains(logged.String(), "rebuilding the producer state and transaction indexes from the log") {
		t.Fatalf("no note of the rebuild in %q", logged)
	}
	if got := s.r[1].AbortedTransactions(0); !slices.Equal(got, want) {
		t.Fatalf("aborted transactions after the rebuild %+v, want %+v", got, want)
	}
	if b, _ := segment.ReadFile(s.dirs[1], index); !bytes.Equal(b, orig) {
		t.Fatalf("index after the rebuild %x, want %x", b, orig)
	}

	// An entry outside its segment is not trusted either.
	s.closeReplica(1)
	if err := segment.WriteFileAtomic(s.dirs[1], segment.FileName(2, segment.TxnIndexSuffix), orig); err != nil {
		t.Fatal(err)
	}
	s.openLogged(1)
	if s.dirs[1].Exists(segment.FileName(2, segment.TxnIndexSuffix)) {
		t.Fatal("the misplaced index of segment 2 was kept")
	}
	if got := s.r[1].AbortedTransactions(0); !slices.Equal(got, want) {
		t.Fatalf("aborted transactions %+v, want %+v", got, want)
	}
}

// producer.id.expiration.ms: a producer without an open transaction is
// forgotten once its last timestamp is that old, by the periodic check
// and when a snapshot is loaded; a late batch of an expired producer is
// taken as a new producer's.
func TestProducerIDExpiration(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ProducerIDExpirationMs = 60000
	s := newReplicaSet(t, cfg, 1)
	first := s.idem(1000, 0, "a")
	s.idem(2000, 0, "b")
	s.mustAppendTxn(3000, 0, 0, "open")
	s.advance(30 * time.Second)
	s.idem(2000, 1, "c")
	s.advance(30*time.Second - time.Millisecond)
	if n := s.r[1].RemoveExpiredProducers(); n != 0 {
		t.Fatalf("%d producers expired 1 ms early", n)
	}
	s.advance(time.Millisecond)
	if n := s.r[1].RemoveExpiredProducers(); n != 1 {
		t.Fatalf("%d producers expired, want 1", n)
	}
	if got := producerIDs(s.r[1]); !slices.Equal(got, []int64{2000, 3000}) {
		t.Fatalf("producers %v, want [2000 3000] (3000's transaction is open)", got)
	}
	// Producer 1000 is unknown now: its retry is written again, and any
	// sequence is accepted (KIP-360).
	if res := s.idem(1000, 0, "a"); res.BaseOffset == first.BaseOffset {
		t.Fatal("the expired producer's retry was taken as a duplicate")
	}
	s.idem(1000, 1, "b")

	// A snapshot's expired producers are not loaded.
	s.closeReplica(1)
	s.advance(time.Minute)
	s.openLogged(1)
	if got := producerIDs(s.r[1]); !slices.Equal(got, []int64{3000}) {
		t.Fatalf("producers after reopening %v, want [3000]", got)
	}
}
