package txn

// What DescribeTransactions, ListTransactions and Go callers see.

import (
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Transaction is one transactional id's state.
type Transaction struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	State           State
	Timeout         time.Duration
	// StartTime is when the open (or last) transaction began; zero if
	// none did.
	StartTime  time.Time
	LastUpdate time.Time
	Partitions []TopicPartition
	// CoordinatorPartition is the id's __transaction_state partition.
	CoordinatorPartition int32
}

func (s *shard) describe(m *metadata) Transaction {
	t := Transaction{TransactionalID: m.id, ProducerID: m.producerID, ProducerEpoch: m.producerEpoch,
		State: m.state, Timeout: m.timeout, LastUpdate: time.UnixMilli(m.lastUpdate),
		Partitions: m.sortedPartitions(), CoordinatorPartition: s.partition}
	if m.startTime >= 0 {
		t.StartTime = time.UnixMilli(m.startTime)
	}
	return t
}

// Describe returns one transactional id's state: NOT_COORDINATOR if this
// broker does not coordinate it, TRANSACTIONAL_ID_NOT_FOUND if it is
// unknown.
func (c *Coordinator) Describe(transactionalID string) (Transaction, error) {
	s, err := c.lockShard(transactionalID)
	if err != nil {
		return Transaction{}, err
	}
	defer s.mu.Unlock()
	m := s.txns[transactionalID]
	if m == nil {
		return Transaction{}, kafkaerr.New(kerr.TransactionalIDNotFound, "transactional id %q is unknown", transactionalID)
	}
	return s.describe(m), nil
}

// Filter selects transactions for List; empty fields match everything.
type Filter struct {
	States      []State
	ProducerIDs []int64
	// MinDuration, if positive, keeps only transactions open at least
	// that long (ListTransactions v1's DurationFilter).
	MinDuration time.Duration
}

// List returns the transactions of every loaded partition matching f,
// by transactional id within partition order.
func (c *Coordinator) List(f Filter) []Transaction {
	var out []Transaction
	now := c.clock.Now()
	for _, s := range c.allShards() {
		if s.lock() != nil {
			continue
		}
		for _, id := range s.sortedIDs() {
			m := s.txns[id]
			if m.pending && m.producerEpoch < 0 {
				continue
			}
			if len(f.States) > 0 && !contains(f.States, m.state) {
				continue
			}
			if len(f.ProducerIDs) > 0 && !contains(f.ProducerIDs, m.producerID) {
				continue
			}
			if f.MinDuration > 0 && (m.startTime < 0 || now.Sub(time.UnixMilli(m.startTime)) < f.MinDuration ||
				(m.state != Ongoing && m.state != PrepareCommit && m.state != PrepareAbort && m.state != PrepareEpochFence)) {
				continue
			}
			out = append(out, s.describe(m))
		}
		s.mu.Unlock()
	}
	return out
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
