package partition

import (
	"fmt"
	"math"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
)

// Config holds the topic configs a partition replica applies.
type Config struct {
	Segment segment.Config
	// Retention is retention.ms and retention.bytes (cleanup.policy
	// delete): which old segments the periodic check deletes.
	Retention segment.Retention

	// MaxMessageBytes is max.message.bytes: the largest batch accepted.
	MaxMessageBytes int
	// TimestampType is message.timestamp.type.
	TimestampType record.TimestampType
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are
	// message.timestamp.before.max.ms and message.timestamp.after.max.ms:
	// how far a CreateTime timestamp may lie behind or ahead of the
	// broker's clock.
	TimestampBeforeMaxMs int64
	TimestampAfterMaxMs  int64
	// Compact is set when cleanup.policy includes compact; such topics
	// refuse records without a key.
	Compact bool
	// DeletePolicy is set when cleanup.policy includes delete (the
	// default): only then does retention delete old segments.
	DeletePolicy bool
	// Compression is compression.type: "producer" keeps batches as sent;
	// a codec name ("uncompressed", "gzip", ...) makes the broker
	// recompress batches that arrive with another codec.
	Compression string
	// MinInsyncReplicas is min.insync.replicas, for acks=all.
	MinInsyncReplicas int
	// ReplicaLagTimeMaxMs is the broker's replica.lag.time.max.ms: a
	// follower that has not caught up with the leader for this long
	// leaves the ISR.
	ReplicaLagTimeMaxMs int64
	// FileDeleteDelayMs is file.delete.delay.ms: how long a deleted
	// segment's .deleted files stay before they are removed.
	FileDeleteDelayMs int64
	// The log cleaner's topic configs (cleanup.policy=compact):
	// delete.retention.ms, min.compaction.lag.ms, max.compaction.lag.ms
	// and min.cleanable.dirty.ratio.
	DeleteRetentionMs  int64
	MinCompactionLagMs int64
	MaxCompactionLagMs int64
	MinCleanableRatio  float64
	// ProducerIDExpirationMs is the broker's producer.id.expiration.ms:
	// a producer with no open transaction whose last timestamp is this
	// much older than the clock is forgotten (producersnapshot.go).
	ProducerIDExpirationMs int64
}

// DefaultConfig returns Kafka 4's topic defaults.
func DefaultConfig() Config {
	return Config{
		Segment:              segment.DefaultConfig(),
		Retention:            segment.Retention{Ms: 7 * 24 * 60 * 60 * 1000, Bytes: -1},
		MaxMessageBytes:      1024*1024 + record.LogOverhead,
		TimestampType:        record.CreateTime,
		TimestampBeforeMaxMs: math.MaxInt64,
		TimestampAfterMaxMs:  3600000,
		DeletePolicy:         true,
		Compression:          "producer",
		MinInsyncReplicas:    1,
		ReplicaLagTimeMaxMs:  30000,
		FileDeleteDelayMs:    60000,
		DeleteRetentionMs:    86400000,
		MaxCompactionLagMs:   math.MaxInt64,
		MinCleanableRatio:    0.5,

		ProducerIDExpirationMs: 86400000,
	}
}

// Validate reports the first config a replica cannot apply. The segment
// configs are checked when the log opens or takes them.
func (c Config) Validate() error {
	switch {
	case c.FileDeleteDelayMs < 0:
		return fmt.Errorf("file.delete.delay.ms %d is negative", c.FileDeleteDelayMs)
	case c.DeleteRetentionMs < 0:
		return fmt.Errorf("delete.retention.ms %d is negative", c.DeleteRetentionMs)
	case c.MinCompactionLagMs < 0 || c.MaxCompactionLagMs < 1 || c.MinCompactionLagMs > c.MaxCompactionLagMs:
		return fmt.Errorf("min.compaction.lag.ms %d and max.compaction.lag.ms %d", c.MinCompactionLagMs, c.MaxCompactionLagMs)
	case c.ProducerIDExpirationMs < 1:
		return fmt.Errorf("producer.id.expiration.ms %d is below 1", c.ProducerIDExpirationMs)
	case !(c.MinCleanableRatio >= 0 && c.MinCleanableRatio <= 1):
		return fmt.Errorf("min.cleanable.dirty.ratio %v is outside [0, 1]", c.MinCleanableRatio)
	}
	return nil
}
