package quota

import (
	"sync"
)

// Manager measures the clients of one broker against the cluster's
// quotas, as Kafka's ClientQuotaManager (producer and consumer byte
// rates), ClientRequestQuotaManager (request_percentage) and
// ControllerMutationQuotaManager do: quotas are enforced per broker, so
// each broker has its own Manager. The quotas themselves are passed in
// on every call (the broker's current *Set), so a change applies to the
// next request. Safe for concurrent use.
type Manager struct {
	num      int
	windowMs int64

	mu      sync.Mutex
	rates   map[rateKey]*Rate
	buckets map[Tags]*TokenBucket
}

type rateKey struct {
	key  string
	tags Tags
}

// NewManager returns a Manager whose rates keep num samples of windowMs
// (quota.window.num, quota.window.size.seconds); it panics unless both
// are positive.
func NewManager(num int, windowMs int64) *Manager {
	if num < 1 || windowMs < 1 {
		panic("quota: a manager needs at least one window of at least 1 ms")
	}
	return &Manager{num: num, windowMs: windowMs, rates: map[rateKey]*Rate{}, buckets: map[Tags]*TokenBucket{}}
}

// Record adds v to the rate the client shares for key (a byte rate or
// request_percentage) at nowMs, and returns how long to throttle the
// client, in milliseconds: 0 when no quota applies or the rate is within
// it. request_percentage throttles for at most one window, as Kafka's
// ClientRequestQuotaManager bounds it; the byte rates are unbounded.
func (m *Manager) Record(s *Set, key, user, clientID string, v float64, nowMs int64) int64 {
	tags, limit, ok := s.Resolve(key, user, clientID)
	if !ok {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rate(key, tags)
	r.Record(v, nowMs)
	t := r.Throttle(limit, nowMs)
	if key == RequestPercentage {
		t = min(t, m.windowMs)
	}
	return t
}

// Unrecord takes back v recorded at nowMs: a throttled fetch returns no
// records, so its bytes do not count.
func (m *Manager) Unrecord(s *Set, key, user, clientID string, v float64, nowMs int64) {
	tags, _, ok := s.Resolve(key, user, clientID)
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rate(key, tags).Record(-v, nowMs)
}

// MaxInWindow returns the most a client may take in one go without
// certainly being throttled: limit * (num-1) windows. A fetch asks for
// no more bytes than this. ok is false when no quota applies.
func (m *Manager) MaxInWindow(s *Set, key, user, clientID string) (max float64, ok bool) {
	_, limit, ok := s.Resolve(key, user, clientID)
	if !ok {
		return 0, false
	}
	return limit * float64(m.num-1) * float64(m.windowMs) / 1000, true
}

// MutationThrottle checks controller_mutation_rate before a strict
// request mutates: it returns the throttle in milliseconds while the
// client's bucket is in debt, 0 when the client may go ahead.
func (m *Manager) MutationThrottle(s *Set, user, clientID string, nowMs int64) int64 {
	tags, limit, ok := s.Resolve(ControllerMutationRate, user, clientID)
	if !ok {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bucket(tags).Throttle(limit, nowMs)
}

// RecordMutation takes n partitions' credits from the client's bucket at
// nowMs and returns the throttle that leaves, in milliseconds.
func (m *Manager) RecordMutation(s *Set, user, clientID string, n float64, nowMs int64) int64 {
	tags, limit, ok := s.Resolve(ControllerMutationRate, user, clientID)
	if !ok {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bucket(tags)
	b.Record(n, limit, nowMs)
	return b.Throttle(limit, nowMs)
}

func (m *Manager) rate(key string, tags Tags) *Rate {
	k := rateKey{key, tags}
	r := m.rates[k]
	if r == nil {
		r = NewRate(m.num, m.windowMs)
		m.rates[k] = r
	}
	return r
}

func (m *Manager) bucket(tags Tags) *TokenBucket {
	b := m.buckets[tags]
	if b == nil {
		b = NewTokenBucket(m.num, m.windowMs)
		m.buckets[tags] = b
	}
	return b
}

// RecordConnection counts a new connection from ip at nowMs against its
// connection_creation_rate (KIP-612) and returns how long, in
// milliseconds, to hold the connection before closing it unserved: 0
// when it may be served. A refused connection is not counted, and the
// throttle is at most one window, as Kafka's ConnectionQuotas has it.
func (m *Manager) RecordConnection(s *Set, ip string, nowMs int64) int64 {
	limit, ok := s.ResolveIP(ip)
	if !ok {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rate(ConnectionCreationRate, Tags{User: ip}) // one rate per ip, whichever entity set the quota
	r.Record(1, nowMs)
	t := min(r.Throttle(limit, nowMs), m.windowMs)
	if t > 0 {
		r.Record(-1, nowMs)
	}
	return t
}
