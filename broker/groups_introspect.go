package broker

// Consumer groups seen from Go: describe a group with its lag (what
// kafka-consumer-groups.sh --describe prints), list groups, read or
// subscribe to the stream of group events (every join, leave, eviction,
// rebalance and assignment), and wait until a group reaches a state, so
// that tests never poll with sleeps.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// GroupEvent is one event of a group (see group.Event) and the broker
// whose coordinator reported it.
type GroupEvent struct {
	group.Event
	Coordinator int32
}

// GroupDescription is a group as its coordinator sees it, plus, per
// partition, the committed offset, the log end offset and the lag.
type GroupDescription struct {
	group.Description
	// Coordinator is the broker that coordinates the group.
	Coordinator int32
	// Lag has one row per partition the group has committed or is
	// assigned, by topic and partition, like the rows of
	// kafka-consumer-groups.sh --describe.
	Lag []PartitionLag
}

// PartitionLag is one row of kafka-consumer-groups.sh --describe.
type PartitionLag struct {
	Topic     string
	Partition int32
	// CommittedOffset is -1 when the group has not committed here.
	CommittedOffset int64
	Metadata        string
	// LogEndOffset is the partition's high watermark (what a consumer
	// can read up to), -1 when the partition is unavailable.
	LogEndOffset int64
	// Lag is LogEndOffset - CommittedOffset, or -1 when either is
	// unknown.
	Lag int64
	// MemberID, ClientID and Host identify the owning member; empty
	// when no member owns the partition.
	MemberID   string
	InstanceID string
	ClientID   string
	Host       string
}

// MemberWithClientID returns the member with the given client.id.
func (d GroupDescription) MemberWithClientID(clientID string) (group.MemberDescription, bool) {
	for _, m := range d.Members {
		if m.ClientID == clientID {
			return m, true
		}
	}
	return group.MemberDescription{}, false
}

// TotalLag sums the lag over the partitions whose lag is known.
func (d GroupDescription) TotalLag() int64 {
	var n int64
	for _, l := range d.Lag {
		if l.Lag > 0 {
			n += l.Lag
		}
	}
	return n
}

// Group describes a group. The error wraps GROUP_ID_NOT_FOUND for a group
// that does not exist (kerr.GroupIDNotFound), COORDINATOR_NOT_AVAILABLE
// when its coordinator is not running.
func (c *Cluster) Group(id string) (GroupDescription, error) {
	im := c.ctl.current()
	t := im.topics[consumerOffsetsTopic]
	if t == nil {
		return GroupDescription{}, kafkaerr.New(kerr.GroupIDNotFound, "group %s does not exist (no group has used the cluster yet)", id)
	}
	p := group.PartitionFor(id, int32(len(t.partitions)))
	leader := t.partitions[p].leader
	b := c.Broker(leader)
	if b == nil || !b.Running() {
		return GroupDescription{}, kafkaerr.New(kerr.CoordinatorNotAvailable, "the coordinator of group %s (leader of __consumer_offsets-%d) is not available", id, p)
	}
	d, err := b.groups.Describe(id)
	if err != nil {
		return GroupDescription{}, err
	}
	out := GroupDescription{Description: d, Coordinator: leader}
	out.Lag = c.groupLag(d)
	return out, nil
}

