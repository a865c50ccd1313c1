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
//	(0, 0)   full fetch; create a session if a slot is free
//	(0, -1)  full fetch; no session
//	(id, -1) close session id; full fetch without a session
//	(id, n)  incremental fetch in session id; n must be the next epoch
//
// Errors: an unknown id is FETCH_SESSION_ID_NOT_FOUND and a wrong epoch
// INVALID_FETCH_SESSION_EPOCH (top-level), after which clients start a
// new session. max.incremental.fetch.session.cache.slots bounds how many
// sessions a broker keeps; when full, the least recently used session is
// evicted.

import (
	"math/rand/v2"
	"sync"
)

type fetchSessionCache struct {
	mu       sync.Mutex
	slots    int
	sessions map[int32]*fetchSession
	tick     uint64 // orders sessions by last use
}

func newFetchSessionCache(slots int) *fetchSessionCache {
	return &fetchSessionCache{slots: slots, sessions: make(map[int32]*fetchSession)}
}

type fetchSession struct {
	mu         sync.Mutex // one fetch at a time per session
	id         int32
	nextEpoch  int32
	lastUsed   uint64
	partitions []*sessionPartition
	index      map[sessionKey]*sessionPartition
}

type sessionKey struct {
	topic     string
	partition int32
}

// sessionPartition is what a session remembers about one partition: the
// client's position and limits, and what the last response reported.
type sessionPartition struct {
	topic              string
	topicID            TopicID
	partition          int32
	fetchOffset        int64
	maxBytes           int32
	currentLeaderEpoch int32
	lastFetchedEpoch   int32

	sentHighWatermark  int64 // -1 until reported
	sentLogStartOffset int64
}

// create makes a new session, evicting the least recently used one when
// all slots are taken. It returns nil when sessions are disabled.
func (c *fetchSessionCache) create() *fetchSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots <= 0 {
		return nil
	}
	if len(c.sessions) >= c.slots {
		var oldest *fetchSession
		for _, s := range c.sessions {
			if oldest == nil || s.lastUsed < oldest.lastUsed {
				oldest = s
			}
		}
		delete(c.sessions, oldest.id)
	}
	id := int32(0)
	for id == 0 || c.sessions[id] != nil {
		id = rand.Int32N(1<<31 - 1)
	}
	c.tick++
	s := &fetchSession{id: id, nextEpoch: 1, lastUsed: c.tick, index: make(map[sessionKey]*sessionPartition)}
	c.sessions[id] = s
	return s
}

func (c *fetchSessionCache) get(id int32) *fetchSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[id]
	if s != nil {
		c.tick++
		s.lastUsed = c.tick
	}
	return s
}

func (c *fetchSessionCache) remove(id int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sessions, id)
}

// upsert adds a partition to the session or updates its position.
func (s *fetchSession) upsert(p sessionPartition) {
	key := sessionKey{p.topic, p.partition}
	if have := s.index[key]; have != nil {
		have.topicID = p.topicID
		have.fetchOffset, have.maxBytes = p.fetchOffset, p.maxBytes
		have.currentLeaderEpoch, have.lastFetchedEpoch = p.currentLeaderEpoch, p.lastFetchedEpoch
		return
	}
	p.sentHighWatermark, p.sentLogStartOffset = -1, -1
	np := p
	s.partitions = append(s.partitions, &np)
	s.index[key] = &np
}

// forget removes a partition from the session.
func (s *fetchSession) forget(topic string, partition int32) {
	key := sessionKey{topic, partition}
	if s.index[key] == nil {
		return
	}
	delete(s.index, key)
	for i, p := range s.partitions {
		if p.topic == topic && p.partition == partition {
			s.partitions = append(s.partitions[:i], s.partitions[i+1:]...)
			break
		}
	}
}
