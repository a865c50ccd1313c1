package quota

import "math"

// TokenBucket measures controller_mutation_rate as Kafka's TokenBucket
// (KIP-599): it holds up to burst = limit * num * windowMs/1000 credits,
// starts full, takes one credit per partition created or deleted, and
// regains limit credits per second. Credits may go negative: the request
// that empties the bucket is let through, the next ones wait. Not safe
// for concurrent use.
type TokenBucket struct {
	num      int
	windowMs int64
	tokens   float64
	lastMs   int64
	started  bool
}

// NewTokenBucket returns a bucket for num windows of windowMs; it panics
// unless both are positive.
func NewTokenBucket(num int, windowMs int64) *TokenBucket {
	if num < 1 || windowMs < 1 {
		panic("quota: a token bucket needs at least one window of at least 1 ms")
	}
	return &TokenBucket{num: num, windowMs: windowMs}
}

func (b *TokenBucket) burst(limit float64) float64 {
	return limit * float64(b.num) * float64(b.windowMs) / 1000
}

// refill brings the credits up to nowMs under limit.
func (b *TokenBucket) refill(limit float64, nowMs int64) {
	if !b.started {
		b.tokens, b.lastMs, b.started = b.burst(limit), nowMs, true
		return
	}
	elapsed := float64(max(nowMs-b.lastMs, 0)) / 1000
	b.tokens = min(b.burst(limit), b.tokens+elapsed*limit)
	b.lastMs = nowMs
}

// Exceeded reports whether the bucket is in debt at nowMs, the check a
// strict (v6+ CreateTopics) request makes before it mutates.
func (b *TokenBucket) Exceeded(limit float64, nowMs int64) bool {
	b.refill(limit, nowMs)
	return b.tokens < 0
}

// Record takes v credits at nowMs.
func (b *TokenBucket) Record(v, limit float64, nowMs int64) {
	b.refill(limit, nowMs)
	b.tokens -= v
}

// Throttle returns how long, in milliseconds, until the bucket is out of
// debt: 0 when it is not in debt.
func (b *TokenBucket) Throttle(limit float64, nowMs int64) int64 {
	b.refill(limit, nowMs)
	if b.tokens >= 0 {
		return 0
	}
	return int64(math.Round(-b.tokens / limit * 1000))
}
