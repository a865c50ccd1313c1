package partition

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// DeleteRecordsBefore moves the log start offset up to offset, as the
// leader does for a DeleteRecords request (Kafka's
// Partition.deleteRecordsOnLeader and UnifiedLog.maybeIncrementLogStartOffset).
// An offset of -1 means the high watermark; one below -1 or beyond the
// high watermark is OFFSET_OUT_OF_RANGE; one at or below the current log
// start offset changes nothing. Records before the new log start offset
// can no longer be read, and segments wholly before it are deleted. It
// returns the log start offset afterwards.
func (p *Partition) DeleteRecordsBefore(offset int64) (int64, error) {
	p.mu.Lock()
	if err := p.checkLeader(-1); err != nil {
		p.mu.Unlock()
		return -1, err
	}
	if offset == -1 {
		offset = p.highWatermark
	}
	if offset < 0 || offset > p.highWatermark {
		p.mu.Unlock()
		return -1, kafkaerr.New(kerr.OffsetOutOfRange, "cannot move the log start offset of %s-%d to %d: it must lie between 0 and the high watermark %d", p.topic, p.index, offset, p.highWatermark)
	}
	if err := p.advanceLogStart(offset, "DeleteRecords"); err != nil {
		p.mu.Unlock()
		return -1, err
	}
	logStart := p.log.LogStartOffset()
	p.mu.Unlock()
	p.watchers.wake()
	return logStart, nil
}

// advanceLogStart moves the log start offset forward, deleting the
// segments wholly before it, and drops the leader epochs that now start
// before it. DeleteRecords, retention and a follower taking its leader's
// log start offset all move it this way. Callers hold p.mu and wake the
// watchers after unlocking.
func (p *Partition) advanceLogStart(offset int64, reason string) error {
	if offset <= p.log.LogStartOffset() {
		return nil
	}
	if err := p.log.AdvanceLogStartOffset(offset); err != nil {
		return kafkaerr.New(kerr.KafkaStorageError, "%v", err)
	}
	if err := p.epochs.truncateFromStart(offset); err != nil {
		p.logger.Error("writing leader-epoch-checkpoint", "error", err)
	}
	p.producers.txns.dropAbortedBefore(p.log.LogStartOffset())
	p.logger.Info("log start offset moved", "reason", reason, "log_start_offset", offset)
	return nil
}
