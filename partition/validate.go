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

// validate checks a producer's batch for one partition the way Kafka's
// UnifiedLog.analyzeAndValidateRecords and LogValidator do, in their
// order: the batch as a whole (checkBatch), then each of its records
// (checkRecords), and returns the batch to append. The append then
// assigns offsets, the leader epoch and the max timestamp (record.Assign).
//
// The batch is the producer's bytes, in the request's buffer, unless
// LogValidator would rebuild it (needsRebuild): then it is a new batch
// holding the same records.
func validate(b Batch, cfg Config, nowMs int64) (validated, error) {
	if err := checkBatch(b, cfg); err != nil {
		return validated{}, err
	}
	scan, err := checkRecords(b, cfg, nowMs)
	if err != nil {
		return validated{}, err
	}
	v := validated{batch: b.bytes, header: b.header, maxTimestamp: scan.maxTimestamp, numRecords: int(b.header.NumRecords)}
	target := targetCompression(cfg, b.header.Compression())
	if !needsRebuild(b.header.Compression(), target, scan) {
		// Kept where it is and stamped in place, as Kafka's LogValidator
		// stamps the request's own buffer: the log copies it anyway, and
		// a copy here too would double the bytes each produce moves.
		return v, nil
	}
	return rebuild(v, target)
}

// checkBatch applies the rules about the batch as a whole: a producer
// leaves the base offset 0 for the leader to assign, the batch fits
// max.message.bytes, its CRC-32C matches, and its header is one a client
// may write (checkBatchHeader).
func checkBatch(b Batch, cfg Config) error {
	h := b.header
	if h.BaseOffset != 0 {
		return kafkaerr.New(kerr.InvalidRecord, "the baseOffset of the record batch should be 0, but it is %d", h.BaseOffset)
	}
	if h.Size() > cfg.MaxMessageBytes {
		return kafkaerr.New(kerr.MessageTooLarge, "the record batch is %d bytes, above max.message.bytes %d", h.Size(), cfg.MaxMessageBytes)
	}
	if err := record.CheckCRC(b.bytes, h); err != nil {
		return kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	return checkBatchHeader(h)
}

// recordScan is what checkRecords learns from reading every record.
type recordScan struct {
	maxTimestamp int64 // Kafka recomputes it rather than trust the header
	// consecutive is false when the inner offset deltas are not 0, 1,
	// 2... (some old clients number them wrongly).
	consecutive bool
}

// checkRecords decodes each record (decompressing if needed) and applies
// LogValidator.validateRecord: a key on compacted topics, a timestamp
// within message.timestamp.before.max.ms / after.max.ms. Every refused
// record is named in the ValidationError, as the Produce response (v8+,
// KIP-467) reports them. The records are checked one at a time as they
// are decoded, so a batch of many records costs no memory per record.
func checkRecords(b Batch, cfg Config, nowMs int64) (recordScan, error) {
	scan := recordScan{maxTimestamp: record.NoTimestamp, consecutive: true}
	var recErrs []RecordError
	timestampErr := false
	err := record.Each(b.bytes, func(i int, r record.Record) error {
		if r.OffsetDelta != int32(i) {
			scan.consecutive = false
		}
		if cfg.Compact && r.Key == nil {
			recErrs = append(recErrs, RecordError{int32(i), "compacted topic cannot accept message without key"})
			return nil
		}
		if msg := checkTimestamp(b.header, r, cfg, nowMs); msg != "" {
			recErrs = append(recErrs, RecordError{int32(i), msg})
			timestampErr = true
			return nil
		}
		scan.maxTimestamp = max(scan.maxTimestamp, r.Timestamp)
		return nil
	})
	if errors.Is(err, record.ErrUnsupportedCompression) {
		return scan, kafkaerr.New(kerr.UnsupportedCompressionType, "%v", err)
	}
	if err != nil {
		return scan, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if len(recErrs) == 0 {
		return scan, nil
	}
	if timestampErr {
		return scan, &ValidationError{Err: kafkaerr.New(kerr.InvalidTimestamp, "one or more records have been rejected due to invalid timestamp"), Records: recErrs}
	}
	return scan, &ValidationError{Err: kafkaerr.New(kerr.InvalidRecord, "one or more records have been rejected due to %d record errors", len(recErrs)), Records: recErrs}
}

// targetCompression is the codec the batch is stored with: the topic's
// compression.type, where "producer" keeps the producer's.
func targetCompression(cfg Config, source record.Compression) record.Compression {
	name := cfg.Compression
	switch name {
	case "producer", "":
		return source
	case "uncompressed":
		name = "none"
	}
	if c, ok := record.ParseCompression(name); ok {
		return c
	}
	return source
}

// needsRebuild says whether the batch must be rebuilt rather than stored
// as sent, which is when LogValidator cannot assign offsets in place:
// the topic's codec is not the producer's, or a compressed batch's inner
// offsets are not consecutive (Kafka rewrites those rather than refuse
// old clients). An uncompressed batch with such offsets is kept as it
// is, as Kafka's assignOffsetsNonCompressed keeps it.
func needsRebuild(source, target record.Compression, scan recordScan) bool {
	if source != target {
		return true
	}
	return source != record.None && !scan.consecutive
}

// rebuild encodes v's records again into a new batch compressed with
// target, with consecutive offset deltas and the producer's id, epoch,
// sequence and transactional flag, as LogValidator.buildRecordsAndAssignOffsets
// does. It is the rare path, so it decodes the records all at once.
func rebuild(v validated, target record.Compression) (validated, error) {
	h := v.header
	recs, err := record.Records(v.batch)
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
	if v.header, err = record.ReadHeader(rebuilt); err != nil {
		return v, fmt.Errorf("rebuilding the batch as %s: %w", target, err)
	}
	v.batch = rebuilt
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
