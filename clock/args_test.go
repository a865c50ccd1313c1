package clock

import (
	"testing"
	"time"
)

// Bad arguments never make a clock panic later, on a timer's goroutine
// or inside a test's Advance.
func TestNilCallbacksDoNothing(t *testing.T) {
	m := NewManual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	m.AfterFunc(time.Second, nil)
	remove := m.OnAdvance(nil)
	m.Advance(2 * time.Second)
	remove()
	if m.Pending() != 0 {
		t.Fatalf("%d timers pending", m.Pending())
	}
	done := make(chan struct{})
	Real().AfterFunc(0, nil)
	Real().AfterFunc(0, func() { close(done) })
	<-done
}

// A negative Advance, or a Set into the past, does not move the clock
// back.
func TestManualNeverRunsBackwards(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewManual(start)
	m.Advance(-time.Hour)
	m.Set(start.Add(-time.Hour))
	if !m.Now().Equal(start) {
		t.Fatalf("clock reads %v, want %v", m.Now(), start)
	}
}
