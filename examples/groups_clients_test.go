package examples

// The consumer group flows with other clients: Sarama's consumer group,
// kafka-go's Reader with a GroupID (which still speaks JoinGroup v1 and
// FindCoordinator v0), and librdkafka through kcat -G. Each shares a
// six-partition topic between two members of one group, reads every
// record once, and commits, so the group ends with no lag.

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	kafkago "github.com/segmentio/kafka-go"
)

// waitNoLag waits until the group has committed every record of the
// topic's partitions.
func (c *groupCluster) waitNoLag(group string, partitions int) {
	c.t.Helper()
	if c.gregor == nil {
		c.eventually(fmt.Sprintf("group %s has no lag", group), func() bool {
			lags, err := c.admin.Lag(c.ctx, group)
			l, ok := lags[group]
			if err != nil || !ok || l.Error() != nil {
				return false
			}
			n := 0
			for _, ps := range l.Lag {
				for _, ml := range ps {
					if ml.Err != nil || ml.Lag != 0 {
						return false
					}
					n++
				}
			}
			return n == partitions
		})
		return
	}
	_, err := c.gregor.WaitForGroup(c.ctx, group, func(d broker.GroupDescription) bool {
		if len(d.Lag) != partitions {
			return false
		}
		for _, l := range d.Lag {
			if l.Lag != 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		c.t.Fatalf("group %s still lags: %v\n%s", group, err, c.table(group))
	}
}

// saramaHandler consumes claims and marks every message for commit.
type saramaHandler struct {
	mu      sync.Mutex
	claims  map[int32]bool
	changed chan struct{} // closed when the claims change
	got     *[]string
	gotMu   *sync.Mutex
}

func (h *saramaHandler) Setup(s sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.claims = map[int32]bool{}
	for _, ps := range s.Claims() {
		for _, p := range ps {
			h.claims[p] = true
		}
	}
	close(h.changed)
	h.changed = make(chan struct{})
	return nil
}

// waitOwned waits until the member's session claims n partitions.
func (h *saramaHandler) waitOwned(ctx context.Context, n int) error {
	for {
		h.mu.Lock()
		ok, ch := len(h.claims) == n, h.changed
		h.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("sarama member never owned %d partitions: %w", n, ctx.Err())
		}
	}
}

func (h *saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.gotMu.Lock()
		*h.got = append(*h.got, string(m.Value))
		h.gotMu.Unlock()
		s.MarkMessage(m, "")
	}
	return nil
}

func TestGroupsSarama(t *testing.T) {
	c := newGroupCluster(t, false)
	topic := c.topic("sarama-orders", 6)
	group := c.name("sarama-group")
	c.produce(topic, "order", 60)

	var mu sync.Mutex
	var got []string
	var handlers []*saramaHandler
	ctx, cancel := context.WithCancel(c.ctx)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		cfg := sarama.NewConfig()
		cfg.ClientID = fmt.Sprintf("sarama-%d", i)
		cfg.Version = sarama.V4_0_0_0
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		cfg.Consumer.Offsets.AutoCommit.Interval = 50 * time.Millisecond
		cfg.Consumer.Group.Heartbeat.Interval = 50 * time.Millisecond
		cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
		cg, err := sarama.NewConsumerGroup(c.addrs, group, cfg)
		if err != nil {
			t.Fatal(err)
		}
		h := &saramaHandler{got: &got, gotMu: &mu, changed: make(chan struct{})}
		handlers = append(handlers, h)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cg.Close()
			for ctx.Err() == nil {
				if err := cg.Consume(ctx, []string{topic}, h); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) {
					t.Errorf("sarama consume: %v", err)
					return
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	c.waitStable(group, 2)
	c.waitNoLag(group, 6)
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n != 60 {
		t.Fatalf("sarama consumed %d records, want 60", n)
	}
	for _, h := range handlers {
		if err := h.waitOwned(c.ctx, 3); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("sarama:\n%s", c.table(group))
}

func TestGroupsKafkaGo(t *testing.T) {
	c := newGroupCluster(t, false)
	topic := c.topic("kafkago-orders", 6)
	group := c.name("kafkago-group")
	c.produce(topic, "order", 60)

	var mu sync.Mutex
	got := map[string]bool{}
	ctx, cancel := context.WithCancel(c.ctx)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		r := kafkago.NewReader(kafkago.ReaderConfig{
			Brokers: c.addrs, GroupID: group, Topic: topic,
			Dialer:            &kafkago.Dialer{ClientID: fmt.Sprintf("kafka-go-%d", i), Timeout: 10 * time.Second},
			HeartbeatInterval: 100 * time.Millisecond, MaxWait: 100 * time.Millisecond,
			StartOffset: kafkago.FirstOffset, JoinGroupBackoff: 100 * time.Millisecond,
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				got[string(m.Value)] = true
				mu.Unlock()
				if err := r.CommitMessages(ctx, m); err != nil && ctx.Err() == nil {
					t.Errorf("kafka-go commit: %v", err)
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	c.waitStable(group, 2)
	c.waitNoLag(group, 6)
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n != 60 {
		t.Fatalf("kafka-go consumed %d distinct records, want 60", n)
	}
	t.Logf("kafka-go:\n%s", c.table(group))
}

func TestGroupsKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat is not installed (apt-get install kcat); skipping the librdkafka consumer group check")
	}
	c := newGroupCluster(t, false)
	topic := c.topic("kcat-orders", 6)
	group := c.name("kcat-group")
	c.produce(topic, "order", 30)

	// A balanced consumer (-G) reads 15 records and exits, committing
	// what it delivered as it closes; a second one, in the same group,
	// resumes there and reads the other 15. (Two started at once would
	// also share the partitions, but librdkafka does not commit when an
	// eager rebalance revokes its partitions, so records read before the
	// rebalance would be read again: at-least-once, as on Kafka.)
	var lines []string
	for i := 0; i < 2; i++ {
		cmd := exec.CommandContext(c.ctx, kcat, "-b", strings.Join(c.addrs, ","), "-G", group,
			"-X", fmt.Sprintf("client.id=kcat-%d", i), "-X", "auto.offset.reset=earliest",
			"-c", "15", "-f", "%p %s\n", "-q", topic)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kcat -G: %v\n%s", err, out)
		}
		lines = append(lines, strings.Split(strings.TrimSpace(string(out)), "\n")...)
		if g := c.gregor; g != nil && i == 0 {
			d, err := g.Group(group)
			if err != nil {
				t.Fatal(err)
			}
			var committed int64
			for _, l := range d.Lag {
				committed += max(l.CommittedOffset, 0)
			}
			if d.State != "Empty" || committed != 15 {
				t.Fatalf("after the first kcat: %s with %d committed\n%s", d.State, committed, c.table(group))
			}
		}
	}
	sort.Strings(lines)
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l] = true
	}
	if len(seen) != 30 {
		t.Fatalf("kcat consumers read %d distinct records, want 30:\n%s\n%s", len(seen), strings.Join(lines, "\n"), c.story(group))
	}
	c.waitNoLag(group, 6)
	t.Logf("kcat:\n%s\n%s", c.table(group), c.story(group))
}
