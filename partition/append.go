package partition

import (
	"fmt"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// AppendResult is what a produce response reports for a partition.
type AppendResult struct {
	BaseOffset     int64
	LastOffset     int64
	LogAppendTime  int64 // -1 unless the topic uses LogAppendTime
	LogStartOffset int64
}

// Origin says who is appending, which decides what is checked, as
// Kafka's AppendOrigin does.
type Origin int8

const (
	// FromClient is a producer: every client rule applies (base offset 0,
	// no control batches, timestamps in range, keys on compacted topics).
	FromClient Origin = iota
	// FromCoordinator is the broker itself writing to an internal topic
	// (committed offsets, group metadata, transaction markers): the batch
	// was built by gregor and only gets its offsets assigned.
	FromCoordinator
)

// AppendAsLeader validates a producer's records and appends them, giving
// the batch its offsets: ParseProduceRecords, then AppendBatchAsLeader.
func (p *Partition) AppendAsLeader(records []byte, requiredAcks int16) (AppendResult, error) {
	b, err := ParseProduceRecords(records)
	if err != nil {
		return noAppend, err
	}
	return p.AppendBatchAsLeader(b, requiredAcks)
}

// AppendBatchAsLeader validates a producer's batch and appends it, as
// Kafka's Partition.appendRecordsToLeader does. Validation (which may
// decompress) runs before the partition lock is taken, so producers to
// one partition contend only for the offset assignment and the copy into
// the log. Like Kafka, it stamps the offsets into the batch itself: the
// caller hands the buffer over.
//
// requiredAcks is the producer's acks: with -1 (all) the append is refused
// with NOT_ENOUGH_REPLICAS when the ISR is smaller than
// min.insync.replicas; any other value skips that check. Whether acks is
// one of -1, 0 and 1 is the request's rule, checked by the broker
// (INVALID_REQUIRED_ACKS, Kafka's ReplicaManager). Waiting for the
// followers is the caller's part (ReplicationStatus).
func (p *Partition) AppendBatchAsLeader(b Batch, requiredAcks int16) (AppendResult, error) {
	cfg := p.Config()
	now := p.nowMs()
	v, err := validate(b, cfg, now)
	if err != nil {
		return noAppend, err
	}
	return p.appendValidated(v, FromClient, requiredAcks, cfg, now, nil)
}

// Append appends one batch as leader, checking it as origin requires.
func (p *Partition) Append(records []byte, origin Origin) (AppendResult, error) {
	switch origin {
	case FromClient:
		return p.AppendAsLeader(records, 1)
	case FromCoordinator:
		v, err := trustedBatch(records)
		if err != nil {
			return noAppend, err
		}
		return p.appendValidated(v, origin, 1, p.Config(), p.nowMs(), nil)
	}
	return noAppend, fmt.Errorf("unknown append origin %d", origin)
}

// noAppend is the result of an append that wrote nothing.
var noAppend = AppendResult{BaseOffset: -1, LastOffset: -1, LogAppendTime: -1, LogStartOffset: -1}

// appendValidated writes a validated batch under the partition lock, in
// the order of Kafka's Partition.appendRecordsToLeader and
// UnifiedLog.append: the batch fits a segment, this replica leads and has
// enough in-sync replicas for acks=all, the batch is not a producer's
// retry (duplicate), then offsets are assigned and the batch is written.
// check, if not nil, is one more condition of the append, tested under
// the lock before the others (verification.go).
func (p *Partition) appendValidated(v validated, origin Origin, requiredAcks int16, cfg Config, now int64, check func(validated) error) (AppendResult, error) {
	if v.header.Size() > cfg.Segment.SegmentBytes {
		return noAppend, kafkaerr.New(kerr.RecordListTooLarge, "the batch is %d bytes, larger than segment.bytes %d", v.header.Size(), cfg.Segment.SegmentBytes)
	}
	p.mu.Lock()
	if check != nil {
		if err := check(v); err != nil {
			p.mu.Unlock()
			return noAppend, err
		}
	}
	retry, err := p.checkAppendLocked(v, origin, requiredAcks, cfg)
	if err != nil || retry != nil {
		p.mu.Unlock()
		if retry != nil {
			return *retry, nil
		}
		return noAppend, err
	}
	res, err := p.writeLocked(v, cfg, now)
	p.mu.Unlock()
	if err == nil {
		p.watchers.wake()
	}
	return res, err
}

// checkAppendLocked applies what needs the partition's state: leadership,
// min.insync.replicas for acks=all, and, for a client, the idempotent
// producer's sequence (producers.go). A retried batch that is already in
// the log is written once and answered as the first time: retry is that
// answer.
func (p *Partition) checkAppendLocked(v validated, origin Origin, requiredAcks int16, cfg Config) (retry *AppendResult, err error) {
	if err := p.checkLeader(-1); err != nil {
		return nil, err
	}
	if minISR := p.effectiveMinISR(); requiredAcks == -1 && len(p.state.ISR) < minISR {
		return nil, kafkaerr.New(kerr.NotEnoughReplicas, "the ISR of %s-%d is %v, fewer than min.insync.replicas=%d", p.topic, p.index, p.state.ISR, minISR)
	}
	if origin != FromClient {
		return nil, nil
	}
	dup, err := p.producers.checkClient(v.header)
	if err != nil || dup == nil {
		return nil, err
	}
	res := noAppend
	res.BaseOffset, res.LastOffset, res.LogStartOffset = dup.firstOffset, dup.lastOffset, p.log.LogStartOffset()
	if cfg.TimestampType == record.LogAppendTime {
		res.LogAppendTime = dup.timestamp
	}
	return &res, nil
}

// writeLocked assigns the batch its offsets, the leader epoch and its
// timestamps (LogAppendTime: the broker's clock; CreateTime: the largest
// record timestamp), writes it to the log, and moves the producer state
// and the high watermark.
func (p *Partition) writeLocked(v validated, cfg Config, now int64) (AppendResult, error) {
	res := noAppend
	base := p.log.LogEndOffset()
	p.markIdleFollowersCaughtUp(now)
	tt, maxTimestamp := record.CreateTime, v.maxTimestamp
	if cfg.TimestampType == record.LogAppendTime {
		tt, maxTimestamp = record.LogAppendTime, now
		res.LogAppendTime = now
	}
	h := v.header
	if err := record.Assign(v.batch, &h, base, p.leaderEpoch, tt, maxTimestamp); err != nil {
		return noAppend, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if err := p.log.Append(v.batch, h, now); err != nil {
		p.logger.Error("append failed", "error", err)
		return noAppend, kafkaerr.New(kerr.KafkaStorageError, "%v", err)
	}
	aborted := len(p.producers.txns.aborted)
	p.producers.update(v.batch, h)
	p.indexAbortedSince(aborted)
	p.maybeIncrementHighWatermark()
	res.BaseOffset, res.LastOffset = base, h.LastOffset()
	res.LogStartOffset = p.log.LogStartOffset()
	return res, nil
}
