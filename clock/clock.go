// Package clock is the one place where gregor reads time.
//
// Kafka is full of waiting: a fetch parks until min.bytes arrive or
// fetch.max.wait.ms passes, a group member is evicted when
// session.timeout.ms passes without a heartbeat, a follower leaves the ISR
// after replica.lag.time.max.ms, a segment rolls after segment.ms, and
// retention deletes segments older than retention.ms. Tests that wait for
// these in real time are slow and flaky, so every timer in gregor goes
// through a Clock instead of the time package.
//
// Two clocks are provided:
//
//   - Real reads the wall clock. Inside a testing/synctest bubble the wall
//     clock is virtual, so Real is also the clock to use there: the bubble
//     skips waits for brokers and clients alike.
//   - Manual only moves when a test calls Advance (or Set). Advance fires
//     every timer that has become due, in deadline order, before it
//     returns, so a test can say "a minute passes" and then immediately
//     assert what Kafka would have done in that minute.
//
// Timer callbacks run on the goroutine that made them due: a goroutine of
// the runtime for Real, the caller of Advance for Manual. Callbacks must
// therefore be short and must not call Advance themselves.
//
// # Real clients on a manual clock
//
// A real Kafka client keeps its own time. A group consumer sends a
// heartbeat every heartbeat.interval.ms of wall time, and the coordinator
// stamps it with the cluster's clock; while a Manual clock stands still
// every heartbeat renews the member's session at the same reading. One
// Advance(session.timeout.ms) then finds every session expired and evicts
// the live members with the dead ones, which no real cluster would do.
//
// Move time in steps instead, letting the heartbeats land in between:
// broker.Cluster.AdvanceInSteps(ctx, d, step) advances by step at a time
// and, after each step, waits (on events, not on sleeps) until every live
// member of every group has renewed its session at the new reading, so
// only a member that stopped heartbeating reaches its deadline. Keep the
// step well under the session timeout (a third of it or less) and make
// the clients heartbeat often in wall time:
//
//	mc := clock.NewManual(time.Time{})
//	c := gregor.Start(t, broker.Clock(mc))
//	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ConsumerGroup("g"),
//		kgo.ConsumeTopics("t"), kgo.HeartbeatInterval(100*time.Millisecond))
//	// ... wait for the group: c.WaitForStable(ctx, "g", 1)
//	err := c.AdvanceInSteps(ctx, 2*time.Minute, 2*time.Second)
//
// Plain Advance remains right for what has no client heartbeat in it:
// fetch waits, segment rolls, retention, ISR checks, broker session
// timeouts after CrashBroker.
package clock

import "time"

// Clock is the source of time and timers for a cluster.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once, after at least d has passed, unless the
	// returned Timer is stopped first. A d of zero or less makes the timer
	// due at once. A nil f makes a timer that does nothing when it fires.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by Clock.AfterFunc.
type Timer interface {
	// Stop cancels the call. It reports whether the call was cancelled
	// (false if it already ran or was already stopped).
	Stop() bool
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

// realClock is where gregor reads the wall clock, and the only place:
// every other package takes a Clock, so that tests can replace it.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() } // real time by definition: this is the real clock

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	// time.AfterFunc would call a nil f on a goroutine of its own, where
	// the panic takes the whole program down.
	if f == nil {
		f = func() {}
	}
	return time.AfterFunc(d, f) // the real clock's timers are the runtime's
}

// Millis returns t as Kafka's wire and log formats carry time: milliseconds
// since the Unix epoch.
func Millis(t time.Time) int64 { return t.UnixMilli() }
