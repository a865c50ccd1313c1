package broker

// Incremental fetch sessions (KIP-227).
//
// A consumer that follows hundreds of partitions would otherwise send all
// of them, with their offsets, in every Fetch, and receive all of them
// back even when nothing changed. With a session the broker remembers the
// partitions and offsets; each later request (an "incremental" fetch)
// lists only partitions whose fetch offset or limits changed, or that the
// client forgets, and each response lists only partitions that have
// records or whose high watermark, log start offset or error changed.
//
// The request's (session_id, session_epoch) pair says what to do:
//
//	(0, 0)   full fetch; create a session if the cache has room
//	(0, -1)  full fetch; no session
//	(id, 0)  close session id, then as (0, 0)
//	(id, -1) close session id; full fetch without a session
//	(id, n)  incremental fetch in session id; n must be the next epoch
//
// Errors (top-level, after which clients start a new session): an
// unknown id is FETCH_SESSION_ID_NOT_FOUND, a wrong epoch
// INVALID_FETCH_SESSION_EPOCH, and a session used with and without topic
// ids (fetch v13+ against older versions) FETCH_SESSION_TOPIC_ID_ERROR. A
// session's epoch moves on when a fetch is accepted, not when it is
// answered, so the same epoch sent again while the first fetch is still
// parked (a client retrying, or two fetches in flight) is
// INVALID_FETCH_SESSION_EPOCH at once. And a parked fetch whose session
// moved on meanwhile (a later epoch was accepted) is answered
// INVALID_FETCH_SESSION_EPOCH when it wakes, its partitions left out, as
// Kafka's IncrementalFetchContext does for a duplicate request. A
// session whose last partition is forgotten is closed. Partitions that
// returned records move to the end of the session, so the next fetch
// gives the others the first share of max_bytes.
//
// max.incremental.fetch.session.cache.slots bounds how many sessions a
// broker keeps (0 turns sessions off: every fetch is sessionless). When
// the cache is full a new session replaces one unused for two minutes,
// or else the smallest session created more than two minutes ago, if the
// new one has more partitions; otherwise the fetch goes without a session
// (Kafka's FetchSessionCacheShard.tryEvict).
//
// A fetch works on a copy of the session's partitions, so that the
// session is locked only while a request is accepted and while its
// answer is recorded, never while the fetch is parked.
//
// Lock order: a session's mu before the cache's mu.

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchSessionEvictionTime is how long a session must be unused (or
// exist) before a new one may evict it, as in Kafka.
const fetchSessionEvictionTime = 2 * time.Minute

type fetchSessionCache struct {
	mu       sync.Mutex
	slots    int
	sessions map[int32]*fetchSession
}

func newFetchSessionCache(slots int) *fetchSessionCache {
	return &fetchSessionCache{slots: slots, sessions: make(map[int32]*fetchSession)}
}

type fetchSession struct {
	mu           sync.Mutex // guards nextEpoch and partitions; never held while a fetch waits
	id           int32
	usesTopicIDs bool // created by fetch v13+: partitions are keyed by topic id
	nextEpoch    int32
	partitions   []*sessionPartition // in fetch order
	index        map[sessionKey]*sessionPartition

	// Guarded by the cache's mu.
	created  time.Time
	lastUsed time.Time
	size     int // partitions at the last use
}

// sessionKey names a partition: by topic name before fetch v13, by topic
// id from v13 (the other field is then zero).
type sessionKey struct {
	topic     string
	topicID   TopicID
	partition int32
}

// sessionPartition is what a fetch asks of one partition and, inside a
// session, what the last response reported about it.
type sessionPartition struct {
	key                sessionKey
	fetchOffset        int64
	maxBytes           int32
	currentLeaderEpoch int32
	lastFetchedEpoch   int32

	sentHighWatermark  int64 // -1 until reported, and after an error
	sentLogStartOffset int64
}

// fetchContext is what one Fetch works on: its partitions and, when it
// belongs to a session, the session. Inside a session the partitions are
// copies, made when the fetch was accepted; claim swaps in the session's
// own records once the fetch is ready to be answered.
type fetchContext struct {
	session     *fetchSession
	partitions  []*sessionPartition
	incremental bool
	epoch       int32 // the session's next epoch once this fetch was accepted
}

// acceptedFetch makes the context of a fetch that s, whose mu the caller
// holds, has just taken, and unlocks s.
func acceptedFetch(s *fetchSession, incremental bool) fetchContext {
	defer s.mu.Unlock()
	parts := make([]*sessionPartition, len(s.partitions))
	for i, p := range s.partitions {
		cp := *p
		parts[i] = &cp
	}
	return fetchContext{session: s, partitions: parts, incremental: incremental, epoch: s.nextEpoch}
}

// claim locks the fetch's session to record its answer and points each
// target at the session's record of its partition. It reports false, with
// nothing locked, when a later fetch on the session was accepted while
// this one waited: the session's partitions and offsets are no longer the
// ones this fetch read, and Kafka answers it INVALID_FETCH_SESSION_EPOCH.
// Without a session there is nothing to claim. The caller calls release
// after a true claim.
func (fc fetchContext) claim(targets []fetchTarget) bool {
	s := fc.session
	if s == nil {
		return true
	}
	s.mu.Lock()
	if s.nextEpoch != fc.epoch {
		s.mu.Unlock()
		return false
	}
	for i := range targets {
		if own := s.index[targets[i].asked.key]; own != nil {
			targets[i].asked = own
		}
	}
	return true
}

// release unlocks what a true claim locked.
func (fc fetchContext) release() {
	if fc.session != nil {
		fc.session.mu.Unlock()
	}
}

// newFetchContext applies the request's session metadata. A non-zero
// error code is the answer to the whole fetch.
func (b *Broker) newFetchContext(version int16, req *kmsg.FetchRequest) (fetchContext, int16) {
	requested := requestedPartitions(version, req)
	now := b.cluster.clock.Now()
	if version < 7 || req.SessionEpoch == -1 {
		if version >= 7 && req.SessionID != 0 {
			b.sessions.remove(req.SessionID)
		}
		return fetchContext{partitions: requested}, 0
	}
	if req.SessionEpoch == 0 {
		if req.SessionID != 0 {
			b.sessions.remove(req.SessionID)
		}
		s := b.sessions.create(len(requested), version >= 13, now)
		if s == nil {
			return fetchContext{partitions: requested}, 0
		}
		s.mu.Lock()
		for _, sp := range requested {
			s.upsert(sp)
		}
		b.sessions.touch(s, now)
		return acceptedFetch(s, false), 0
	}

	s := b.sessions.get(req.SessionID)
	if s == nil {
		return fetchContext{}, kerr.FetchSessionIDNotFound.Code
	}
	s.mu.Lock()
	switch {
	case req.SessionEpoch != s.nextEpoch:
		s.mu.Unlock()
		return fetchContext{}, kerr.InvalidFetchSessionEpoch.Code
	case s.usesTopicIDs != (version >= 13):
		s.mu.Unlock()
		return fetchContext{}, kerr.FetchSessionTopicIDError.Code
	}
	for _, sp := range requested {
		s.upsert(sp)
	}
	for _, f := range req.ForgottenTopics {
		for _, p := range f.Partitions {
			s.forget(topicKey(version, f.Topic, f.TopicID, p))
		}
	}
	if len(s.partitions) == 0 {
		s.mu.Unlock()
		b.sessions.remove(s.id)
		return fetchContext{partitions: requested}, 0
	}
	s.nextEpoch = nextFetchEpoch(s.nextEpoch)
	b.sessions.touch(s, now)
	return acceptedFetch(s, true), 0
}

// requestedPartitions lists the partitions named in the request itself.
func requestedPartitions(version int16, req *kmsg.FetchRequest) []*sessionPartition {
	var out []*sessionPartition
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			out = append(out, &sessionPartition{
				key:                topicKey(version, rt.Topic, rt.TopicID, rp.Partition),
				fetchOffset:        rp.FetchOffset,
				maxBytes:           rp.PartitionMaxBytes,
				currentLeaderEpoch: rp.CurrentLeaderEpoch,
				lastFetchedEpoch:   rp.LastFetchedEpoch,
				sentHighWatermark:  -1,
				sentLogStartOffset: -1,
			})
		}
	}
	return out
}

