package partition

import (
	"errors"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Batch is the one record batch a producer sent for a partition, with
// its header read once. ParseProduceRecords makes it; AppendBatchAsLeader
// takes it, so the header is not decoded again on the way to the log.
type Batch struct {
	bytes  []byte
	header record.Header
}

// Header is the batch's header as the producer wrote it.
func (b Batch) Header() record.Header { return b.header }

// ParseProduceRecords applies the rule every Produce request (v3+) obeys
// before any partition looks at its data, Kafka's
// ProduceRequest.validateRecords: a partition's records are exactly one
// whole batch of magic 2. Anything else is INVALID_RECORD; a batch whose
// length field is too small to be a batch is CORRUPT_MESSAGE. Bytes after
// the last whole batch are ignored, as Kafka's batch iterator ignores
// them.
//
// The batch keeps pointing into records: the append stamps it in place.
func ParseProduceRecords(records []byte) (Batch, error) {
	batches, _, err := record.SplitBatches(records)
	if err != nil {
		return Batch{}, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if len(batches) == 0 {
		return Batch{}, kafkaerr.New(kerr.InvalidRecord, "a produce request must have at least one record batch per partition (%d bytes hold none)", len(records))
	}
	h, err := record.ReadHeader(batches[0])
	if errors.Is(err, record.ErrUnsupportedMagic) {
		return Batch{}, kafkaerr.New(kerr.InvalidRecord, "a produce request may only contain record batches with magic version 2: %v", err)
	}
	if err != nil {
		return Batch{}, kafkaerr.New(kerr.CorruptMessage, "%v", err)
	}
	if len(batches) > 1 {
		return Batch{}, kafkaerr.New(kerr.InvalidRecord, "a produce request may only contain exactly one record batch per partition, got %d", len(batches))
	}
	return Batch{bytes: batches[0], header: h}, nil
}
