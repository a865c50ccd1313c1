package partition

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// replicaSet is one partition's replicas wired together in memory, with
// the test playing both the controller (elect, setISR) and the replica
// fetchers (fetch, catchUp). Nothing runs on its own: every exchange
// between leader and followers happens when the test calls for it, and
// time moves only with advance, so each test is a deterministic script of
// Kafka's replication protocol.
type replicaSet struct {
	t      *testing.T
	clock  *clock.Manual
	cfg    Config
	dirs   map[int32]segment.Dir
	r      map[int32]*Partition
	st     State
	fenced map[int32]bool
}

// testStart is the manual clock's starting reading.
var testStart = time.Unix(1_700_000_000, 0)

// newReplicaSet opens a replica on each of ids; ids[0] leads in epoch 0
// with every replica in the ISR.
func newReplicaSet(t *testing.T, cfg Config, ids ...int32) *replicaSet {
	t.Helper()
	s := &replicaSet{t: t, clock: clock.NewManual(testStart), cfg: cfg,
		dirs: map[int32]segment.Dir{}, r: map[int32]*Partition{}, fenced: map[int32]bool{}}
	for _, id := range ids {
		s.dirs[id] = segment.MemoryDir()
		s.open(id)
	}
	s.st = State{Leader: ids[0], LeaderEpoch: 0, PartitionEpoch: 0, Replicas: slices.Clone(ids), ISR: slices.Clone(ids)}
	s.publish()
	return s
}

// open (re)opens the replica on broker id from its directory, as a
// broker does at start.
func (s *replicaSet) open(id int32) *Partition {
	s.t.Helper()
	p, err := Open(Options{Topic: "t", Index: 0, BrokerID: id, Dir: s.dirs[id], Config: s.cfg, Clock: s.clock,
		ReplicaEligible: func(b int32) bool { return !s.fenced[b] }})
	if err != nil {
		s.t.Fatalf("opening replica on broker %d: %v", id, err)
	}
	s.r[id] = p
	s.t.Cleanup(func() { p.Close() })
	return p
}

// closeReplica closes the replica on broker id (its broker stops).
func (s *replicaSet) closeReplica(id int32) {
	s.t.Helper()
	if err := s.r[id].Close(); err != nil {
		s.t.Fatal(err)
	}
	delete(s.r, id)
}

func (s *replicaSet) publish() {
	for _, p := range s.r {
		p.ApplyState(s.st)
	}
}

// elect makes leader lead in a new leader epoch with the given ISR.
func (s *replicaSet) elect(leader int32, isr ...int32) {
	s.st.Leader, s.st.ISR = leader, slices.Clone(isr)
	s.st.LeaderEpoch++
	s.st.PartitionEpoch++
	s.publish()
}

// setISR changes the ISR in the current leader epoch (AlterPartition).
func (s *replicaSet) setISR(isr ...int32) {
	s.st.ISR = slices.Clone(isr)
	s.st.PartitionEpoch++
	s.publish()
}

func (s *replicaSet) leader() *Partition { return s.r[s.st.Leader] }

func (s *replicaSet) advance(d time.Duration) { s.clock.Advance(d) }

// records builds records stamped with the broker's clock.
func (s *replicaSet) records(values ...string) []record.Record {
	now := clock.Millis(s.clock.Now())
	rs := make([]record.Record, len(values))
	for i, v := range values {
		rs[i] = record.Record{Timestamp: now, Value: []byte(v)}
	}
	return rs
}