func topicKey(version int16, topic string, id TopicID, partition int32) sessionKey {
	if version >= 13 {
		return sessionKey{topicID: id, partition: partition}
	}
	return sessionKey{topic: topic, partition: partition}
}

// nextFetchEpoch follows Kafka's FetchMetadata.nextEpoch: epochs count
// up from 1 and wrap back to 1.
func nextFetchEpoch(epoch int32) int32 {
	if epoch == math.MaxInt32 {
		return 1
	}
	return epoch + 1
}

// create makes a new session for size partitions, evicting another when
// the cache is full and Kafka's rules allow it. It returns nil when no
// session can be had (or sessions are disabled).
func (c *fetchSessionCache) create(size int, usesTopicIDs bool, now time.Time) *fetchSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots <= 0 {
		return nil
	}
	if len(c.sessions) >= c.slots && !c.evictFor(size, now) {
		return nil
	}
	id := int32(0)
	for id == 0 || c.sessions[id] != nil {
		id = rand.Int32N(math.MaxInt32)
	}
	s := &fetchSession{id: id, usesTopicIDs: usesTopicIDs, nextEpoch: 1, created: now, lastUsed: now,
		index: make(map[sessionKey]*sessionPartition)}
	c.sessions[id] = s
	return s
}

// evictFor removes a session to make room for a new one of size
// partitions: the least recently used one if it is stale, or else the
// smallest mature one if it is smaller than the newcomer.
func (c *fetchSessionCache) evictFor(size int, now time.Time) bool {
	var lru, smallest *fetchSession
	for _, s := range c.sessions {
		if lru == nil || s.lastUsed.Before(lru.lastUsed) {
			lru = s
		}
		mature := s.lastUsed.Sub(s.created) > fetchSessionEvictionTime
		if mature && (smallest == nil || s.size < smallest.size || s.size == smallest.size && s.id < smallest.id) {
			smallest = s
		}
	}
	switch {
	case lru != nil && now.Sub(lru.lastUsed) > fetchSessionEvictionTime:
		delete(c.sessions, lru.id)
	case smallest != nil && size > smallest.size:
		delete(c.sessions, smallest.id)
	default:
		return false
	}
	return true
}

