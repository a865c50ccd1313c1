package partition

import (
	"fmt"

	"github.com/gregorkafka/gregor/clock"
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
// the batch its offsets. Validation (which may decompress) runs before the
// partition lock is taken, so producers to one partition contend only for
// the offset assignment and the copy into the log. Like Kafka, it stamps
// the offsets into records itself: the caller hands the buffer over.
//
// requiredAcks is the producer's acks: with -1 (all) the append is refused
// with NOT_ENOUGH_REPLICAS when the ISR is smaller than
// min.insync.replicas. Waiting for the followers is the caller's part
// (ReplicationStatus).
func (p *Partition) AppendAsLeader(records []byte, requiredAcks int16) (AppendResult, error) {
	return p.append(records, FromClient, requiredAcks)
}

// Append appends one batch as leader, checking it as origin requires.
func (p *Partition) Append(records []byte, origin Origin) (AppendResult, error) {
	return p.append(records, origin, 1)
}

func (p *Partition) append(records []byte, origin Origin, requiredAcks int16) (AppendResult, error) {
	res := AppendResult{BaseOffset: -1, LastOffset: -1, LogAppendTime: -1, LogStartOffset: -1}
	if origin != FromClient && origin != FromCoordinator {
		return res, fmt.Errorf("unknown append origin %d", origin)
	}
	if requiredAcks < -1 || requiredAcks > 1 {
		return res, kafkaerr.New(kerr.InvalidRequiredAcks, "acks must be -1, 0 or 1, not %d", requiredAcks)
	}
	cfg := p.Config()
	now := clock.Millis(p.clock.Now())
	var v validated
	var err error
	if origin == FromClient {
		v, err = validate(records, cfg, now)
	} else {
		v, err = trustedBatch(records)
	}
	if err != nil {
		return res, err
	}
	if v.header.Size() > cfg.Segment.SegmentBytes {
		return res, kafkaerr.New(kerr.RecordListTooLarge, "the batch is %d bytes, larger than segment.bytes %d", v.header.Size(), cfg.Segment.SegmentBytes)
	}

	p.mu.Lock()
	if err := p.checkLeader(-1); err != nil {
		p.mu.Unlock()
		return res, err
	}
	if minISR := p.effectiveMinISR(); requiredAcks == -1 && len(p.state.ISR) < minISR {
		p.mu.Unlock()
		return res, kafkaerr.New(kerr.NotEnoughReplicas, "the ISR of %s-%d is %v, fewer than min.insync.replicas=%d", p.topic, p.index, p.state.ISR, minISR)
	}
	if origin == FromClient {
		dup, err := p.producers.checkClient(v.header)
		if err != nil {
			p.mu.Unlock()
			return res, err
		}
		if dup != nil {
			// A retry of a batch already written: answer as the first
			// time, write nothing.
			res.BaseOffset, res.LastOffset, res.LogStartOffset = dup.firstOffset, dup.lastOffset, p.log.LogStartOffset()
			if cfg.TimestampType == record.LogAppendTime {
				res.LogAppendTime = dup.timestamp
			}
			p.mu.Unlock()
			return res, nil
		}
	}
	base := p.log.LogEndOffset()
	p.markIdleFollowersCaughtUp(now)
	record.SetBaseOffset(v.batch, base)
	record.SetPartitionLeaderEpoch(v.batch, p.leaderEpoch)
	if cfg.TimestampType == record.LogAppendTime {
		record.SetMaxTimestamp(v.batch, record.LogAppendTime, now)
		res.LogAppendTime = now
	} else {
		record.SetMaxTimestamp(v.batch, record.CreateTime, v.maxTimestamp)
	}
	h, _ := record.ReadHeader(v.batch)
	if err := p.log.Append(v.batch, h, now); err != nil {
		p.mu.Unlock()
		p.logger.Error("append failed", "error", err)
		return res, kafkaerr.New(kerr.KafkaStorageError, "%v", err)
	}
	p.producers.update(h)
	p.maybeIncrementHighWatermark()
	res.BaseOffset, res.LastOffset = base, h.LastOffset()
	res.LogStartOffset = p.log.LogStartOffset()
	p.mu.Unlock()
	p.watchers.wake()
	return res, nil
}
