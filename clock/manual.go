package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Manual is a clock that moves only when told to. The zero value is not
// usable; create one with NewManual.
type Manual struct {
	mu       sync.Mutex
	now      time.Time
	timers   timerHeap
	seq      uint64 // orders timers with equal deadlines by creation
	firing   sync.Mutex
	settlers map[int]func(context.Context)
	nextID   int
	changed  chan struct{} // closed and replaced when the timers change
}

// settleGrace bounds, in wall time, how long Advance lets the settlers
// wait for work that takes no clock time to finish.
const settleGrace = 5 * time.Second

// OnAdvance registers settle, which Advance calls before it moves the
// clock and after every timer it fires. A cluster registers one that
// waits until its followers have copied what their leaders have: in real
// time that takes microseconds, so it must be done before any clock time
// passes, or a jump of the clock would make a healthy follower look
// lagging. settle gets a context that ends after a few seconds of wall
// time, so a stuck wait cannot hang a test. The returned function
// unregisters it. A nil settle registers nothing.
func (m *Manual) OnAdvance(settle func(context.Context)) (remove func()) {
	if settle == nil {
		return func() {}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.settlers == nil {
		m.settlers = make(map[int]func(context.Context))
	}
	id := m.nextID
	m.nextID++
	m.settlers[id] = settle
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.settlers, id)
	}
}

func (m *Manual) settle() {
	m.mu.Lock()
	fs := make([]func(context.Context), 0, len(m.settlers))
	for _, f := range m.settlers {
		fs = append(fs, f)
	}
	m.mu.Unlock()
	if len(fs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), settleGrace)
	defer cancel()
	for _, f := range fs {
		f(ctx)
	}
}

// NewManual returns a manual clock that reads start. A zero start means
// the wall clock's current reading (to the millisecond), so that record
// timestamps made by real clients, which use their own clocks, look
// current to the broker: Kafka rejects records stamped too far in the
// future (message.timestamp.after.max.ms).
func NewManual(start time.Time) *Manual {
	if start.IsZero() {
		// Real time once, so client timestamps look current (see above).
		start = time.Now().Truncate(time.Millisecond)
	}
	return &Manual{now: start}
}

// Now returns the clock's current reading.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// AfterFunc schedules f to run when the clock has been advanced by d. A
// timer that is already due when it is created runs at the next Advance
// (of any amount, including zero), never on the caller's goroutine, so
// that callers may hold their own locks while scheduling.
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer {
	if f == nil {
		f = func() {}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	t := &manualTimer{m: m, when: m.now.Add(d), seq: m.seq, f: f}
	heap.Push(&m.timers, t)
	m.timersChanged()
	return t
}

// Advance moves the clock forward by d and runs, in deadline order, every
// timer that is due at the new reading, each with the clock reading its
// own deadline. Timers scheduled by those callbacks that fall due within
// the same step run too. A negative d is treated as zero.
func (m *Manual) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	m.mu.Lock()
	target := m.now.Add(d)
	m.mu.Unlock()
	m.advanceTo(target)
}

// Set moves the clock to t, which must not be before the current reading
// (a clock that runs backwards would break every deadline); an earlier t
// only fires timers that are already due.
func (m *Manual) Set(t time.Time) {
	m.advanceTo(t)
}

// Pending reports how many timers are scheduled and not yet run or
// stopped. Tests wait for it to grow with WaitForPending.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// NextDeadline returns the deadline of the earliest pending timer.
func (m *Manual) NextDeadline() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.timers) == 0 {
		return time.Time{}, false
	}
	return m.timers[0].when, true
}

// WaitForPending blocks until at least n timers are pending, or ctx
// ends. A broker parks a request (a long-polling fetch, a produce waiting
// for acks=all) by scheduling its timeout, so a test that knows how many
// timers were pending before it sent the request waits for one more
// instead of polling Pending.
func (m *Manual) WaitForPending(ctx context.Context, n int) error {
	return m.waitFor(ctx, func() bool { return len(m.timers) >= n })
}

// WaitForTimer blocks until a pending timer is due exactly d after the
// clock's current reading, or ctx ends: the request that the test just
// sent, with a timeout of d, has been parked on this clock.
func (m *Manual) WaitForTimer(ctx context.Context, d time.Duration) error {
	return m.waitFor(ctx, func() bool {
		when := m.now.Add(d)
		for _, t := range m.timers {
			if t.when.Equal(when) {
				return true
			}
		}
		return false
	})
}

// waitFor re-checks cond, with m.mu held, each time a timer is scheduled,
// fires or is stopped.
func (m *Manual) waitFor(ctx context.Context, cond func() bool) error {
	for {
		m.mu.Lock()
		ok := cond()
		if m.changed == nil {
			m.changed = make(chan struct{})
		}
		changed := m.changed
		m.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// timersChanged wakes the waiters of waitFor; m.mu is held.
func (m *Manual) timersChanged() {
	if m.changed != nil {
		close(m.changed)
		m.changed = nil
	}
}

func (m *Manual) advanceTo(target time.Time) {
	// One Advance at a time, so that callbacks observe a monotonic clock
	// even when tests advance from several goroutines.
	m.firing.Lock()
	defer m.firing.Unlock()
	for {
		m.settle()
		m.mu.Lock()
		if len(m.timers) == 0 || m.timers[0].when.After(target) {
			if target.After(m.now) {
				m.now = target
			}
			m.mu.Unlock()
			return
		}
		t := heap.Pop(&m.timers).(*manualTimer)
		t.index = -1
		m.timersChanged()
		if t.when.After(m.now) {
			m.now = t.when
		}
		m.mu.Unlock()
		t.f()
	}
}

type manualTimer struct {
	m     *Manual
	when  time.Time
	seq   uint64
	f     func()
	index int // position in the heap, -1 once run or stopped
}

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.m.timers, t.index)
	t.index = -1
	t.m.timersChanged()
	return true
}

type timerHeap []*manualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*manualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
