package partition

import (
	"errors"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// IsolationLevel is a consumer's isolation.level.
type IsolationLevel int8

const (
	// ReadUncommitted reads up to the high watermark.
	ReadUncommitted IsolationLevel = 0
	// ReadCommitted reads up to the last stable offset.
	ReadCommitted IsolationLevel = 1
)

// ReadOptions describe one partition of a consumer's fetch.
type ReadOptions struct {
	Offset   int64
	MaxBytes int
	// MinOneBatch returns the first batch even if it exceeds MaxBytes, so
	// that a consumer can always make progress (KIP-74).
	MinOneBatch        bool
	CurrentLeaderEpoch int32 // -1 skips the epoch check
	Isolation          IsolationLevel
	// ToLogEnd reads up to the log end offset rather than the high
	// watermark, as Kafka's coordinators do when they load their state
	// from a partition they just became leader of (FetchIsolation
	// LOG_END). Never set for clients.
	ToLogEnd bool
	// AllowFollower lets a follower serve the read, up to its own high
	// watermark: a consumer's fetch from v11 (KIP-392). Without it only
	// the leader reads (NOT_LEADER_OR_FOLLOWER).
	AllowFollower bool
}

// ReadResult is one partition's part of a fetch response.
type ReadResult struct {
	Records          []byte // whole batches; may be shared, do not modify
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
	LogEndOffset     int64
	// AbortedTransactions, for read_committed, are the aborted
	// transactions overlapping the returned batches: the consumer drops
	// those producers' records from each FirstOffset up to the ABORT
	// marker.
	AbortedTransactions []AbortedTxn
}

// Read returns batches for a consumer, never beyond the high watermark
// (or the last stable offset for read_committed).
func (p *Partition) Read(o ReadOptions) (ReadResult, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	res := ReadResult{HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1}
	if err := p.checkReadable(o.CurrentLeaderEpoch, o.AllowFollower); err != nil {
		return res, err
	}
	res.HighWatermark = p.highWatermark
	res.LastStableOffset = p.lastStableOffset()
	res.LogStartOffset = p.log.LogStartOffset()
	res.LogEndOffset = p.log.LogEndOffset()
	if o.Offset < res.LogStartOffset || o.Offset > res.LogEndOffset {
		return res, kafkaerr.New(kerr.OffsetOutOfRange, "fetch offset %d is outside [%d, %d] of %s-%d",
			o.Offset, res.LogStartOffset, res.LogEndOffset, p.topic, p.index)
	}
	limit := res.HighWatermark
	switch {
	case o.ToLogEnd:
		limit = res.LogEndOffset
	case o.Isolation == ReadCommitted:
		limit = res.LastStableOffset
	}
	if o.Isolation == ReadCommitted && !o.ToLogEnd {
		// Kafka answers read_committed with a list, empty when nothing
		// returned was aborted; read_uncommitted gets none (null).
		res.AbortedTransactions = []AbortedTxn{}
	}
	if o.Offset >= limit {
		return res, nil
	}
	b, err := p.log.Read(o.Offset, o.MaxBytes, limit, o.MinOneBatch)
	if err != nil {
		if errors.Is(err, segment.ErrOffsetOutOfRange) {
			return res, kafkaerr.New(kerr.OffsetOutOfRange, "%v", err)
		}
		return res, kafkaerr.New(kerr.KafkaStorageError, "%v", err)
	}
	res.Records = b
	if o.Isolation == ReadCommitted && !o.ToLogEnd {
		res.AbortedTransactions = append(res.AbortedTransactions, p.producers.txns.abortedTxns(o.Offset, upperBound(b, o.Offset))...)
	}
	return res, nil
}

// upperBound is the offset after the last whole batch in b (from when b
// holds none): the end of the range a fetch returned.
func upperBound(b []byte, from int64) int64 {
	end := from
	for len(b) >= record.HeaderSize {
		h, err := record.ReadHeader(b)
		if err != nil || h.Size() > len(b) {
			break
		}
		end = h.NextOffset()
		b = b[h.Size():]
	}
	return end
}

// The special timestamps of ListOffsets.
const (
	LatestTimestamp        = -1 // the next offset to be written (high watermark)
	EarliestTimestamp      = -2 // the log start offset
	MaxTimestamp           = -3 // the record with the largest timestamp (KIP-734)
	EarliestLocalTimestamp = -4 // the first offset on local disk (KIP-1005)
	LatestTieredTimestamp  = -5 // the last offset in tiered storage (KIP-1005)
)

// OffsetLookup is one ListOffsets answer: Offset and Timestamp are -1
// when no record matches.
type OffsetLookup struct {
	Offset      int64
	Timestamp   int64
	LeaderEpoch int32
}

// ListOffset answers ListOffsets for one partition, as the leader does.
// Results at or above the high watermark (last stable offset for
// read_committed) are not visible and read as not found.
func (p *Partition) ListOffset(timestamp int64, isolation IsolationLevel, currentLeaderEpoch int32) (OffsetLookup, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	none := OffsetLookup{Offset: -1, Timestamp: -1, LeaderEpoch: -1}
	if err := p.checkLeader(currentLeaderEpoch); err != nil {
		return none, err
	}
	visible := p.highWatermark
	if isolation == ReadCommitted {
		visible = p.lastStableOffset()
	}
	at := func(offset, ts int64) OffsetLookup {
		return OffsetLookup{Offset: offset, Timestamp: ts, LeaderEpoch: p.epochs.epochFor(offset)}
	}
	switch timestamp {
	case EarliestTimestamp, EarliestLocalTimestamp:
		return at(p.log.LogStartOffset(), -1), nil
	case LatestTimestamp:
		return OffsetLookup{Offset: visible, Timestamp: -1, LeaderEpoch: p.epochs.latest()}, nil
	case LatestTieredTimestamp:
		return none, nil
	case MaxTimestamp:
		ts, off, found, err := p.log.MaxTimestamp()
		if err != nil {
			return none, kafkaerr.New(kerr.KafkaStorageError, "%v", err)
		}
		if !found || off >= visible {
			return none, nil
		}
		return at(off, ts), nil
	}
	if timestamp < 0 {
		return none, kafkaerr.New(kerr.UnknownServerError, "unsupported ListOffsets timestamp %d", timestamp)
	}
	off, ts, found, err := p.log.OffsetForTimestamp(timestamp)
	if err != nil {
		return none, kafkaerr.New(kerr.KafkaStorageError, "%v", err)
	}
	if !found || off >= visible {
		return none, nil
	}
	return at(off, ts), nil
}

// nowMs is the partition clock's reading in Kafka's milliseconds.
func (p *Partition) nowMs() int64 { return clock.Millis(p.clock.Now()) }

// checkReadable is checkLeader, except that with allowFollower a
// follower may serve the read too (KIP-392): the leader epoch is checked
// all the same, since a consumer's current_leader_epoch fences stale
// replicas whichever one it reads from.
func (p *Partition) checkReadable(currentLeaderEpoch int32, allowFollower bool) error {
	err := p.checkLeader(currentLeaderEpoch)
	if allowFollower && !p.closed && errors.Is(err, kerr.NotLeaderForPartition) && p.leader != p.brokerID {
		return nil
	}
	return err
}
