package partition

import (
	"errors"
	"slices"

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
//
// The replica is locked only to pick the segments and to swap the cleaned
// ones in (segment/cleaner_run.go); produce, replication and fetches go
// on while the cleaner reads and writes. A cleaning that the log's
// changes overtook (a truncation) is aborted and retried at the next
// check. It returns what the cleaning did; a zero result when nothing was
// due or the cleaning was aborted.
func (p *Partition) Clean() (segment.CleanResult, error) {
	p.mu.Lock()
	c, err := p.prepareCleaning()
	if c == nil || err != nil {
		p.mu.Unlock()
		return segment.CleanResult{}, err
	}
	done := make(chan struct{})
	p.cleaning, p.cleaningDone = c, done
	paused := p.cleanerPaused
	p.mu.Unlock()

	buildErr := c.Build()
	if paused != nil {
		paused()
	}
	close(done)

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cleaning != c {
		return segment.CleanResult{}, nil // Close or Delete abandoned it
	}
	p.cleaning = nil
	res, err := c.Finish(buildErr)
	if errors.Is(err, segment.ErrCleaningAborted) {
		p.logger.Info("log cleaning aborted: the log changed while it was cleaned")
		return segment.CleanResult{}, nil
	}
	if err != nil {
		return res, kafkaerr.New(kerr.KafkaStorageError, "cleaning %s-%d: %v", p.topic, p.index, err)
	}
	if res.Segments > 0 {
		// The cleaned segments replaced old ones, and with them their
		// .txnindex files: the aborted transactions whose data is gone
		// leave the index, the others are written beside the new ones.
		p.keepCleanedTxns(res)
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

// prepareCleaning starts a cleaning if one is due. Callers hold p.mu.
func (p *Partition) prepareCleaning() (*segment.Cleaning, error) {
	if p.closed || !p.cfg.Compact || p.cleaning != nil {
		return nil, nil
	}
	now := clock.Millis(p.clock.Now())
	o := segment.CleanOptions{
		NowMs:              now,
		DeleteRetentionMs:  p.cfg.DeleteRetentionMs,
		MinCompactionLagMs: p.cfg.MinCompactionLagMs,
		// Kafka's cleaner stops at the last stable offset: an open
		// transaction's records may yet be aborted.
		Bound:       p.lastStableOffset(),
		AbortedTxns: slices.Clone(p.producers.txns.aborted),
		Producers:   p.producersForCleaner(),
	}
	clean, dirty, firstDirtyTs := p.log.Dirtiness(o)
	if dirty == 0 {
		return nil, nil
	}
	overdue := firstDirtyTs >= 0 && now-firstDirtyTs > p.cfg.MaxCompactionLagMs
	if float64(dirty)/float64(clean+dirty) < p.cfg.MinCleanableRatio && !overdue {
		return nil, nil
	}
	c, err := p.log.PrepareClean(o)
	if err != nil {
		return nil, kafkaerr.New(kerr.KafkaStorageError, "cleaning %s-%d: %v", p.topic, p.index, err)
	}
	return c, nil
}

// producersForCleaner is each producer's last data offset and epoch
// (Kafka's lastRecordsOfActiveProducers): the cleaner keeps that batch,
// so the producer's state survives a restart. Callers hold p.mu.
func (p *Partition) producersForCleaner() map[int64]segment.ProducerLast {
	out := make(map[int64]segment.ProducerLast, len(p.producers.entries))
	for pid, e := range p.producers.entries {
		last := segment.ProducerLast{LastDataOffset: -1, Epoch: e.epoch}
		if n := len(e.batches); n > 0 {
			last.LastDataOffset = e.batches[n-1].lastOffset
		}
		out[pid] = last
	}
	return out
}

// keepCleanedTxns drops from the aborted transactions those whose marker
// lay in the cleaned range and was not kept with data (the cleaner
// removed their data; a marker still waiting for its delete horizon
// needs no entry). Callers hold p.mu.
func (p *Partition) keepCleanedTxns(res segment.CleanResult) {
	t := &p.producers.txns
	t.aborted = slices.DeleteFunc(t.aborted, func(a AbortedTxn) bool {
		return a.LastOffset >= res.FirstOffset && a.LastOffset < res.EndOffset && !slices.Contains(res.KeptAbortedTxns, a)
	})
}

// stopCleaning cancels a cleaning in progress, waits for its unlocked
// part to return (it stops at its next batch and never takes p.mu), and
// removes what it wrote. Close and Delete call it, holding p.mu.
func (p *Partition) stopCleaning() {
	if p.cleaning == nil {
		return
	}
	p.cleaning.Cancel()
	<-p.cleaningDone
	p.cleaning.Abandon()
	p.cleaning = nil
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
