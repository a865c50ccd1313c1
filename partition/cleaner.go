package partition

import (
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Clean runs the log cleaner on this replica if its topic is compacted
// and its log is due, as Kafka's LogCleanerManager decides: the dirty part
// of the cleanable range is at least min.cleanable.dirty.ratio of it, or
// its oldest record is older than max.compaction.lag.ms. The cleanable
// range ends below the last stable offset, at the active segment and at the
// first segment younger than min.compaction.lag.ms (segment/cleaner.go).
// Leaders and followers clean their own logs independently, as in Kafka.
// It returns what the cleaning did; a zero result when nothing was due.
func (p *Partition) Clean() (segment.CleanResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || !p.cfg.Compact {
		return segment.CleanResult{}, nil
	}
	now := clock.Millis(p.clock.Now())
	o := segment.CleanOptions{
		NowMs:              now,
		DeleteRetentionMs:  p.cfg.DeleteRetentionMs,
		MinCompactionLagMs: p.cfg.MinCompactionLagMs,
		// Kafka's cleaner stops at the last stable offset: an open
		// transaction's records may yet be aborted.
		Bound: p.lastStableOffset(),
	}
	clean, dirty, firstDirtyTs := p.log.Dirtiness(o)
	if dirty == 0 {
		return segment.CleanResult{}, nil
	}
	overdue := firstDirtyTs >= 0 && now-firstDirtyTs > p.cfg.MaxCompactionLagMs
	if float64(dirty)/float64(clean+dirty) < p.cfg.MinCleanableRatio && !overdue {
		return segment.CleanResult{}, nil
	}
	res, err := p.log.Clean(o)
	if err != nil {
		return res, kafkaerr.New(kerr.KafkaStorageError, "cleaning %s-%d: %v", p.topic, p.index, err)
	}
	if res.Segments > 0 {
		// The cleaned segments replaced old ones, and with them their
		// .txnindex files; the aborted transactions are unchanged (the
		// cleaner keeps their batches), so the new segments get theirs.
		p.rewriteTxnIndexes()
	}
	p.logger.Info("log cleaned", "segments", res.Segments, "cleaned_segments", res.Cleaned,
		"records_removed", res.RecordsRemoved, "bytes_before", res.BytesBefore, "bytes_after", res.BytesAfter,
		"first_dirty_offset", p.log.FirstDirtyOffset())
	if p.onSegmentEvent != nil && res.Segments > 0 {
		p.onSegmentEvent(SegmentEvent{Topic: p.topic, Partition: p.index, BrokerID: p.brokerID, Event: segment.Event{
			Kind: segment.Cleaned, NextOffset: p.log.FirstDirtyOffset(), Cleaning: &res}})
	}
	return res, nil
}

// DirtyRatio is the dirty share of the log's cleanable range, by which
// the cleaner orders logs (Kafka's cleanableRatio); 0 for a log with
// nothing to clean.
func (p *Partition) DirtyRatio() float64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return 0
	}
	clean, dirty, _ := p.log.Dirtiness(segment.CleanOptions{
		NowMs: clock.Millis(p.clock.Now()), MinCompactionLagMs: p.cfg.MinCompactionLagMs, Bound: p.lastStableOffset()})
	if dirty == 0 {
		return 0
	}
	return float64(dirty) / float64(clean+dirty)
}

// FirstDirtyOffset is where the next cleaning's dirty part starts, for
// the broker's cleaner-offset-checkpoint.
func (p *Partition) FirstDirtyOffset() int64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.log.FirstDirtyOffset()
}
