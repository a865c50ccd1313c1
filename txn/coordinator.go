package txn

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Log is the leader replica of one __transaction_state partition, as its
// coordinator uses it. The broker adapts its replica to it.
type Log interface {
	// Append appends one batch built by the coordinator and returns the
	// log end offset after it; it counts once the high watermark passes
	// that offset (acks=all).
	Append(batch []byte) (logEndOffset int64, err error)
	// Offsets returns the log start offset, the high watermark and the
	// log end offset.
	Offsets() (logStart, highWatermark, logEnd int64)
	// Read returns whole batches from offset on, up to the log end.
	Read(offset int64, maxBytes int) ([]byte, error)
	// Watch registers ch (buffered, capacity one) to be signalled when
	// the high watermark moves, until cancel is called.
	Watch(ch chan<- struct{}) (cancel func())
}

// Markers asks the partition leaders to write one transaction's markers.
type Markers struct {
	TransactionalID  string
	ProducerID       int64
	ProducerEpoch    int16
	Commit           bool
	CoordinatorEpoch int32
	Partitions       []TopicPartition
	// TransactionVersion is the transaction version of the producer's
	// last request (WriteTxnMarkers v2, KIP-890): from 2 the marker's
	// epoch is the bumped one, newer than the transaction's batches.
	TransactionVersion int8
}

// Options configure a Coordinator.
type Options struct {
	Config Config
	Clock  clock.Clock
	Logger *slog.Logger
	// NewProducerID hands out a producer id never given before (the
	// cluster's one allocator, shared with idempotent producers).
	NewProducerID func() (int64, error)
	// WriteMarkers writes markers and returns the partitions whose
	// leaders could not take them yet (to be retried). Partitions that
	// no longer exist are dropped by the writer, as Kafka drops them.
	// It is called with no lock held and may block.
	WriteMarkers func(ctx context.Context, m Markers) []TopicPartition
	// Events receives every transaction event, in order per
	// transactional id. It must not block or call back into the
	// coordinator.
	Events func(Event)
}

// Coordinator is one broker's transaction coordinator: a shard per
// __transaction_state partition it leads.
type Coordinator struct {
	cfg          Config
	clock        clock.Clock
	logger       *slog.Logger
	newPID       func() (int64, error)
	writeMarkers func(context.Context, Markers) []TopicPartition
	events       func(Event)

	partitions atomic.Int32

	mu     sync.RWMutex
	shards map[int32]*shard
	closed bool
}

// New creates a coordinator with no partitions loaded.
func New(opts Options) (*Coordinator, error) {
	if opts.Clock == nil {
		return nil, fmt.Errorf("transaction coordinator: a clock is required")
	}
	if opts.NewProducerID == nil || opts.WriteMarkers == nil {
		return nil, fmt.Errorf("transaction coordinator: NewProducerID and WriteMarkers are required")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	c := &Coordinator{
		cfg: opts.Config, clock: opts.Clock, logger: opts.Logger,
		newPID: opts.NewProducerID, writeMarkers: opts.WriteMarkers, events: opts.Events,
		shards: map[int32]*shard{},
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.events == nil {
		c.events = func(Event) {}
	}
	c.partitions.Store(opts.Config.StateTopicPartitions)
	return c, nil
}

// SetStateTopicPartitions tells the coordinator how many partitions
// __transaction_state really has, which wins over the config.
func (c *Coordinator) SetStateTopicPartitions(n int32) {
	if n > 0 {
		c.partitions.Store(n)
	}
}

// PartitionFor returns the __transaction_state partition of a
// transactional id.
func (c *Coordinator) PartitionFor(transactionalID string) int32 {
	return PartitionFor(transactionalID, c.partitions.Load())
}

// PartitionFor is abs(transactionalId.hashCode()) % partitions, with
// Java's String hashCode and Kafka's Utils.abs, as group.PartitionFor.
func PartitionFor(transactionalID string, partitions int32) int32 {
	if partitions <= 0 {
		return 0
	}
	var h int32
	for _, r := range transactionalID {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % partitions
}

// Load makes this broker the coordinator of a __transaction_state
// partition at leaderEpoch (the coordinator epoch of its markers): it
// replays the log, then finishes the transactions the previous
// coordinator left in PrepareCommit or PrepareAbort.
func (c *Coordinator) Load(partition, leaderEpoch int32, log Log) error {
	if log == nil {
		return fmt.Errorf("load __transaction_state-%d: no log", partition)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("transaction coordinator is closed")
	}
	old := c.shards[partition]
	if old != nil && old.epoch >= leaderEpoch {
		c.mu.Unlock()
		return nil
	}
	s := newShard(c, partition, leaderEpoch, log)
	c.shards[partition] = s
	c.mu.Unlock()
	if old != nil {
		old.unload()
	}
	if err := s.load(); err != nil {
		c.mu.Lock()
		if c.shards[partition] == s {
			delete(c.shards, partition)
		}
		c.mu.Unlock()
		s.unload()
		return err
	}
	return nil
}

// Unload drops a partition's transactions once this broker stopped
// leading it (leaderEpoch -1: whatever is loaded).
func (c *Coordinator) Unload(partition, leaderEpoch int32) {
	c.mu.Lock()
	s := c.shards[partition]
	if s == nil || (leaderEpoch >= 0 && s.epoch > leaderEpoch) {
		c.mu.Unlock()
		return
	}
	delete(c.shards, partition)
	c.mu.Unlock()
	s.unload()
}

// Close unloads every partition; loads are refused afterwards.
func (c *Coordinator) Close() {
	c.mu.Lock()
	c.closed = true
	shards := c.shards
	c.shards = map[int32]*shard{}
	c.mu.Unlock()
	for _, s := range shards {
		s.unload()
	}
}

// Loaded lists the partitions this coordinator serves.
func (c *Coordinator) Loaded() []int32 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]int32, 0, len(c.shards))
	for p := range c.shards {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (c *Coordinator) shardFor(transactionalID string) (*shard, error) {
	p := c.PartitionFor(transactionalID)
	c.mu.RLock()
	s := c.shards[p]
	c.mu.RUnlock()
	if s == nil {
		return nil, kafkaerr.New(kerr.NotCoordinator, "this broker is not the coordinator of transactional id %q (partition %d of __transaction_state)", transactionalID, p)
	}
	return s, nil
}

func (c *Coordinator) allShards() []*shard {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*shard, 0, len(c.shards))
	for _, s := range c.shards {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].partition < out[j].partition })
	return out
}

// UnloadAll unloads every partition, as when the broker stops; they are
// loaded again when it leads them after a restart.
func (c *Coordinator) UnloadAll() {
	c.mu.Lock()
	shards := c.shards
	c.shards = map[int32]*shard{}
	c.mu.Unlock()
	for _, s := range shards {
		s.unload()
	}
}
