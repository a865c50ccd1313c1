package clock

import (
	"testing"
	"time"
)

func TestManualFiresDueTimersInOrder(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewManual(start)
	var fired []string
	var seenAt []time.Duration
	add := func(name string, d time.Duration) Timer {
		return m.AfterFunc(d, func() {
			fired = append(fired, name)
			seenAt = append(seenAt, m.Now().Sub(start))
		})
	}
	add("c", 3*time.Second)
	add("a", time.Second)
	stopped := add("x", 2*time.Second)
	add("b", 2*time.Second)
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	m.Advance(2 * time.Second)
	if got := len(fired); got != 2 || fired[0] != "a" || fired[1] != "b" {
		t.Fatalf("after 2s fired %v", fired)
	}
	if seenAt[0] != time.Second {
		t.Fatalf("timer a saw the clock at %v, want its own deadline 1s", seenAt[0])
	}
	if m.Pending() != 1 {
		t.Fatalf("pending %d, want 1", m.Pending())
	}
	m.Advance(time.Hour)
	if len(fired) != 3 || fired[2] != "c" || m.Now().Sub(start) != time.Hour+2*time.Second {
		t.Fatalf("fired %v, now %v", fired, m.Now().Sub(start))
	}
	if stopped.Stop() {
		t.Fatal("second Stop returned true")
	}
}

func TestManualTimerScheduledByCallbackFiresInSameAdvance(t *testing.T) {
	m := NewManual(time.Time{})
	n := 0
	var tick func()
	tick = func() {
		n++
		m.AfterFunc(time.Second, tick)
	}
	m.AfterFunc(time.Second, tick)
	m.Advance(5 * time.Second)
	if n != 5 {
		t.Fatalf("a 1s repeating timer fired %d times in 5s", n)
	}
}