// batch is a plain producer batch.
func (s *replicaSet) batch(values ...string) []byte {
	s.t.Helper()
	b, err := record.Build(record.BatchOptions{}, s.records(values...))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// idempotentBatch is a batch from producer pid in epoch, numbered from seq.
func (s *replicaSet) idempotentBatch(pid int64, epoch int16, seq int32, values ...string) []byte {
	s.t.Helper()
	b, err := record.Build(record.BatchOptions{HasProducer: true, ProducerID: pid, ProducerEpoch: epoch, BaseSequence: seq}, s.records(values...))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// produce appends values as one batch to the leader with acks=1.
func (s *replicaSet) produce(values ...string) AppendResult {
	s.t.Helper()
	res, err := s.leader().AppendAsLeader(s.batch(values...), 1)
	if err != nil {
		s.t.Fatalf("producing %v: %v", values, err)
	}
	return res
}

// fetch runs one round of broker id's replica fetcher, as
// broker/fetcher.go does: fetch from the leader at the follower's log end
// offset, then truncate, reposition or append as the answer says.
func (s *replicaSet) fetch(id int32) (FollowerFetchResult, error) {
	s.t.Helper()
	f := s.r[id]
	pos := f.FetchPosition()
	res, err := s.leader().FetchForFollower(FollowerFetch{
		ReplicaID: id, FetchOffset: pos.FetchOffset, LastFetchedEpoch: pos.LastFetchedEpoch,
		CurrentLeaderEpoch: pos.LeaderEpoch, LogStartOffset: pos.LogStartOffset, MaxBytes: 1 << 20,
	})
	switch {
	case errors.Is(err, kerr.OffsetOutOfRange):
		if err := f.HandleOffsetOutOfRange(res.LogStartOffset, res.LogEndOffset); err != nil {
			s.t.Fatalf("broker %d repositioning: %v", id, err)
		}
		return res, err
	case err != nil:
		return res, err
	case res.Diverging != nil:
		if err := f.TruncateOnDivergence(*res.Diverging); err != nil {
			s.t.Fatalf("broker %d truncating: %v", id, err)
		}
		return res, nil
	}
	if err := f.AppendAsFollower(res.Records, pos.LeaderEpoch, res.HighWatermark, res.LogStartOffset); err != nil {
		s.t.Fatalf("broker %d appending as follower: %v", id, err)
	}
	return res, nil
}

// catchUp fetches for broker id until a round brings nothing new and the
// follower has learned the leader's high watermark. It returns the
// number of rounds taken.
func (s *replicaSet) catchUp(id int32) int {
	s.t.Helper()
	for round := 1; round <= 20; round++ {
		res, err := s.fetch(id)
		if err != nil {
			s.t.Fatalf("broker %d fetch round %d: %v", id, round, err)
		}
		_, hw, end := s.r[id].Offsets()
		_, leaderHW, leaderEnd := s.leader().Offsets()
		if res.Diverging == nil && len(res.Records) == 0 && end == leaderEnd && hw == leaderHW {
			return round
		}
	}
	s.t.Fatalf("broker %d did not catch up in 20 fetch rounds", id)
	return 0
}

// offsets returns broker id's log start offset, high watermark and log
// end offset.
func (s *replicaSet) offsets(id int32) (logStart, hw, logEnd int64) { return s.r[id].Offsets() }

// values returns the values of every record in broker id's log, with the
// leader epoch each was written in: "v@epoch".
func (s *replicaSet) values(id int32) []string {
	s.t.Helper()
	p := s.r[id]
	var out []string
	err := p.log.Batches(p.log.LogStartOffset(), func(b []byte, h record.Header) (bool, error) {
		rs, err := record.Records(b)
		if err != nil {
			return false, err
		}
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s@%d", r.Value, h.PartitionLeaderEpoch))
		}
		return true, nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// epochEntries returns broker id's leader epoch cache.
func (s *replicaSet) epochEntries(id int32) []epochEntry {
	return slices.Clone(s.r[id].epochs.entries)
}

// wantOffsets fails unless broker id has the given high watermark and
// log end offset.
func (s *replicaSet) wantOffsets(id int32, hw, logEnd int64) {
	s.t.Helper()
	_, gotHW, gotEnd := s.offsets(id)
	if gotHW != hw || gotEnd != logEnd {
		s.t.Fatalf("broker %d: high watermark %d, log end offset %d; want %d and %d", id, gotHW, gotEnd, hw, logEnd)
	}
}

// wantErr fails unless err carries Kafka error want (nil: no error).
func wantErr(t *testing.T, what string, err error, want *kerr.Error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: %v, want no error", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %s", what, err, want.Message)
	}
}