func (c *Cluster) groupLag(d group.Description) []PartitionLag {
	type tp struct {
		topic string
		p     int32
	}
	rows := map[tp]*PartitionLag{}
	row := func(topic string, p int32) *PartitionLag {
		k := tp{topic, p}
		if rows[k] == nil {
			rows[k] = &PartitionLag{Topic: topic, Partition: p, CommittedOffset: -1, LogEndOffset: -1, Lag: -1}
		}
		return rows[k]
	}
	for _, o := range d.Offsets {
		r := row(o.Topic, o.Partition)
		r.CommittedOffset, r.Metadata = o.Offset, o.Metadata
	}
	for _, m := range d.Members {
		for topic, ps := range m.Assignment {
			for _, p := range ps {
				r := row(topic, p)
				r.MemberID, r.InstanceID, r.ClientID, r.Host = m.MemberID, m.InstanceID, m.ClientID, m.ClientHost
			}
		}
	}
	im := c.ctl.current()
	out := make([]PartitionLag, 0, len(rows))
	for k, r := range rows {
		if t := im.topics[k.topic]; t != nil && int(k.p) < len(t.partitions) {
			if b := c.Broker(t.partitions[k.p].leader); b != nil {
				if rep := b.replica(k.topic, k.p); rep != nil {
					_, hw, _ := rep.Offsets()
					r.LogEndOffset = hw
				}
			}
		}
		if r.LogEndOffset >= 0 && r.CommittedOffset >= 0 {
			r.Lag = max(r.LogEndOffset-r.CommittedOffset, 0)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}

// GroupListing is one group in Cluster.Groups.
type GroupListing struct {
	group.Listing
	Coordinator int32
}

// Groups lists every group of every running coordinator, by group id.
func (c *Cluster) Groups() []GroupListing {
	var out []GroupListing
	for _, b := range c.brokers {
		if !b.Running() {
			continue
		}
		for _, l := range b.groups.List() {
			out = append(out, GroupListing{Listing: l, Coordinator: b.id})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

// GroupEvents returns the events recorded so far for a group ("" for
// every group), oldest first. The cluster keeps at least the most recent
// 10000 events of all groups together.
func (c *Cluster) GroupEvents(groupID string) []GroupEvent { return c.groupEvents.history(groupID) }

// SubscribeGroupEvents delivers every group event from now on, in the
// order the coordinators reported them, until cancel is called (which
// closes the channel). Delivery never blocks a coordinator: events queue
// up, without bound, until the subscriber reads them.
func (c *Cluster) SubscribeGroupEvents() (events <-chan GroupEvent, cancel func()) {
	return c.groupEvents.subscribe()
}

// WaitForGroup blocks until cond holds for the group's description, and
// returns that description. The condition is checked at once and again
// after every group event of the cluster (so conditions on lag, which
// produce requests change without an event, are re-checked only when
// something happens to a group). It returns ctx's error if the context
// ends first, with the last description seen.
func (c *Cluster) WaitForGroup(ctx context.Context, id string, cond func(GroupDescription) bool) (GroupDescription, error) {
	for {
		changed := c.groupEvents.changed()
		d, err := c.Group(id)
		if err == nil && cond(d) {
			return d, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if err != nil {
				return d, fmt.Errorf("waiting for group %s: %w (last error: %v)", id, ctx.Err(), err)
			}
			return d, fmt.Errorf("waiting for group %s (state %s, generation %d, %d members): %w", id, d.State, d.Generation, len(d.Members), ctx.Err())
		}
	}
}

// WaitForStable waits until the group is Stable with exactly n members
// (and, for the consumer protocol, every member has reconciled to the
// group epoch).
func (c *Cluster) WaitForStable(ctx context.Context, id string, n int) (GroupDescription, error) {
	return c.WaitForGroup(ctx, id, func(d GroupDescription) bool {
		if d.State != "Stable" || len(d.Members) != n {
			return false
		}
		if d.Type == group.Consumer {
			for _, m := range d.Members {
				if m.MemberEpoch != d.Generation || len(m.Revoking) > 0 {
					return false
				}
			}
		}
		return true
	})
}

// WaitForOwner waits until the member with the given client.id owns
// exactly the given partitions of topic.
func (c *Cluster) WaitForOwner(ctx context.Context, id, clientID, topic string, partitions ...int32) (GroupDescription, error) {
	want := append([]int32(nil), partitions...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	return c.WaitForGroup(ctx, id, func(d GroupDescription) bool {
		m, ok := d.MemberWithClientID(clientID)
		if !ok || len(m.Revoking) > 0 {
			return false
		}
		got := append([]int32(nil), m.Assignment[topic]...)
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	})
}

// IsGroupNotFound reports whether err says a group does not exist.
func IsGroupNotFound(err error) bool { return errors.Is(err, kerr.GroupIDNotFound) }

// groupEventHistory is how many events the cluster keeps for GroupEvents.
const groupEventHistory = 10000

// groupEventHub collects the events of every broker's coordinator.
type groupEventHub struct {
	logger *slog.Logger

	mu     sync.Mutex
	events []GroupEvent
	wake   chan struct{} // closed on the next event; nil until someone waits
	subs   map[*eventSub]struct{}

	rebalances rebalanceCounts // metrics_hooks.go
}

func newGroupEventHub(logger *slog.Logger) *groupEventHub {
	return &groupEventHub{logger: logger, subs: map[*eventSub]struct{}{}}
}

// publish records an event. It is called by a coordinator with a shard
// locked, so it never blocks.
func (h *groupEventHub) publish(broker int32, e group.Event) {
	ge := GroupEvent{Event: e, Coordinator: broker}
	h.rebalances.observe(e)
	level := slog.LevelInfo
	if e.Type == group.EventOffsetsCommitted {
		level = slog.LevelDebug
	}
	if ctx := context.Background(); h.logger.Enabled(ctx, level) {
		h.logger.Log(ctx, level, "group event",
			"broker", broker, "group", e.Group, "type", string(e.Type), "generation", e.Generation,
			"state", e.State, "member", e.Member, "reason", e.Reason, "story", e.String())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ge)
	if len(h.events) > groupEventHistory+groupEventHistory/2 {
		// Trim in chunks, so keeping the history costs O(1) per event.
		n := len(h.events) - groupEventHistory
		h.events = append(h.events[:0:0], h.events[n:]...)
	}
	if h.wake != nil {
		close(h.wake)
		h.wake = nil
	}
	for s := range h.subs {
		s.push(ge)
	}
}

// changed returns a channel closed at the next event.
func (h *groupEventHub) changed() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.wake == nil {
		h.wake = make(chan struct{})
	}
	return h.wake
}

func (h *groupEventHub) history(groupID string) []GroupEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []GroupEvent
	for _, e := range h.events {
		if groupID == "" || e.Group == groupID {
			out = append(out, e)
		}
	}
	return out
}

func (h *groupEventHub) subscribe() (<-chan GroupEvent, func()) {
	s := &eventSub{notify: make(chan struct{}, 1), out: make(chan GroupEvent), done: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go s.pump()
	var once sync.Once
	return s.out, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, s)
			h.mu.Unlock()
			close(s.done)
		})
	}
}

// eventSub is one subscriber: an unbounded queue drained by a goroutine.
type eventSub struct {
	mu     sync.Mutex
	queue  []GroupEvent
	notify chan struct{}
	out    chan GroupEvent
	done   chan struct{}
}

func (s *eventSub) push(e GroupEvent) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *eventSub) pump() {
	defer close(s.out)
	for {
		s.mu.Lock()
		var next GroupEvent
		have := len(s.queue) > 0
		if have {
			next = s.queue[0]
			s.queue = s.queue[1:]
		}
		s.mu.Unlock()
		if !have {
			select {
			case <-s.notify:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case s.out <- next:
		case <-s.done:
			return
		}
	}
}
