package txn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// shard is the coordinator of one __transaction_state partition: the
// transactional ids stored there and the timers that abort and expire
// them. Its state changes under its lock; waiting for a record to be
// replicated and sending markers happen outside it, with the
// transactional id marked pending meanwhile (CONCURRENT_TRANSACTIONS to
// anyone else), as in Kafka's TransactionStateManager.
type shard struct {
	c         *Coordinator
	partition int32
	epoch     int32 // the partition's leader epoch: the coordinator epoch
	log       Log

	ctx    context.Context // cancelled on unload
	cancel context.CancelFunc

	mu     sync.Mutex
	state  shardState
	txns   map[string]*metadata
	timers map[string]clock.Timer
	// changed, when not nil, is closed (and dropped) by the next state
	// change that lands, or by unloading (NextChange).
	changed chan struct{}
}

type shardState int8

const (
	shardLoading shardState = iota
	shardLoaded
	shardUnloaded
)

func newShard(c *Coordinator, partition, epoch int32, log Log) *shard {
	ctx, cancel := context.WithCancel(context.Background())
	return &shard{c: c, partition: partition, epoch: epoch, log: log, ctx: ctx, cancel: cancel,
		txns: map[string]*metadata{}, timers: map[string]clock.Timer{}}
}

var errNotCoordinator = kafkaerr.New(kerr.NotCoordinator, "the coordinator stopped serving this transactional id's partition")

// lock takes the shard's lock if the shard is serving, or returns the
// error a client gets while it loads or after it was unloaded.
func (s *shard) lock() error {
	s.mu.Lock()
	switch s.state {
	case shardLoading:
		s.mu.Unlock()
		return kafkaerr.New(kerr.CoordinatorLoadInProgress, "__transaction_state-%d is still loading", s.partition)
	case shardUnloaded:
		s.mu.Unlock()
		return errNotCoordinator
	}
	return nil
}

// lockShard is shardFor and lock: the serving shard of transactionalID,
// locked, or the error its state gives a client.
func (c *Coordinator) lockShard(transactionalID string) (*shard, error) {
	s, err := c.shardFor(transactionalID)
	if err != nil {
		return nil, err
	}
	if err := s.lock(); err != nil {
		return nil, err
	}
	return s, nil
}

// newPIDUnlocked allocates a producer id with the shard's lock released,
// as the allocation may wait on the controller; the caller holds the lock
// before and after and checks what changed meanwhile.
func (s *shard) newPIDUnlocked() (int64, error) {
	s.mu.Unlock()
	pid, err := s.c.newPID()
	s.mu.Lock()
	if err != nil {
		return -1, kafkaerr.New(kerr.UnknownServerError, "allocating a producer id: %v", err)
	}
	return pid, nil
}

func (s *shard) nowMs() int64 { return clock.Millis(s.c.clock.Now()) }

func (s *shard) unload() {
	s.mu.Lock()
	s.state = shardUnloaded
	for _, t := range s.timers {
		t.Stop()
	}
	s.timers = map[string]clock.Timer{}
	s.notifyChangedLocked()
	s.mu.Unlock()
	s.cancel()
}

// notifyChangedLocked wakes whoever waits for the next change. Callers
// hold the lock.
func (s *shard) notifyChangedLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// appendLocked writes next (nil: a tombstone) as the record of id and
// returns the log end offset to wait for. The caller holds the lock and
// has marked id pending; appending under the lock keeps the log in the
// order the changes were decided.
func (s *shard) appendLocked(id string, cur, next *metadata) (int64, error) {
	to := Dead
	if next != nil {
		to = next.state
	}
	if cur != nil && !canTransition(cur.state, to) {
		return 0, kafkaerr.New(kerr.InvalidTxnState, "transactional id %q cannot go from %s to %s", id, cur.state, to)
	}
	rec := record.Record{Timestamp: s.nowMs(), Key: txnKey(id)}
	if next != nil {
		rec.Value = txnValue(next)
	}
	batch, err := record.Build(record.BatchOptions{}, []record.Record{rec})
	if err != nil {
		return 0, kafkaerr.New(kerr.UnknownServerError, "building the __transaction_state record of %q: %v", id, err)
	}
	end, err := s.log.Append(batch)
	if err != nil {
		return 0, appendError(s.partition, err)
	}
	return end, nil
}

