package group

import (
	"testing"
	"time"
)

// KIP-1263 (Kafka 4.3): with group.consumer.assignment.interval.ms at its
// default of 1 s, a member joining right after the first assignment
// leaves the group Assigning (group epoch 3, assignment epoch 2) and gets
// epoch 2 with nothing, as Kafka 4.4 answers; the first heartbeat once
// the interval has passed on the cluster clock computes the new target.
func TestConsumerAssignmentInterval(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ConsumerAssignmentInterval = time.Second })
	f.addTopic("orders", 6)
	a := f.member848("g", "A", "orders")
	wantCode(t, "a joins", a.join().ErrorCode, nil)
	if a.epoch != 2 || a.count() != 6 {
		t.Fatalf("a: epoch %d with %d partitions; the first assignment is not delayed", a.epoch, a.count())
	}

	b := f.member848("g", "B", "orders")
	wantCode(t, "b joins", b.join().ErrorCode, nil)
	if b.epoch != 2 || b.count() != 0 {
		t.Fatalf("b: epoch %d with %d partitions, want epoch 2 with none", b.epoch, b.count())
	}
	d := f.describe("g")
	if d.State != "Assigning" || d.Generation != 3 {
		t.Fatalf("after b joined: %s at group epoch %d, want Assigning at 3", d.State, d.Generation)
	}

	// Just short of the interval, a's heartbeat still finds the old target.
	f.clock.Advance(time.Second - time.Millisecond)
	a.heartbeat()
	if a.epoch != 2 || a.count() != 6 || f.describe("g").State != "Assigning" {
		t.Fatalf("before the interval: a at epoch %d with %d partitions, group %s", a.epoch, a.count(), f.describe("g").State)
	}

	// Once it has passed, the next heartbeat computes the target for
	// epoch 3: a must give up half its partitions for b.
	f.clock.Advance(time.Millisecond)
	a.heartbeat()
	if a.count() != 3 {
		t.Fatalf("after the interval: a owns %d partitions, want 3 once it revoked", a.count())
	}
	if st := f.describe("g").State; st != "Reconciling" {
		t.Fatalf("after the interval: group %s, want Reconciling", st)
	}
	a.heartbeat()
	b.heartbeat()
	checkExclusive(t, a, b)
	if a.epoch != 3 || b.epoch != 3 || b.count() != 3 || f.describe("g").State != "Stable" {
		t.Fatalf("a epoch %d, b epoch %d with %d partitions, group %s", a.epoch, b.epoch, b.count(), f.describe("g").State)
	}
}

func TestConsumerAssignmentIntervalBounds(t *testing.T) {
	c := DefaultConfig()
	if c.ConsumerAssignmentInterval != time.Second || c.ConsumerMinAssignmentInterval != 0 || c.ConsumerMaxAssignmentInterval != 15*time.Second {
		t.Fatalf("defaults %v [%v, %v], want Kafka's 1s [0, 15s]", c.ConsumerAssignmentInterval, c.ConsumerMinAssignmentInterval, c.ConsumerMaxAssignmentInterval)
	}
	c.ConsumerAssignmentInterval = 16 * time.Second
	if err := c.Validate(); err == nil {
		t.Fatal("an interval above group.consumer.max.assignment.interval.ms was accepted")
	}
	c.ConsumerAssignmentInterval, c.ConsumerMinAssignmentInterval = time.Second, 2*time.Second
	if err := c.Validate(); err == nil {
		t.Fatal("an interval below group.consumer.min.assignment.interval.ms was accepted")
	}
}