func (c *fetchSessionCache) get(id int32) *fetchSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[id]
}

// touch records a use of s, whose mu the caller holds.
func (c *fetchSessionCache) touch(s *fetchSession, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.lastUsed = now
	s.size = len(s.partitions)
}

func (c *fetchSessionCache) remove(id int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sessions, id)
}

// upsert adds a partition to the session or updates what the client asks
// of it.
func (s *fetchSession) upsert(p *sessionPartition) {
	if have := s.index[p.key]; have != nil {
		have.fetchOffset, have.maxBytes = p.fetchOffset, p.maxBytes
		have.currentLeaderEpoch, have.lastFetchedEpoch = p.currentLeaderEpoch, p.lastFetchedEpoch
		return
	}
	np := *p
	s.partitions = append(s.partitions, &np)
	s.index[p.key] = &np
}

// forget removes a partition from the session.
func (s *fetchSession) forget(key sessionKey) {
	p := s.index[key]
	if p == nil {
		return
	}
	delete(s.index, key)
	s.remove(p)
}

func (s *fetchSession) remove(p *sessionPartition) {
	for i, q := range s.partitions {
		if q == p {
			s.partitions = append(s.partitions[:i], s.partitions[i+1:]...)
			return
		}
	}
}

// moveToEnd puts partitions that just returned records behind the others,
// so that the next fetch serves the others first. served are partitions
// of the session, in the order they were served. One pass over the
// session, however many were served: with thousands of partitions,
// moving them one at a time cost a pass each.
func (s *fetchSession) moveToEnd(served []*sessionPartition) {
	if len(served) == 0 {
		return
	}
	moved := make(map[*sessionPartition]bool, len(served))
	for _, p := range served {
		moved[p] = true
	}
	kept := s.partitions[:0]
	for _, p := range s.partitions {
		if !moved[p] {
			kept = append(kept, p)
		}
	}
	s.partitions = append(kept, served...)
}

// reported records what a response said about a session partition and
// says whether an incremental response must include it: it has records,
// an error, or a new high watermark or log start offset
// (CachedPartition.maybeUpdateResponseData).
func (p *sessionPartition) reported(rp *kmsg.FetchResponseTopicPartition) bool {
	changed := len(rp.RecordBatches) > 0 || rp.ErrorCode != 0 || rp.PreferredReadReplica >= 0 ||
		p.sentHighWatermark != rp.HighWatermark || p.sentLogStartOffset != rp.LogStartOffset
	p.sentHighWatermark, p.sentLogStartOffset = rp.HighWatermark, rp.LogStartOffset
	if rp.ErrorCode != 0 {
		p.sentHighWatermark = -1 // so the partition is sent again once the error clears
	}
	return changed
}
