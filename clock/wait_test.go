package clock

import (
	"context"
	"testing"
	"time"
)

// WaitForPending and WaitForTimer wake when another goroutine schedules
// the timer they wait for, and give up when their context ends.
func TestManualWaitsForTimers(t *testing.T) {
	m := NewManual(time.Unix(0, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		m.AfterFunc(time.Minute, nil)
		m.AfterFunc(time.Second, nil)
	}()
	if err := m.WaitForPending(ctx, 2); err != nil {
		t.Fatalf("two timers were scheduled, yet: %v", err)
	}
	if err := m.WaitForTimer(ctx, time.Second); err != nil {
		t.Fatalf("a timer is due in a second, yet: %v", err)
	}

	stopped := m.AfterFunc(time.Hour, nil)
	stopped.Stop()
	short, cancelShort := context.WithCancel(ctx)
	cancelShort()
	if err := m.WaitForTimer(short, time.Hour); err == nil {
		t.Fatal("found a stopped timer")
	}
	if err := m.WaitForPending(short, 3); err == nil {
		t.Fatal("counted a stopped timer")
	}
}
