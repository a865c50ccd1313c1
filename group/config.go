package group

import (
	"fmt"
	"math"
	"time"
)

// Config holds the group coordinator settings, taken from the broker
// configs of the same names (Kafka's GroupCoordinatorConfig).
type Config struct {
	// OffsetsTopicPartitions is offsets.topic.num.partitions: how many
	// partitions __consumer_offsets has, which decides where each group
	// lives (see PartitionFor).
	OffsetsTopicPartitions int32

	// Classic protocol.
	MinSessionTimeout     time.Duration // group.min.session.timeout.ms
	MaxSessionTimeout     time.Duration // group.max.session.timeout.ms
	InitialRebalanceDelay time.Duration // group.initial.rebalance.delay.ms
	MaxSize               int           // group.max.size
	// NewMemberJoinTimeout bounds how long a new member's first JoinGroup
	// may stay parked (Kafka's fixed 5 minutes), so that members that
	// disconnected during a long rebalance do not pile up.
	NewMemberJoinTimeout time.Duration

	// Consumer protocol (KIP-848).
	ConsumerSessionTimeout    time.Duration // group.consumer.session.timeout.ms
	ConsumerMinSessionTimeout time.Duration // group.consumer.min.session.timeout.ms
	ConsumerMaxSessionTimeout time.Duration // group.consumer.max.session.timeout.ms
	ConsumerHeartbeatInterval time.Duration // group.consumer.heartbeat.interval.ms
	// ConsumerMinHeartbeatInterval and ConsumerMaxHeartbeatInterval bound
	// the heartbeat interval (group.consumer.min/max.heartbeat.interval.ms).
	ConsumerMinHeartbeatInterval time.Duration
	ConsumerMaxHeartbeatInterval time.Duration
	ConsumerMaxSize              int // group.consumer.max.size
	// ConsumerAssignmentInterval is group.consumer.assignment.interval.ms
	// (KIP-1263): a new target assignment is computed at most this often.
	// A heartbeat that bumps the group epoch sooner after the last
	// computation leaves the group Assigning with the last target; the
	// first heartbeat after the interval computes it. 0 computes in every
	// heartbeat that bumps the epoch. The interval must lie within
	// group.consumer.min/max.assignment.interval.ms.
	ConsumerAssignmentInterval    time.Duration
	ConsumerMinAssignmentInterval time.Duration
	ConsumerMaxAssignmentInterval time.Duration
	// ConsumerAssignors is group.consumer.assignors; the first is the
	// default for members that name none.
	ConsumerAssignors []string
	// Protocols is group.coordinator.rebalance.protocols: "classic" and/or
	// "consumer".
	Protocols []string

	// Offsets.
	OffsetsRetention              time.Duration // offsets.retention.minutes
	OffsetsRetentionCheckInterval time.Duration // offsets.retention.check.interval.ms
	OffsetCommitTimeout           time.Duration // offsets.commit.timeout.ms
	OffsetMetadataMaxBytes        int           // offset.metadata.max.bytes
}

// DefaultConfig returns Kafka 4's defaults.
func DefaultConfig() Config {
	return Config{
		OffsetsTopicPartitions:        50,
		MinSessionTimeout:             6 * time.Second,
		MaxSessionTimeout:             30 * time.Minute,
		InitialRebalanceDelay:         3 * time.Second,
		MaxSize:                       math.MaxInt32,
		NewMemberJoinTimeout:          5 * time.Minute,
		ConsumerSessionTimeout:        45 * time.Second,
		ConsumerMinSessionTimeout:     45 * time.Second,
		ConsumerMaxSessionTimeout:     60 * time.Second,
		ConsumerHeartbeatInterval:     5 * time.Second,
		ConsumerMinHeartbeatInterval:  5 * time.Second,
		ConsumerMaxHeartbeatInterval:  15 * time.Second,
		ConsumerMaxSize:               math.MaxInt32,
		ConsumerAssignmentInterval:    time.Second,
		ConsumerMaxAssignmentInterval: 15 * time.Second,
		ConsumerAssignors:             []string{"uniform", "range"},
		Protocols:                     []string{"classic", "consumer"},
		OffsetsRetention:              7 * 24 * time.Hour,
		OffsetsRetentionCheckInterval: 10 * time.Minute,
		OffsetCommitTimeout:           5 * time.Second,
		OffsetMetadataMaxBytes:        4096,
	}
}

