package txn

import (
	"fmt"
	"time"
)

// Config holds the transaction coordinator's settings, named after the
// broker configs they come from.
type Config struct {
	// StateTopicPartitions is transaction.state.log.num.partitions.
	StateTopicPartitions int32
	// MaxTimeout is transaction.max.timeout.ms: the longest
	// transaction.timeout.ms a producer may ask for.
	MaxTimeout time.Duration
	// AbortTimedOutInterval is
	// transaction.abort.timed.out.transaction.cleanup.interval.ms.
	AbortTimedOutInterval time.Duration
	// TransactionalIDExpiration is transactional.id.expiration.ms.
	TransactionalIDExpiration time.Duration
	// RemoveExpiredInterval is
	// transaction.remove.expired.transaction.cleanup.interval.ms.
	RemoveExpiredInterval time.Duration
	// MarkerRetryBackoff is how long the coordinator waits before it
	// sends again the markers a partition leader could not take.
	MarkerRetryBackoff time.Duration
}

// DefaultConfig returns Kafka 4's defaults.
func DefaultConfig() Config {
	return Config{
		StateTopicPartitions:      50,
		MaxTimeout:                900000 * time.Millisecond,
		AbortTimedOutInterval:     10000 * time.Millisecond,
		TransactionalIDExpiration: 604800000 * time.Millisecond,
		RemoveExpiredInterval:     3600000 * time.Millisecond,
		MarkerRetryBackoff:        100 * time.Millisecond,
	}
}

// Validate reports the first setting out of its range.
func (c Config) Validate() error {
	switch {
	case c.StateTopicPartitions < 1:
		return fmt.Errorf("transaction.state.log.num.partitions must be at least 1, got %d", c.StateTopicPartitions)
	case c.MaxTimeout < time.Millisecond:
		return fmt.Errorf("transaction.max.timeout.ms must be at least 1, got %v", c.MaxTimeout)
	case c.AbortTimedOutInterval < time.Millisecond:
		return fmt.Errorf("transaction.abort.timed.out.transaction.cleanup.interval.ms must be at least 1, got %v", c.AbortTimedOutInterval)
	case c.TransactionalIDExpiration < time.Millisecond:
		return fmt.Errorf("transactional.id.expiration.ms must be at least 1, got %v", c.TransactionalIDExpiration)
	case c.RemoveExpiredInterval < time.Millisecond:
		return fmt.Errorf("transaction.remove.expired.transaction.cleanup.interval.ms must be at least 1, got %v", c.RemoveExpiredInterval)
	case c.MarkerRetryBackoff <= 0:
		return fmt.Errorf("the marker retry backoff must be positive, got %v", c.MarkerRetryBackoff)
	}
	return nil
}
