package partition

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Partition is one replica of a topic partition on one broker.
//
// Its methods are safe for concurrent use: appends are serialised by the
// partition's own lock, reads run in parallel with each other, and nothing
// is shared with other partitions, so different partitions are written in
// parallel.
type Partition struct {
	topic    string
	index    int32
	brokerID int32
	clock    clock.Clock
	logger   *slog.Logger

	mu            sync.RWMutex
	cfg           Config
	log           *segment.Log
	state         State // leader, epochs, replicas and ISR, from the controller
	leaderEpoch   int32
	leader        int32 // broker id of the leader, -1 when there is none
	highWatermark int64
	epochs        *epochCache
	producers     *producerState
	closed        bool
	// verifying holds each producer's verification guard
	// (verification.go); guarded by mu.
	verifying map[int64]verification

	// followers is the leader's view of each other replica's progress;
	// empty on followers.
	followers map[int32]*followerProgress
	eligible  func(brokerID int32) bool

	onSegmentEvent func(SegmentEvent) // Options.SegmentEvents

	// cleaning is the log cleaning in progress (cleaner.go), closed
	// cleaningDone once its unlocked part has returned.
	cleaning     *segment.Cleaning
	cleaningDone chan struct{}
	// cleanerPaused, in tests, runs while a cleaning builds, unlocked.
	cleanerPaused func()

	watchers watchers
}

// Options are what a replica is opened with.
type Options struct {
	Topic    string
	Index    int32
	BrokerID int32
	// Dir is the partition's directory (<topic>-<partition>).
	Dir    segment.Dir
	Config Config
	Clock  clock.Clock
	Logger *slog.Logger
	// LogStartOffset and HighWatermark come from the broker's checkpoint
	// files when a replica is reopened; zero for a new one.
	LogStartOffset int64
	HighWatermark  int64
	// ReplicaEligible reports whether a broker may be counted towards the
	// ISR: false for fenced brokers and brokers shutting down (Kafka's
	// isReplicaIsrEligible). Nil means every broker is eligible.
	ReplicaEligible func(brokerID int32) bool
	// FirstDirtyOffset is where the log cleaner's dirty part starts, from
	// the broker's cleaner-offset-checkpoint; zero for a new replica.
	FirstDirtyOffset int64
	// SegmentEvents, if set, is told of every roll, deletion and removal
	// of a segment's files (deletion.go). It runs under the replica's lock
	// and must not call the replica.
	SegmentEvents func(SegmentEvent)
}

