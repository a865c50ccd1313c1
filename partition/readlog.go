package partition

import (
	"errors"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// ReadLog returns whole batches of this replica's log from offset up to
// the log end offset, leader or follower alike: what is on this replica's
// disk, not what a consumer may see. It serves inspection from Go
// (Cluster.Records); clients always go through Read. The first batch is
// returned even if it exceeds maxBytes.
func (p *Partition) ReadLog(offset int64, maxBytes int) ([]byte, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, kafkaerr.New(kerr.NotLeaderForPartition, "replica of %s-%d on broker %d is offline", p.topic, p.index, p.brokerID)
	}
	start, end := p.log.LogStartOffset(), p.log.LogEndOffset()
	if offset < start || offset > end {
		return nil, kafkaerr.New(kerr.OffsetOutOfRange, "offset %d is outside [%d, %d] of %s-%d on broker %d", offset, start, end, p.topic, p.index, p.brokerID)
	}
	if offset == end {
		return nil, nil
	}
	b, err := p.log.Read(offset, maxBytes, end, true)
	if errors.Is(err, segment.ErrOffsetOutOfRange) {
		return nil, kafkaerr.New(kerr.OffsetOutOfRange, "%v", err)
	}
	return b, err
}
