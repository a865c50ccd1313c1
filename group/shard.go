package group

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// shard is the coordinator of one __consumer_offsets partition: the
// groups and committed offsets stored in it, the timers that drive them
// (session timeouts, rebalance timeouts, offset expiry) and the writes in
// flight to its log.
//
// Everything a shard does happens under its lock, one operation at a
// time, as in Kafka's coordinator runtime where each partition is served
// by one event loop. An operation is a request (JoinGroup, OffsetCommit,
// ...) or a timer firing; it reads and changes the state, may write
// records, and may answer parked requests by sending on their channels.
// No operation blocks: waiting (for other members to join, for a write to
// be replicated) is done by the request goroutines at the edge, on
// channels the shard completes later. That keeps the group logic
// deterministic: given the same requests and the same clock, a shard
// does the same thing.
type shard struct {
	c           *Coordinator
	partition   int32
	leaderEpoch int32
	log         Log

	mu      sync.Mutex
	state   shardState
	groups  map[string]group
	offsets offsetStore
	// txnOffsets are the transactional commits waiting for their
	// transaction's marker, per producer id (txnoffsets.go).
	txnOffsets map[int64]offsetStore
	written    int64 // the last offsetEntry.written given
	timers     map[string]*shardTimer
	timerID    uint64
	// deferred are timers due "now" (a zero delay): they run when the
	// current operation ends, in order, rather than on a clock goroutine,
	// so that a zero group.initial.rebalance.delay.ms completes a join
	// at once even under a manual clock.
	deferred []*shardTimer
	pending  []*pendingWrite // writes waiting for the high watermark
	stop     chan struct{}
}

type shardState int8

const (
	shardLoading shardState = iota
	shardLoaded
	shardUnloaded
)

type shardTimer struct {
	key   string
	id    uint64
	fn    func()
	timer clock.Timer // nil for a deferred (zero-delay) timer
}

// pendingWrite is an append waiting until the high watermark passes it:
// Kafka writes coordinator records with acks=all and answers only once
// they are replicated (or offsets.commit.timeout.ms passes).
type pendingWrite struct {
	endOffset int64
	then      func(error)
	timeout   clock.Timer
}

func newShard(c *Coordinator, partition, leaderEpoch int32, log Log) *shard {
	return &shard{
		c: c, partition: partition, leaderEpoch: leaderEpoch, log: log,
		groups:     map[string]group{},
		offsets:    offsetStore{},
		txnOffsets: map[int64]offsetStore{},
		timers:     map[string]*shardTimer{},
		stop:       make(chan struct{}),
	}
}

var errNotCoordinator = kafkaerr.New(kerr.NotCoordinator, "the coordinator stopped serving this group's partition")

// do runs one operation with the shard locked. It fails with
// COORDINATOR_LOAD_IN_PROGRESS while the partition is loading and
// NOT_COORDINATOR once it was unloaded.
func (s *shard) do(op func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case shardLoading:
		return kafkaerr.New(kerr.CoordinatorLoadInProgress, "__consumer_offsets-%d is still loading", s.partition)
	case shardUnloaded:
		return errNotCoordinator
	}
	op()
	s.runDeferred()
	return nil
}

// read is do for operations that only look.
func (s *shard) read(op func()) error { return s.do(op) }

func (s *shard) now() time.Time { return s.c.clock.Now() }

func (s *shard) nowMs() int64 { return clock.Millis(s.c.clock.Now()) }

// schedule (re)arms the timer named key: fn runs, as an operation of this
// shard, after d. Scheduling a key replaces its previous timer, as
// Kafka's coordinator timer does. Callers hold the lock.
func (s *shard) schedule(key string, d time.Duration, fn func()) {
	s.cancel(key)
	if s.state == shardUnloaded {
		return
	}
	s.timerID++
	t := &shardTimer{key: key, id: s.timerID, fn: fn}
	s.timers[key] = t
	if d <= 0 {
		s.deferred = append(s.deferred, t)
		return
	}
	id := t.id
	t.timer = s.c.clock.AfterFunc(d, func() { s.fire(key, id) })
}

// cancel stops the timer named key, if any. Callers hold the lock.
func (s *shard) cancel(key string) {
	if t := s.timers[key]; t != nil {
		if t.timer != nil {
			t.timer.Stop()
		}
		delete(s.timers, key)
	}
}

// fire runs a timer that came due, unless it was cancelled or replaced
// meanwhile (a clock callback may race with a reschedule).
func (s *shard) fire(key string, id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != shardLoaded {
		return
	}
	t := s.timers[key]
	if t == nil || t.id != id {
		return
	}
	delete(s.timers, key)
	t.fn()
	s.runDeferred()
}

func (s *shard) runDeferred() {
	for len(s.deferred) > 0 && s.state == shardLoaded {
		t := s.deferred[0]
		s.deferred = s.deferred[1:]
		if cur := s.timers[t.key]; cur == nil || cur.id != t.id {
			continue
		}
		delete(s.timers, t.key)
		t.fn()
	}
	s.deferred = nil
}

