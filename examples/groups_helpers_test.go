package examples

// Helpers for the consumer group scenarios (4, 5 and 8): a cluster with
// group-friendly settings, consumers that record what they are assigned
// and revoked, a network that can be cut under a consumer to simulate a
// crash, and waits on the group's state that never sleep.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupCluster is where a group scenario runs: the scenario's cluster
// (startCluster decides between gregor and a real Kafka), and the manual
// clock when the scenario asked for one and runs on gregor.
type groupCluster struct {
	*cluster
	manual *clock.Manual // nil on an external cluster or a real clock
}

// newGroupCluster starts the cluster for a group scenario. With manual,
// gregor's clock only moves when the test says so.
func newGroupCluster(t *testing.T, manual bool, opts ...broker.Option) *groupCluster {
	t.Helper()
	var mc *clock.Manual
	if manual {
		mc = clock.NewManual(time.Time{})
		opts = append(opts, broker.Clock(mc))
	}
	c := &groupCluster{cluster: startCluster(t, opts...)}
	if !c.external() {
		c.manual = mc
	}
	return c
}

// topic creates a topic with n partitions and returns its name.
func (c *groupCluster) topic(base string, partitions int32) string {
	c.t.Helper()
	return c.createTopic(base, partitions, 1, nil)
}

// produce writes n records "<prefix>-0".."<prefix>-(n-1)" round robin over
// the topic's partitions and waits for them to be acknowledged.
func (c *groupCluster) produce(topic, prefix string, n int) {
	c.t.Helper()
	p, err := kgo.NewClient(kgo.SeedBrokers(c.addrs...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		c.t.Fatal(err)
	}
	defer p.Close()
	var rs []*kgo.Record
	for i := 0; i < n; i++ {
		rs = append(rs, &kgo.Record{Value: fmt.Appendf(nil, "%s-%d", prefix, i)})
	}
	if err := p.ProduceSync(c.ctx, rs...).FirstErr(); err != nil {
		c.t.Fatalf("producing: %v", err)
	}
}

// groupConsumer is a kgo group consumer that keeps, through the
// rebalance callbacks, the partitions it owns and every revocation.
type groupConsumer struct {
	name string
	cl   *kgo.Client
	net  *cuttableNetwork

	mu       sync.Mutex
	owned    map[int32]bool
	revoked  [][]int32 // one entry per OnPartitionsRevoked call
	lost     [][]int32
	changed  chan struct{}
	closed   bool
	heartbts int // Heartbeat requests answered without error
	fetches  int // Fetch requests sent
}

// consumer starts a group consumer of topic named name (its client.id).
// Heartbeats go every 50ms so that members learn of a rebalance at once.
func (c *groupCluster) consumer(name, group, topic string, opts ...kgo.Opt) *groupConsumer {
	c.t.Helper()
	gc := &groupConsumer{name: name, owned: map[int32]bool{}, changed: make(chan struct{})}
	gc.net = &cuttableNetwork{dial: (&net.Dialer{}).DialContext}
	base := []kgo.Opt{
		kgo.SeedBrokers(c.addrs...), kgo.ClientID(name), kgo.Dialer(gc.net.DialContext),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.HeartbeatInterval(50 * time.Millisecond),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			gc.update(func() {
				for _, p := range m[topic] {
					gc.owned[p] = true
				}
			})
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			gc.update(func() {
				ps := sorted(m[topic])
				gc.revoked = append(gc.revoked, ps)
				for _, p := range ps {
					delete(gc.owned, p)
				}
			})
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			gc.update(func() {
				ps := sorted(m[topic])
				gc.lost = append(gc.lost, ps)
				for _, p := range ps {
					delete(gc.owned, p)
				}
			})
		}),
		kgo.WithHooks(requestHook{gc}),
	}
	if c.manual != nil {
		// On close, kgo ends its fetch session with a Fetch that may wait
		// 1 ms and gives it a second; under a manual clock that
		// millisecond never passes by itself, so every close would take a
		// second. Without fetch sessions there is nothing to end.
		base = append(base, kgo.DisableFetchSessions())
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	gc.cl = cl
	c.t.Cleanup(gc.close)
	return gc
}

func (gc *groupConsumer) update(f func()) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	f()
	close(gc.changed)
	gc.changed = make(chan struct{})
}

// waitUntil blocks until cond (called with the consumer locked) holds.
func (gc *groupConsumer) waitUntil(ctx context.Context, what string, cond func() bool) error {
	for {
		gc.mu.Lock()
		ok, ch := cond(), gc.changed
		gc.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("consumer %s: waiting for %s: %w", gc.name, what, ctx.Err())
		}
	}
}

// ownedNow returns the partitions the consumer owns, sorted.
func (gc *groupConsumer) ownedNow() []int32 {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	var out []int32
	for p := range gc.owned {
		out = append(out, p)
	}
	return sorted(out)
}

// revocations returns and forgets the revocations seen so far.
func (gc *groupConsumer) revocations() [][]int32 {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	out := gc.revoked
	gc.revoked = nil
	return out
}

// heartbeats is how many Heartbeat requests have been answered.
func (gc *groupConsumer) heartbeats() int {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	return gc.heartbts
}

// waitFetching waits until the consumer has sent a Fetch: it owns a
// partition and knows its position there, which auto.offset.reset
// decided (with ListOffsets) if the group had committed nothing.
func (gc *groupConsumer) waitFetching(ctx context.Context) error {
	return gc.waitUntil(ctx, "its first fetch", func() bool { return gc.fetches > 0 })
}