// Validate checks that the settings make sense together.
func (c Config) Validate() error {
	switch {
	case c.OffsetsTopicPartitions < 1:
		return fmt.Errorf("offsets.topic.num.partitions must be at least 1, got %d", c.OffsetsTopicPartitions)
	case c.MinSessionTimeout < 0 || c.MaxSessionTimeout < c.MinSessionTimeout:
		return fmt.Errorf("group.min.session.timeout.ms (%v) must not exceed group.max.session.timeout.ms (%v)", c.MinSessionTimeout, c.MaxSessionTimeout)
	case c.InitialRebalanceDelay < 0:
		return fmt.Errorf("group.initial.rebalance.delay.ms must not be negative")
	case c.MaxSize < 1 || c.ConsumerMaxSize < 1:
		return fmt.Errorf("group.max.size and group.consumer.max.size must be at least 1")
	case c.ConsumerMinSessionTimeout > c.ConsumerMaxSessionTimeout:
		return fmt.Errorf("group.consumer.min.session.timeout.ms must not exceed group.consumer.max.session.timeout.ms")
	case c.ConsumerSessionTimeout < c.ConsumerMinSessionTimeout || c.ConsumerSessionTimeout > c.ConsumerMaxSessionTimeout:
		return fmt.Errorf("group.consumer.session.timeout.ms (%v) must be within [%v, %v]", c.ConsumerSessionTimeout, c.ConsumerMinSessionTimeout, c.ConsumerMaxSessionTimeout)
	case c.ConsumerHeartbeatInterval < c.ConsumerMinHeartbeatInterval || c.ConsumerHeartbeatInterval > c.ConsumerMaxHeartbeatInterval:
		return fmt.Errorf("group.consumer.heartbeat.interval.ms (%v) must be within [group.consumer.min.heartbeat.interval.ms, group.consumer.max.heartbeat.interval.ms] = [%v, %v]",
			c.ConsumerHeartbeatInterval, c.ConsumerMinHeartbeatInterval, c.ConsumerMaxHeartbeatInterval)
	case c.ConsumerHeartbeatInterval <= 0 || c.ConsumerHeartbeatInterval >= c.ConsumerSessionTimeout:
		return fmt.Errorf("group.consumer.heartbeat.interval.ms must be positive and below group.consumer.session.timeout.ms")
	case c.ConsumerMinAssignmentInterval < 0 || c.ConsumerAssignmentInterval < c.ConsumerMinAssignmentInterval || c.ConsumerAssignmentInterval > c.ConsumerMaxAssignmentInterval:
		return fmt.Errorf("group.consumer.assignment.interval.ms (%v) must be within [group.consumer.min.assignment.interval.ms, group.consumer.max.assignment.interval.ms] = [%v, %v]",
			c.ConsumerAssignmentInterval, c.ConsumerMinAssignmentInterval, c.ConsumerMaxAssignmentInterval)
	case len(c.ConsumerAssignors) == 0:
		return fmt.Errorf("group.consumer.assignors must name at least one assignor")
	case c.OffsetsRetention <= 0 || c.OffsetsRetentionCheckInterval <= 0 || c.OffsetCommitTimeout <= 0:
		return fmt.Errorf("offsets.retention.minutes, offsets.retention.check.interval.ms and offsets.commit.timeout.ms must be positive")
	}
	for _, a := range c.ConsumerAssignors {
		if assignorByName(a) == nil {
			return fmt.Errorf("group.consumer.assignors: unknown assignor %q (gregor has uniform and range)", a)
		}
	}
	for _, p := range c.Protocols {
		if p != "classic" && p != "consumer" {
			return fmt.Errorf("group.coordinator.rebalance.protocols: unknown protocol %q", p)
		}
	}
	return nil
}

func (c Config) protocolEnabled(name string) bool {
	for _, p := range c.Protocols {
		if p == name {
			return true
		}
	}
	return false
}