// Open opens (or creates) a replica's log. The replica starts with no
// leader; the broker makes it a leader or a follower.
func Open(opts Options) (*Partition, error) {
	if opts.Dir == nil || opts.Clock == nil {
		return nil, fmt.Errorf("partition %s-%d: a directory and a clock are required", opts.Topic, opts.Index)
	}
	if opts.Topic == "" || opts.Index < 0 {
		return nil, fmt.Errorf("partition %q-%d: a topic name and a partition index of 0 or more are required", opts.Topic, opts.Index)
	}
	if opts.LogStartOffset < 0 || opts.HighWatermark < 0 {
		return nil, fmt.Errorf("partition %s-%d: negative checkpointed offsets (log start %d, high watermark %d)", opts.Topic, opts.Index, opts.LogStartOffset, opts.HighWatermark)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	// The log reports to the replica, which exists only once the log is
	// open; the log calls neither hook before Open returns.
	var p *Partition
	l, err := segment.Open(opts.Dir, opts.Config.Segment, segment.OpenOptions{
		LogStartOffset:  opts.LogStartOffset,
		NowMs:           clock.Millis(opts.Clock.Now()),
		OnEvent:         func(e segment.Event) { p.segmentEvent(e) },
		ScheduleRemoval: func(remove func()) { p.scheduleRemoval(remove) },
	})
	if err != nil {
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	if err := l.SetFirstDirtyOffset(max(opts.FirstDirtyOffset, 0)); err != nil {
		l.Close()
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	epochs, err := loadEpochCache(opts.Dir)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	if err := rebuildEpochs(epochs, l); err != nil {
		l.Close()
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	if err := l.RemoveStraySnapshots(); err != nil {
		l.Close()
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	logger := opts.Logger.With("topic", opts.Topic, "partition", opts.Index, "broker", opts.BrokerID)
	producers, rewriteTxnIndexes, err := loadProducerState(producerLoad{
		log: l, nowMs: clock.Millis(opts.Clock.Now()), expirationMs: opts.Config.ProducerIDExpirationMs, logger: logger,
		abortedBelow: l.TrustedAbortedTxns,
	})
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("partition %s-%d: %w", opts.Topic, opts.Index, err)
	}
	p = &Partition{
		onSegmentEvent: opts.SegmentEvents,
		topic:          opts.Topic,
		index:          opts.Index,
		brokerID:       opts.BrokerID,
		clock:          opts.Clock,
		logger:         logger,
		cfg:            opts.Config,
		log:            l,
		epochs:         epochs,
		producers:      producers,
		leader:         -1,
		state:          State{Leader: -1, LeaderEpoch: -1},
		eligible:       opts.ReplicaEligible,
	}
	if p.eligible == nil {
		p.eligible = func(int32) bool { return true }
	}
	p.highWatermark = min(max(opts.HighWatermark, l.LogStartOffset()), l.LogEndOffset())
	p.producers.txns.onHighWatermark(p.highWatermark)
	if rewriteTxnIndexes || producers.snapOffset < l.LogEndOffset() {
		// The indexes of the segments replayed are made to match
		// what the replay found (a crash may have left them short or
		// long); those read back are rewritten only if they differ.
		p.rewriteTxnIndexes()
	}
	p.takeProducerSnapshot(l.LogEndOffset(), true)
	return p, nil
}

// Topic is the partition's topic name.
func (p *Partition) Topic() string { return p.topic }

// Index is the partition number within its topic.
func (p *Partition) Index() int32 { return p.index }

// BrokerID is the broker that holds this replica.
func (p *Partition) BrokerID() int32 { return p.brokerID }

// Config returns the topic configs in force.
func (p *Partition) Config() Config {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.cfg
}

// SetConfig applies changed topic configs.
func (p *Partition) SetConfig(cfg Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := p.log.SetConfig(cfg.Segment); err != nil {
		return err
	}
	p.cfg = cfg
	return nil
}

// Watch registers ch to be signalled whenever the high watermark, the
// log end offset or the leadership of this replica changes, and on a
// leader when a follower's fetch moves its known log end offset. The channel
// should have a buffer of one.
func (p *Partition) Watch(ch chan<- struct{}) (cancel func()) { return p.watchers.Watch(ch) }

// Status is a snapshot of a replica's offsets for introspection.
type Status struct {
	Topic          string
	Partition      int32
	BrokerID       int32
	Leader         int32
	LeaderEpoch    int32
	ISR            []int32
	LogStartOffset int64
	HighWatermark  int64
	LogEndOffset   int64
	Segments       []segment.Info
}

// Status returns the replica's current offsets and segments.
func (p *Partition) Status() (Status, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	segs, err := p.log.Segments()
	return Status{
		Topic:          p.topic,
		Partition:      p.index,
		BrokerID:       p.brokerID,
		Leader:         p.leader,
		LeaderEpoch:    p.leaderEpoch,
		ISR:            append([]int32(nil), p.state.ISR...),
		LogStartOffset: p.log.LogStartOffset(),
		HighWatermark:  p.highWatermark,
		LogEndOffset:   p.log.LogEndOffset(),
		Segments:       segs,
	}, err
}

// Offsets returns the log start offset, high watermark and log end offset.
func (p *Partition) Offsets() (logStart, highWatermark, logEnd int64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.log.LogStartOffset(), p.highWatermark, p.log.LogEndOffset()
}

// checkLeader returns the error a client gets from a replica that is not
// the leader it expects: NOT_LEADER_OR_FOLLOWER when this replica does
// not lead, FENCED_LEADER_EPOCH when the client's epoch is older than
// ours and UNKNOWN_LEADER_EPOCH when it is newer (KIP-320). An epoch of
// -1 skips the epoch check. Callers hold p.mu.
func (p *Partition) checkLeader(currentLeaderEpoch int32) error {
	if p.closed {
		return kafkaerr.New(kerr.NotLeaderForPartition, "replica of %s-%d on broker %d is offline", p.topic, p.index, p.brokerID)
	}
	if currentLeaderEpoch >= 0 {
		if currentLeaderEpoch < p.leaderEpoch {
			return kafkaerr.New(kerr.FencedLeaderEpoch, "request epoch %d is older than the current leader epoch %d", currentLeaderEpoch, p.leaderEpoch)
		}
		if currentLeaderEpoch > p.leaderEpoch {
			return kafkaerr.New(kerr.UnknownLeaderEpoch, "request epoch %d is newer than the current leader epoch %d", currentLeaderEpoch, p.leaderEpoch)
		}
	}
	if p.leader != p.brokerID {
		return kafkaerr.New(kerr.NotLeaderForPartition, "broker %d is not the leader of %s-%d", p.brokerID, p.topic, p.index)
	}
	return nil
}

// Close closes the log files. A closed replica refuses every request.
func (p *Partition) Close() error {
	// A clean close leaves a snapshot at the log end, so the next open
	// replays nothing (UnifiedLog.close).
	return p.closeLog(true)
}

// Abandon closes the log files as a crash leaves them: without the
// clean close's producer snapshot, so the next open replays the log
// after the last roll's snapshot. A closed replica refuses every request.
func (p *Partition) Abandon() error {
	return p.closeLog(false)
}

// closeLog is Close and Abandon: they differ only in whether the log end
// gets a producer snapshot first.
func (p *Partition) closeLog(snapshot bool) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.stopCleaning()
	if snapshot {
		p.takeProducerSnapshot(p.log.LogEndOffset(), true)
	}
	err := p.log.Close()
	p.mu.Unlock()
	p.watchers.wake()
	return err
}

// Delete closes the replica and removes its files (DeleteTopics).
func (p *Partition) Delete() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.stopCleaning()
	defer p.watchers.wake()
	return p.log.Delete()
}
