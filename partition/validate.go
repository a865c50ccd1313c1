package partition

import (
	"errors"
	"fmt"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// RecordError points at one rejected record of a batch, as the Produce
// response (v8+) reports it.
type RecordError struct {
	Index   int32
	Message string
}

// ValidationError is an append refused because of individual records
// (INVALID_RECORD or INVALID_TIMESTAMP); Records says which.
type ValidationError struct {
	Err     error
	Records []RecordError
}

func (e *ValidationError) Error() string { return e.Err.Error() }
func (e *ValidationError) Unwrap() error { return e.Err }

// validated is a batch ready to be stamped with offsets.
type validated struct {
	batch        []byte
	header       record.Header
	maxTimestamp int64 // from the records, as Kafka recomputes it
	numRecords   int
}

// validate checks a producer's records for one partition the way Kafka's
// UnifiedLog.analyzeAndValidateRecords and LogValidator do, and returns
// the batch to append. The batch may be rebuilt (and so copied) when its
// inner offsets are not consecutive or the topic's compression.type asks
// for another codec; otherwise the returned batch is the producer's
// bytes, in the caller's buffer, which the append then stamps.
func validate(records []byte, cfg Config, nowMs int64) (validated, error) {
	var v validated
	batches, _, err := record.SplitBatches(records)
	if err != nil {
		return v, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if len(batches) == 0 {
		return v, kafkaerr.New(kerr.CorruptMessage, "the request holds no whole record batch (%d bytes)", len(records))
	}
	if len(batches) > 1 {
		return v, kafkaerr.New(kerr.InvalidRecord, "a produce request must hold one record batch per partition, got %d", len(batches))
	}
	b := batches[0]
	h, err := record.ReadHeader(b)
	if errors.Is(err, record.ErrUnsupportedMagic) {
		return v, kafkaerr.New(kerr.UnsupportedForMessageFormat, "%v", err)
	}
	if err != nil {
		return v, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if h.BaseOffset != 0 {
		return v, kafkaerr.New(kerr.InvalidRecord, "the baseOffset of the record batch should be 0, but it is %d", h.BaseOffset)
	}
	if h.Size() > cfg.MaxMessageBytes {
		return v, kafkaerr.New(kerr.MessageTooLarge, "the record batch is %d bytes, above max.message.bytes %d", h.Size(), cfg.MaxMessageBytes)
	}
	if _, err := record.Check(b); err != nil {
		return v, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if err := checkBatchHeader(h); err != nil {
		return v, err
	}
	v = validated{batch: b, header: h, maxTimestamp: record.NoTimestamp, numRecords: int(h.NumRecords)}
	inPlace := true
	var recErrs []RecordError
	timestampErr := false
	// The records are checked one at a time as they are decoded, so a
	// batch of many records costs no memory per record.
	err = record.Each(b, func(i int, r record.Record) error {
		if r.OffsetDelta != int32(i) {
			// Some old clients number inner records wrongly; Kafka
			// rewrites the batch rather than reject it.
			inPlace = false
		}
		if cfg.Compact && r.Key == nil {
			recErrs = append(recErrs, RecordError{int32(i), "compacted topic cannot accept message without key"})
			return nil
		}
		if msg := checkTimestamp(h, r, cfg, nowMs); msg != "" {
			recErrs = append(recErrs, RecordError{int32(i), msg})
			timestampErr = true
			return nil
		}
		if r.Timestamp > v.maxTimestamp {
			v.maxTimestamp = r.Timestamp
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, record.ErrUnsupportedCompression) {
			return v, kafkaerr.New(kerr.UnsupportedCompressionType, "%v", err)
		}
		return v, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if len(recErrs) > 0 {
		kind := kerr.InvalidRecord
		msg := fmt.Sprintf("one or more records have been rejected due to %d record errors", len(recErrs))
		if timestampErr {
			kind = kerr.InvalidTimestamp
			msg = "one or more records have been rejected due to invalid timestamp"
		}
		return v, &ValidationError{Err: kafkaerr.New(kind, "%s", msg), Records: recErrs}
	}
	target := h.Compression()
	if cfg.Compression != "producer" && cfg.Compression != "" {
		name := cfg.Compression
		if name == "uncompressed" {
			name = "none"
		}
		if c, ok := record.ParseCompression(name); ok && c != target {
			target, inPlace = c, false
		}
	}
	if !inPlace {
		// Rare (old clients, or a topic compression.type other than
		// the producer's): decode the records again, all at once.
		recs, err := record.Records(b)
		if err != nil {
			return v, kafkaerr.New(kerr.CorruptMessage, "%v", err)
		}
		rebuilt, err := record.Build(record.BatchOptions{
			Compression:   target,
			TimestampType: h.TimestampType(),
			Transactional: h.IsTransactional(),
			HasProducer:   true,
			ProducerID:    h.ProducerID,
			ProducerEpoch: h.ProducerEpoch,
			BaseSequence:  h.BaseSequence,
		}, recs)
		if err != nil {
			return v, err
		}
		v.batch = rebuilt
		v.header, _ = record.ReadHeader(rebuilt)
		return v, nil
	}
	// The batch is kept where it is and stamped in place, as Kafka's
	// LogValidator stamps the request's own buffer: the log copies it
	// anyway, and a copy here too would double the bytes each produce
	// moves.
	v.batch = b
	return v, nil
}

// checkBatchHeader applies LogValidator.validateBatch to a client batch.
func checkBatchHeader(h record.Header) error {
	if h.LastOffsetDelta < 0 {
		return kafkaerr.New(kerr.InvalidRecord, "batch has an invalid offset range: last offset delta %d", h.LastOffsetDelta)
	}
	if h.NumRecords <= 0 {
		return kafkaerr.New(kerr.InvalidRecord, "invalid reported count for record batch: %d", h.NumRecords)
	}
	if int64(h.LastOffsetDelta)+1 != int64(h.NumRecords) {
		return kafkaerr.New(kerr.InvalidRecord, "inconsistent batch offset range [0, %d] and count of records %d", h.LastOffsetDelta, h.NumRecords)
	}
	if h.IsControl() {
		return kafkaerr.New(kerr.InvalidRecord, "clients are not allowed to write control records")
	}
	if h.HasProducerID() && h.BaseSequence < 0 {
		return kafkaerr.New(kerr.InvalidRecord, "invalid sequence number %d in record batch with producerId %d", h.BaseSequence, h.ProducerID)
	}
	return nil
}

// checkTimestamp returns why a record's timestamp is refused, or "".
func checkTimestamp(h record.Header, r record.Record, cfg Config, nowMs int64) string {
	if cfg.TimestampType != record.CreateTime || r.Timestamp == record.NoTimestamp {
		if h.TimestampType() == record.LogAppendTime {
			return "producer should not set timestamp type to LogAppendTime"
		}
		return ""
	}
	diff := nowMs - r.Timestamp
	if (diff > 0 && diff > cfg.TimestampBeforeMaxMs) || (diff < 0 && -diff > cfg.TimestampAfterMaxMs) {
		return fmt.Sprintf("timestamp %d of message with offset %d is out of range; the timestamp should be within [%d, %d]",
			r.Timestamp, r.OffsetDelta, satSub(nowMs, cfg.TimestampBeforeMaxMs), satAdd(nowMs, cfg.TimestampAfterMaxMs))
	}
	return ""
}

func satSub(a, b int64) int64 {
	if b > 0 && a-b > a {
		return -1 << 63
	}
	return a - b
}

func satAdd(a, b int64) int64 {
	if b > 0 && a+b < a {
		return 1<<63 - 1
	}
	return a + b
}

// trustedBatch prepares a batch the broker built itself: it must be one
// whole, valid batch; nothing else is checked.
func trustedBatch(records []byte) (validated, error) {
	h, err := record.Check(records)
	if err != nil {
		return validated{}, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	return validated{batch: append([]byte(nil), records...), header: h, maxTimestamp: h.MaxTimestamp, numRecords: int(h.NumRecords)}, nil
}
