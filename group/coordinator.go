package group

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Log is the leader replica of one __consumer_offsets partition, as the
// coordinator of that partition uses it. The broker adapts its replica to
// it; tests can use any implementation.
type Log interface {
	// Append appends one batch built by the coordinator and returns the
	// log end offset after it. The broker appends coordinator batches
	// with acks=all semantics: they count once the high watermark has
	// passed them.
	Append(batch []byte) (logEndOffset int64, err error)
	// Offsets returns the log start offset, the high watermark and the
	// log end offset.
	Offsets() (logStart, highWatermark, logEnd int64)
	// Read returns whole batches from offset on (at least one batch if
	// there is one), up to the log end offset: a new coordinator loads
	// everything its log has, including the records its followers have
	// not confirmed yet, as Kafka's coordinator loader does.
	Read(offset int64, maxBytes int) ([]byte, error)
	// Watch registers ch (buffered, capacity one) to be signalled when
	// the high watermark moves, until cancel is called.
	Watch(ch chan<- struct{}) (cancel func())
}

// TopicInfo is what the coordinator needs to know of a topic: its id
// and partition count (for KIP-848 assignments and regex subscriptions).
type TopicInfo struct {
	Name       string
	ID         [16]byte
	Partitions int32
}

// Topics is a snapshot of the cluster's topics, by name. The broker
// hands out one per metadata image; it must not be modified.
type Topics map[string]TopicInfo

// Client identifies the connection a request came from; it is shown in
// DescribeGroups and kept with each member.
type Client struct {
	ID   string // client.id
	Host string // remote address, as Kafka reports it ("/127.0.0.1")
}

// Options configure a Coordinator.
type Options struct {
	Config Config
	Clock  clock.Clock
	Logger *slog.Logger
	// Events receives every group event (joins, rebalances, evictions,
	// assignments, commits), in the order they happen within each group.
	// It is called with the group's shard locked and must not block or
	// call back into the coordinator.
	Events func(Event)
	// SessionRenewed, if set, is called each time a member's session is
	// renewed (MemberDescription.SessionRenewedAt). Like Events it runs
	// with the group's shard locked and must not block or call back
	// into the coordinator.
	SessionRenewed func()
	// Topics returns the current topics; nil means none are known.
	Topics func() Topics
	// NewMemberID, if set, makes member ids (default: a random UUID after
	// the client id, as Kafka does). Tests use it for repeatable ids.
	NewMemberID func(prefix string) string
}

// Coordinator is one broker's group coordinator. It coordinates the
// groups of the __consumer_offsets partitions this broker leads: each
// such partition is a shard with its own groups, offsets, lock and
// timers, loaded from the partition's log when the broker becomes its
// leader and dropped when it stops leading it.
type Coordinator struct {
	cfg         Config
	clock       clock.Clock
	logger      *slog.Logger
	events      func(Event)
	renewed     func()
	topics      func() Topics
	newMemberID func(prefix string) string

	partitions atomic.Int32 // __consumer_offsets partition count

	mu     sync.RWMutex
	shards map[int32]*shard
	closed bool
}

// New creates a coordinator with no shards loaded.
func New(opts Options) (*Coordinator, error) {
	if opts.Clock == nil {
		return nil, fmt.Errorf("group coordinator: a clock is required")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	c := &Coordinator{
		cfg:         opts.Config,
		clock:       opts.Clock,
		logger:      opts.Logger,
		events:      opts.Events,
		renewed:     opts.SessionRenewed,
		topics:      opts.Topics,
		newMemberID: opts.NewMemberID,
		shards:      map[int32]*shard{},
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.events == nil {
		c.events = func(Event) {}
	}
	if c.renewed == nil {
		c.renewed = func() {}
	}
	if c.topics == nil {
		c.topics = func() Topics { return nil }
	}
	if c.newMemberID == nil {
		c.newMemberID = randomMemberID
	}
	c.partitions.Store(opts.Config.OffsetsTopicPartitions)
	return c, nil
}

// randomMemberID is Kafka's member id: the client id (or the group
// instance id of a static member), a dash and a random UUID.
func randomMemberID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return prefix + "-" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// SetOffsetsTopicPartitions tells the coordinator how many partitions
// __consumer_offsets really has, which wins over the config once the
// topic exists (Kafka reads the count from the topic, too).
func (c *Coordinator) SetOffsetsTopicPartitions(n int32) {
	if n > 0 {
		c.partitions.Store(n)
	}
}

// PartitionFor returns the __consumer_offsets partition that holds a
// group: abs(groupId.hashCode()) % partitions, with Java's String
// hashCode, so a group lives in the same partition as it would in Kafka.
func (c *Coordinator) PartitionFor(groupID string) int32 {
	return PartitionFor(groupID, c.partitions.Load())
}

// PartitionFor is the placement rule for a given partition count.
func PartitionFor(groupID string, partitions int32) int32 {
	if partitions <= 0 {
		return 0
	}
	h := javaStringHashCode(groupID)
	// Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than keeping
	// it negative.
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % partitions
}

// javaStringHashCode is java.lang.String.hashCode: s[0]*31^(n-1) + ... +
// s[n-1] over the UTF-16 code units, in 32-bit arithmetic.
func javaStringHashCode(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// Load makes this broker the coordinator of a __consumer_offsets
// partition: it replays the partition's log into a new shard, then
// starts the shard's timers. It is called when the broker becomes the
// partition's leader (leaderEpoch is the new epoch). Loading a partition
// that is already loaded at an older epoch reloads it.
func (c *Coordinator) Load(partition, leaderEpoch int32, log Log) error {
	if log == nil {
		return fmt.Errorf("load __consumer_offsets-%d: no log", partition)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("group coordinator is closed")
	}
	old := c.shards[partition]
	if old != nil && old.leaderEpoch >= leaderEpoch {
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

// Unload drops a partition's groups after this broker stopped leading it
// (leaderEpoch -1 unloads whatever epoch is loaded). Parked JoinGroup and
// SyncGroup requests are answered with NOT_COORDINATOR so their clients
// look the coordinator up again.
func (c *Coordinator) Unload(partition, leaderEpoch int32) {
	c.mu.Lock()
	s := c.shards[partition]
	if s == nil || (leaderEpoch >= 0 && s.leaderEpoch > leaderEpoch) {
		c.mu.Unlock()
		return
	}
	delete(c.shards, partition)
	c.mu.Unlock()
	s.unload()
}

// UnloadAll unloads every shard, as when the broker stops; the
// partitions are loaded again when the broker restarts and leads them.
func (c *Coordinator) UnloadAll() {
	c.mu.Lock()
	shards := c.shards
	c.shards = map[int32]*shard{}
	c.mu.Unlock()
	for _, s := range shards {
		s.unload()
	}
}

// Close unloads every shard; the coordinator refuses loads afterwards.
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

// Loaded lists the partitions this coordinator currently serves.
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

// shardFor returns the shard that holds a group, or NOT_COORDINATOR when
// this broker does not lead the group's partition.
func (c *Coordinator) shardFor(groupID string) (*shard, error) {
	p := c.PartitionFor(groupID)
	c.mu.RLock()
	s := c.shards[p]
	c.mu.RUnlock()
	if s == nil {
		return nil, kafkaerr.New(kerr.NotCoordinator, "this broker is not the coordinator of group %q (partition %d of __consumer_offsets)", groupID, p)
	}
	return s, nil
}

// allShards returns the loaded shards in partition order.
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

// wait blocks until a parked request's response arrives or its
// connection goes away.
func wait[T any](ctx context.Context, ch <-chan T) (T, error) {
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