// write appends records to the shard's partition as one batch, runs
// apply (if not nil) once the append succeeded, to change the shard's
// state as the records say (offset commits and deletions change state
// only through their records, as in Kafka), and calls then once the batch
// is committed (the high watermark has passed it),
// with nil, or with the error to answer: NOT_COORDINATOR when this broker
// no longer leads the partition, COORDINATOR_NOT_AVAILABLE when the write
// was not replicated within offsets.commit.timeout.ms, UNKNOWN_SERVER_ERROR
// for a batch too large for the topic. then runs as part of a shard
// operation (possibly the current one). Callers hold the lock.
func (s *shard) write(recs []logRecord, apply func(), then func(error)) {
	if len(recs) == 0 {
		then(nil)
		return
	}
	batch, err := buildBatch(recs, s.nowMs())
	if err != nil {
		then(kafkaerr.New(kerr.UnknownServerError, "building a __consumer_offsets batch: %v", err))
		return
	}
	s.writeBatch(batch, apply, then)
}

// writeBatch appends a built batch, then applies it and waits as write
// does.
func (s *shard) writeBatch(batch []byte, apply func(), then func(error)) {
	end, err := s.log.Append(batch)
	if err != nil {
		s.c.logger.Warn("coordinator write failed", "partition", s.partition, "error", err)
		then(writeError(err))
		return
	}
	if apply != nil {
		apply()
	}
	if _, hw, _ := s.log.Offsets(); hw >= end {
		then(nil)
		return
	}
	pw := &pendingWrite{endOffset: end, then: then}
	pw.timeout = s.c.clock.AfterFunc(s.c.cfg.OffsetCommitTimeout, func() { s.expireWrite(pw) })
	s.pending = append(s.pending, pw)
}

// writeError maps a failed append to the error a group client can act on,
// as Kafka's coordinator does.
func writeError(err error) error {
	switch {
	case errors.Is(err, kerr.NotLeaderForPartition), errors.Is(err, kerr.KafkaStorageError):
		return kafkaerr.New(kerr.NotCoordinator, "%v", err)
	case errors.Is(err, kerr.NotEnoughReplicas), errors.Is(err, kerr.RequestTimedOut), errors.Is(err, kerr.UnknownTopicOrPartition):
		return kafkaerr.New(kerr.CoordinatorNotAvailable, "%v", err)
	default:
		return kafkaerr.New(kerr.UnknownServerError, "%v", err)
	}
}

// checkPending completes the writes the high watermark has passed.
// Callers hold the lock.
func (s *shard) checkPending() {
	if len(s.pending) == 0 {
		return
	}
	_, hw, _ := s.log.Offsets()
	keep := s.pending[:0]
	var done []*pendingWrite
	for _, pw := range s.pending {
		if hw >= pw.endOffset {
			done = append(done, pw)
		} else {
			keep = append(keep, pw)
		}
	}
	s.pending = keep
	for _, pw := range done {
		pw.timeout.Stop()
		pw.then(nil)
	}
}

func (s *shard) expireWrite(pw *pendingWrite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.pending {
		if p == pw {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			pw.then(kafkaerr.New(kerr.CoordinatorNotAvailable, "the write to __consumer_offsets-%d was not replicated within offsets.commit.timeout.ms", s.partition))
			s.runDeferred()
			return
		}
	}
}

// watchHighWatermark completes pending writes as the partition's high
// watermark moves. It is the shard's only goroutine.
func (s *shard) watchHighWatermark() {
	ch := make(chan struct{}, 1)
	cancel := s.log.Watch(ch)
	defer cancel()
	for {
		select {
		case <-ch:
			s.mu.Lock()
			if s.state == shardLoaded {
				s.checkPending()
				s.runDeferred()
			}
			s.mu.Unlock()
		case <-s.stop:
			return
		}
	}
}

// unload stops the shard: timers are cancelled, pending writes and parked
// requests fail with NOT_COORDINATOR, and the groups are dropped (classic
// groups pass through Dead, as in Kafka).
func (s *shard) unload() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == shardUnloaded {
		return
	}
	wasLoaded := s.state == shardLoaded
	s.state = shardUnloaded
	close(s.stop)
	for key := range s.timers {
		s.cancel(key)
	}
	s.deferred = nil
	for _, pw := range s.pending {
		pw.timeout.Stop()
		pw.then(errNotCoordinator)
	}
	s.pending = nil
	for _, id := range s.sortedGroupIDs() {
		g := s.groups[id]
		g.unload()
		if wasLoaded {
			s.emit(Event{Type: EventGroupUnloaded, Group: id, Generation: g.epoch(),
				Reason: fmt.Sprintf("this broker stopped coordinating __consumer_offsets-%d", s.partition)})
		}
	}
	if wasLoaded {
		s.c.logger.Info("group coordinator unloaded partition", "partition", s.partition, "groups", len(s.groups))
	}
	s.groups = map[string]group{}
	s.offsets = offsetStore{}
	s.txnOffsets = map[int64]offsetStore{}
}
