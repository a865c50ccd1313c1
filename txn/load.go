package txn

// Loading: a broker that becomes the leader of a __transaction_state
// partition replays it from the log start to the log end; the last
// record of each transactional id is its state. Transactions found in
// PrepareCommit or PrepareAbort had their EndTxn accepted by the
// previous coordinator, whose markers may not all have been written: the
// new coordinator writes them again (a partition takes a repeated marker
// harmlessly) and completes them, with its own coordinator epoch.

import (
	"fmt"
	"sort"

	"github.com/gregorkafka/gregor/record"
)

const loadReadBytes = 1 << 20

func (s *shard) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != shardLoading {
		return fmt.Errorf("__transaction_state-%d was unloaded while loading", s.partition)
	}
	logStart, _, logEnd := s.log.Offsets()
	for off := logStart; off < logEnd; {
		buf, err := s.log.Read(off, loadReadBytes)
		if err != nil {
			return fmt.Errorf("loading __transaction_state-%d at offset %d: %w", s.partition, off, err)
		}
		batches, _, err := record.SplitBatches(buf)
		if err != nil {
			return fmt.Errorf("loading __transaction_state-%d at offset %d: %w", s.partition, off, err)
		}
		if len(batches) == 0 {
			break
		}
		for _, b := range batches {
			h, err := record.ReadHeader(b)
			if err != nil {
				return fmt.Errorf("loading __transaction_state-%d: %w", s.partition, err)
			}
			off = h.NextOffset()
			if h.IsControl() {
				continue
			}
			recs, err := record.Records(b)
			if err != nil {
				return fmt.Errorf("loading __transaction_state-%d at offset %d: %w", s.partition, h.BaseOffset, err)
			}
			for _, r := range recs {
				id, m, err := decodeRecord(r.Key, r.Value)
				if err != nil {
					s.c.logger.Warn("skipping unreadable __transaction_state record", "partition", s.partition, "offset", r.Offset, "error", err)
					continue
				}
				if m == nil {
					delete(s.txns, id)
				} else {
					s.txns[id] = m
				}
			}
		}
	}
	s.state = shardLoaded
	ids := make([]string, 0, len(s.txns))
	for id := range s.txns {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		m := s.txns[id]
		s.emit(EventLoaded, m, nil, fmt.Sprintf("loaded from __transaction_state-%d at coordinator epoch %d", s.partition, s.epoch))
		if m.state == PrepareCommit || m.state == PrepareAbort {
			m.pending = true
			s.sendMarkers(m)
		}
	}
	s.every("abort-timed-out", s.c.cfg.AbortTimedOutInterval, s.abortTimedOut)
	s.every("remove-expired", s.c.cfg.RemoveExpiredInterval, s.removeExpired)
	s.c.logger.Info("transaction coordinator loaded partition", "partition", s.partition, "coordinator_epoch", s.epoch, "transactional_ids", len(s.txns))
	return nil
}
