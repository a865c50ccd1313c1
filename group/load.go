package group

// Loading: when a broker becomes the leader of a __consumer_offsets
// partition, it becomes the coordinator of every group stored there. It
// reads the partition from its log start to its log end (the records its
// followers have not confirmed yet included: as the new leader, its log is
// the one the others will follow) and replays each record in order, so the last record per key wins: offsets
// come back as last committed, classic groups as of their last
// generation (members included, so a stable group stays stable across a
// coordinator move and its members only have to keep heartbeating).
// Requests that arrive meanwhile get COORDINATOR_LOAD_IN_PROGRESS.

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
		return fmt.Errorf("__consumer_offsets-%d was unloaded while loading", s.partition)
	}
	start := s.now()
	logStart, _, logEnd := s.log.Offsets()
	records := 0
	for off := logStart; off < logEnd; {
		buf, err := s.log.Read(off, loadReadBytes)
		if err != nil {
			return fmt.Errorf("loading __consumer_offsets-%d at offset %d: %w", s.partition, off, err)
		}
		batches, _, err := record.SplitBatches(buf)
		if err != nil {
			return fmt.Errorf("loading __consumer_offsets-%d at offset %d: %w", s.partition, off, err)
		}
		if len(batches) == 0 {
			break
		}
		for _, b := range batches {
			h, err := record.ReadHeader(b)
			if err != nil {
				return fmt.Errorf("loading __consumer_offsets-%d: %w", s.partition, err)
			}
			off = h.NextOffset()
			// A marker resolves its producer's pending transactional
			// offsets (txnoffsets.go); a transactional batch holds them.
			if h.IsControl() {
				if commit, _, ok := record.ReadEndTxnMarker(b); ok && h.IsTransactional() {
					s.completeTxn(h.ProducerID, commit)
				}
				continue
			}
			recs, err := record.Records(b)
			if err != nil {
				return fmt.Errorf("loading __consumer_offsets-%d at offset %d: %w", s.partition, h.BaseOffset, err)
			}
			for _, r := range recs {
				d, err := decodeRecord(r.Key, r.Value)
				if err != nil {
					s.c.logger.Warn("skipping unreadable __consumer_offsets record", "partition", s.partition, "offset", r.Offset, "error", err)
					continue
				}
				if h.IsTransactional() {
					if d.offsetKey != nil {
						s.replayTxnOffset(h.ProducerID, d.offsetKey, d.offsetValue)
					}
				} else {
					s.replay(d)
				}
				records++
			}
		}
	}
	s.state = shardLoaded
	s.onLoaded()
	go s.watchHighWatermark()
	s.c.logger.Info("group coordinator loaded partition", "partition", s.partition, "leader_epoch", s.leaderEpoch,
		"records", records, "groups", len(s.groups), "took", s.now().Sub(start).String())
	s.runDeferred()
	return nil
}

// replay applies one record of the partition to the shard's state.
func (s *shard) replay(d decoded) {
	switch {
	case d.offsetKey != nil:
		s.replayOffset(d.offsetKey, d.offsetValue)
	case d.groupKey != nil:
		s.replayGroupMetadata(d.groupKey.Group, d.groupValue)
	}
}

// onLoaded starts what a freshly loaded shard needs running: the members'
// session timers and the periodic offset expiry.
func (s *shard) onLoaded() {
	for _, id := range s.sortedGroupIDs() {
		s.emit(Event{Type: EventGroupLoaded, Group: id, Generation: s.groups[id].epoch(),
			Reason: fmt.Sprintf("loaded from __consumer_offsets-%d at leader epoch %d", s.partition, s.leaderEpoch)})
	}
	for _, g := range s.groups {
		if cg, ok := g.(*classicGroup); ok {
			for _, m := range cg.memberList() {
				s.rescheduleHeartbeat(cg, m, m.sessionTimeout)
			}
			if len(cg.members) > s.c.cfg.MaxSize {
				s.prepareRebalance(cg, fmt.Sprintf("freshly loaded group has %d members, over group.max.size %d", len(cg.members), s.c.cfg.MaxSize))
			}
		}
	}
	s.scheduleExpiration()
}

func (s *shard) sortedGroupIDs() []string {
	ids := make([]string, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