// appendError maps a failed write to what Kafka's coordinator answers
// (TransactionStateManager.appendTransactionToLog).
func appendError(partition int32, err error) error {
	switch {
	case errors.Is(err, kerr.NotEnoughReplicas), errors.Is(err, kerr.NotEnoughReplicasAfterAppend),
		errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.RequestTimedOut):
		return kafkaerr.New(kerr.CoordinatorNotAvailable, "writing to __transaction_state-%d: %v", partition, err)
	case errors.Is(err, kerr.NotLeaderForPartition), errors.Is(err, kerr.KafkaStorageError):
		return kafkaerr.New(kerr.NotCoordinator, "writing to __transaction_state-%d: %v", partition, err)
	}
	return kafkaerr.New(kerr.UnknownServerError, "writing to __transaction_state-%d: %v", partition, err)
}

// awaitReplicated waits until the high watermark reaches end.
func (s *shard) awaitReplicated(ctx context.Context, end int64) error {
	ch := make(chan struct{}, 1)
	cancel := s.log.Watch(ch)
	defer cancel()
	for {
		if _, hw, _ := s.log.Offsets(); hw >= end {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return kafkaerr.New(kerr.RequestTimedOut, "the request ended before its __transaction_state record was replicated")
		case <-s.ctx.Done():
			return errNotCoordinator
		}
	}
}

// commit makes a change durable and installs it: cur is the metadata
// now in the shard (nil for a new id; marked pending by the caller),
// next the change (nil deletes id). It is called with the lock held and
// returns with it held; the lock is released while the record is
// replicated.
func (s *shard) commit(ctx context.Context, id string, cur, next *metadata) error {
	end, err := s.appendLocked(id, cur, next)
	if err != nil {
		if cur != nil {
			cur.pending = false
		}
		return err
	}
	s.mu.Unlock()
	err = s.awaitReplicated(ctx, end)
	s.mu.Lock()
	return s.install(id, cur, next, err)
}

// install ends a write: the change takes effect if it was replicated
// and the shard still serves. Callers hold the lock.
func (s *shard) install(id string, cur, next *metadata, err error) error {
	if cur != nil {
		cur.pending = false
	}
	if s.state != shardLoaded {
		return errNotCoordinator
	}
	if err != nil {
		return err
	}
	if next == nil {
		delete(s.txns, id)
	} else {
		s.txns[id] = next
	}
	s.notifyChangedLocked()
	return nil
}

// commitAsync is commit for the coordinator's own changes (timeouts,
// expiry), made from a timer with the lock held: the wait happens on a
// goroutine, and then (with the lock held) runs with the outcome.
func (s *shard) commitAsync(id string, cur, next *metadata, then func(error)) {
	end, err := s.appendLocked(id, cur, next)
	if err != nil {
		if cur != nil {
			cur.pending = false
		}
		s.c.logger.Warn("transaction coordinator write failed", "transactional_id", id, "error", err)
		return
	}
	go func() {
		err := s.awaitReplicated(s.ctx, end)
		s.mu.Lock()
		defer s.mu.Unlock()
		err = s.install(id, cur, next, err)
		if then != nil {
			then(err)
		}
	}()
}

// every runs fn under the lock each interval while the shard is
// loaded; the timer is named so that arming it again replaces it.
func (s *shard) every(name string, d time.Duration, fn func()) {
	if old := s.timers[name]; old != nil {
		old.Stop()
	}
	s.timers[name] = s.c.clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.state != shardLoaded {
			return
		}
		fn()
		s.every(name, d, fn)
	})
}

func (s *shard) String() string {
	return fmt.Sprintf("__transaction_state-%d@%d", s.partition, s.epoch)
}