// close leaves the group cleanly (LeaveGroup), as consumer.close() does.
func (gc *groupConsumer) close() {
	gc.mu.Lock()
	if gc.closed {
		gc.mu.Unlock()
		return
	}
	gc.closed = true
	gc.mu.Unlock()
	if gc.net.isCut() {
		// A crashed consumer cannot leave; closing it would only retry
		// against a network that is gone.
		go gc.cl.Close()
		return
	}
	gc.cl.Close()
}

// crash cuts the consumer off the network without leaving the group, as
// a killed process or a pulled cable would: no LeaveGroup, no commit on
// close, and no more heartbeats.
func (gc *groupConsumer) crash() {
	gc.net.cut()
	gc.mu.Lock()
	gc.closed = true
	gc.mu.Unlock()
	go gc.cl.Close()
}

// requestHook counts the consumer's successful heartbeats and the
// fetches it sends.
type requestHook struct{ gc *groupConsumer }

func (h requestHook) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	if key == 12 && e2e.Err() == nil { // Heartbeat
		h.gc.update(func() { h.gc.heartbts++ })
	}
}

func (h requestHook) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key == 1 && err == nil { // Fetch
		h.gc.update(func() { h.gc.fetches++ })
	}
}

// cuttableNetwork dials brokers until cut; then it closes every
// connection it made and refuses new ones.
type cuttableNetwork struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu    sync.Mutex
	conns []net.Conn
	down  bool
}

func (n *cuttableNetwork) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return nil, errors.New("network cut (simulated crash)")
	}
	c, err := n.dial(ctx, network, addr)
	if err == nil {
		n.conns = append(n.conns, c)
	}
	return c, err
}

func (n *cuttableNetwork) cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = true
	for _, c := range n.conns {
		c.Close()
	}
}

func (n *cuttableNetwork) isCut() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.down
}

// waitOwnership waits until each consumer owns the given number of
// partitions, then checks that together they own every partition of the
// topic exactly once.
func (c *groupCluster) waitOwnership(partitions int, counts map[*groupConsumer]int) {
	c.t.Helper()
	for gc, n := range counts {
		if err := gc.waitUntil(c.ctx, fmt.Sprintf("%d partitions", n), func() bool { return len(gc.owned) == n }); err != nil {
			c.t.Fatal(err)
		}
	}
	seen := map[int32]string{}
	for gc := range counts {
		for _, p := range gc.ownedNow() {
			if other, dup := seen[p]; dup {
				c.t.Fatalf("partition %d owned by %s and %s", p, other, gc.name)
			}
			seen[p] = gc.name
		}
	}
	if len(seen) != partitions {
		c.t.Fatalf("%d of %d partitions owned", len(seen), partitions)
	}
}

// waitStable waits until the group is Stable with n members: on gregor
// through its group state, on a real cluster by asking DescribeGroups.
func (c *groupCluster) waitStable(group string, n int) {
	c.t.Helper()
	if c.gregor != nil {
		if _, err := c.gregor.WaitForStable(c.ctx, group, n); err != nil {
			c.t.Fatalf("%v\n%s", err, c.story(group))
		}
		return
	}
	c.eventually(fmt.Sprintf("group %s is Stable with %d members", group, n), func() bool {
		ds, err := c.admin.DescribeGroups(c.ctx, group)
		d, ok := ds[group]
		if err != nil || !ok {
			return false
		}
		if d.State != "Dead" {
			return d.State == "Stable" && len(d.Members) == n
		}
		// A group of the consumer protocol (KIP-848) reads as Dead to
		// DescribeGroups; ConsumerGroupDescribe describes it.
		cs, err := c.admin.DescribeConsumerGroups(c.ctx, group)
		cd, ok := cs[group]
		return err == nil && ok && cd.Err == nil && cd.State == "Stable" && len(cd.Members) == n
	})
}

// story prints the group's events as gregor's coordinator reported them.
func (c *groupCluster) story(group string) string {
	if c.gregor == nil {
		return ""
	}
	var b strings.Builder
	for _, e := range c.gregor.GroupEvents(group) {
		b.WriteString("    " + e.String() + "\n")
	}
	return b.String()
}

// table prints who owns what, like kafka-consumer-groups.sh --describe.
func (c *groupCluster) table(group string) string {
	if c.gregor == nil {
		return ""
	}
	d, err := c.gregor.Group(group)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "    GROUP %s  STATE %s  GENERATION %d  PROTOCOL %s\n", d.Group, d.State, d.Generation, d.Protocol)
	w := len("TOPIC")
	for _, l := range d.Lag {
		w = max(w, len(l.Topic))
	}
	fmt.Fprintf(&b, "    %-*s %-9s %-14s %-14s %-5s %s\n", w, "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CLIENT-ID")
	for _, l := range d.Lag {
		cur, lag := "-", "-"
		if l.CommittedOffset >= 0 {
			cur = fmt.Sprint(l.CommittedOffset)
		}
		if l.Lag >= 0 {
			lag = fmt.Sprint(l.Lag)
		}
		fmt.Fprintf(&b, "    %-*s %-9d %-14s %-14d %-5s %s\n", w, l.Topic, l.Partition, cur, l.LogEndOffset, lag, l.ClientID)
	}
	return b.String()
}

// poll reads records until n have arrived (values, in delivery order).
func (c *groupCluster) poll(gc *groupConsumer, n int) []string {
	c.t.Helper()
	var got []string
	for len(got) < n {
		fs := gc.cl.PollRecords(c.ctx, n-len(got))
		if c.ctx.Err() != nil {
			c.t.Fatalf("consumer %s got %d of %d records", gc.name, len(got), n)
		}
		for _, e := range fs.Errors() {
			c.t.Fatalf("consumer %s: %s-%d: %v", gc.name, e.Topic, e.Partition, e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

func sorted(ps []int32) []int32 {
	out := append([]int32(nil), ps...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
