package quota

import "math"

// Kafka's defaults for the quota windows (quota.window.num and
// quota.window.size.seconds).
const (
	DefaultWindowNum  = 11
	DefaultWindowSize = 1000 // milliseconds
)

// Rate is a rate measured over a ring of samples, as Kafka's Rate over a
// SampledStat: each sample sums what was recorded from its start until
// it is one window old. Times are milliseconds on the caller's clock. A
// Rate is not safe for concurrent use.
type Rate struct {
	num      int   // samples kept (quota.window.num)
	windowMs int64 // one sample's span (quota.window.size.seconds)
	samples  []sample
	current  int
}

type sample struct {
	start int64 // when the sample began (Kafka's lastWindowMs)
	value float64
}

// NewRate returns a rate over num samples of windowMs each; it panics
// unless both are positive (the broker passes validated configs).
func NewRate(num int, windowMs int64) *Rate {
	if num < 1 || windowMs < 1 {
		panic("quota: a rate needs at least one sample of at least 1 ms")
	}
	return &Rate{num: num, windowMs: windowMs}
}

// Record adds v at nowMs. A negative v takes back what was recorded
// (Kafka's unrecord, for a throttled fetch).
func (r *Rate) Record(v float64, nowMs int64) {
	s := r.currentSample(nowMs)
	if nowMs-s.start >= r.windowMs {
		s = r.advance(nowMs)
	}
	s.value += v
}

func (r *Rate) currentSample(nowMs int64) *sample {
	if len(r.samples) == 0 {
		r.samples = append(r.samples, sample{start: nowMs})
	}
	return &r.samples[r.current]
}

func (r *Rate) advance(nowMs int64) *sample {
	r.current = (r.current + 1) % r.num
	if r.current >= len(r.samples) {
		r.samples = append(r.samples, sample{start: nowMs})
	} else {
		r.samples[r.current] = sample{start: nowMs}
	}
	return &r.samples[r.current]
}

// purge resets the samples older than the whole ring.
func (r *Rate) purge(nowMs int64) {
	expire := int64(r.num) * r.windowMs
	for i := range r.samples {
		if nowMs-r.samples[i].start >= expire {
			r.samples[i] = sample{start: nowMs}
		}
	}
}

// Span returns the time the rate is taken over at nowMs, in
// milliseconds: from the oldest sample's start, but never less than
// num-1 windows, so that a young rate is not judged on a short span.
func (r *Rate) Span(nowMs int64) int64 {
	r.purge(nowMs)
	oldest := nowMs
	for _, s := range r.samples {
		oldest = min(oldest, s.start)
	}
	span := nowMs - oldest
	full := span / r.windowMs
	if minFull := int64(r.num - 1); full < minFull {
		span += (minFull - full) * r.windowMs
	}
	return span
}

// PerSecond returns the rate at nowMs, per second.
func (r *Rate) PerSecond(nowMs int64) float64 {
	span := r.Span(nowMs)
	var sum float64
	for _, s := range r.samples {
		sum += s.value
	}
	return sum / (float64(span) / 1000)
}

// Throttle returns how long, in milliseconds, a client whose rate is
// measured by r must stay quiet for the rate to come back to limit: 0
// when it is within the limit (Kafka's QuotaUtils.throttleTime).
func (r *Rate) Throttle(limit float64, nowMs int64) int64 {
	rate := r.PerSecond(nowMs)
	if rate <= limit {
		return 0
	}
	return int64(math.Round((rate - limit) / limit * float64(r.Span(nowMs))))
}
