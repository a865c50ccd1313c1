package config

import (
	"fmt"
	"math"
	"strconv"
)

// InternalSegmentBytes is Kafka's internal.segment.bytes: a topic config
// for tests that replaces segment.bytes and is exempt from its minimum.
const InternalSegmentBytes = "internal.segment.bytes"

const (
	// minSegmentBytes is the minimum of segment.bytes and
	// log.segment.bytes since Kafka 4.0 (KIP-1030): 1 MiB.
	minSegmentBytes = 1 << 20
	// minInternalSegmentBytes is the smallest segment gregor's log can
	// hold: one batch header (Kafka leaves internal.segment.bytes
	// unchecked; a smaller value could never take a batch).
	minInternalSegmentBytes = 14
)

// SegmentBytes is the size at which a topic's active segment rolls:
// internal.segment.bytes when set (tests), otherwise segment.bytes, as
// Kafka's LogConfig.segmentSize decides.
func (t Topic) SegmentBytes() int {
	if v, ok := t.set[InternalSegmentBytes]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return t.Int("segment.bytes")
}

// checkCompactionLag refuses min.compaction.lag.ms above
// max.compaction.lag.ms, as Kafka's LogConfig.validateValues does: a
// record could then never be both old enough and young enough to clean.
// get returns a config's value, or "" when it is not set.
func checkCompactionLag(minName, maxName string, get func(string) string) error {
	minLag, maxLag := int64(0), int64(math.MaxInt64)
	if v := get(minName); v != "" {
		minLag, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := get(maxName); v != "" {
		maxLag, _ = strconv.ParseInt(v, 10, 64)
	}
	if minLag > maxLag {
		return fmt.Errorf("conflict topic config setting %s (%d) > %s (%d)", minName, minLag, maxName, maxLag)
	}
	return nil
}
