package txn

// The coordinator's timers: aborting transactions open longer than their
// transaction.timeout.ms (every
// transaction.abort.timed.out.transaction.cleanup.interval.ms), and
// deleting transactional ids idle for transactional.id.expiration.ms
// (every transaction.remove.expired.transaction.cleanup.interval.ms).

import (
	"fmt"
	"sort"
	"time"
)

func (s *shard) sortedIDs() []string {
	ids := make([]string, 0, len(s.txns))
	for id := range s.txns {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (s *shard) abortTimedOut() {
	now := s.nowMs()
	for _, id := range s.sortedIDs() {
		m := s.txns[id]
		if m.pending || m.state != Ongoing || m.startTime+m.timeout.Milliseconds() > now {
			continue
		}
		reason := fmt.Sprintf("open for %v, longer than its transaction.timeout.ms %d", time.Duration(now-m.startTime)*time.Millisecond, m.timeout.Milliseconds())
		s.emit(EventTimeout, m, m.sortedPartitions(), reason)
		_ = s.fenceAndAbort(m, reason)
	}
}

func (s *shard) removeExpired() {
	now := s.nowMs()
	for _, id := range s.sortedIDs() {
		m := s.txns[id]
		if m.pending || (m.state != Empty && m.state != CompleteCommit && m.state != CompleteAbort) ||
			m.lastUpdate+s.c.cfg.TransactionalIDExpiration.Milliseconds() > now {
			continue
		}
		m.pending = true
		dead := m.clone()
		dead.state = Dead
		s.commitAsync(id, m, nil, func(err error) {
			if err == nil {
				s.emit(EventExpired, dead, nil, "idle for longer than transactional.id.expiration.ms")
			}
		})
	}
}
