package config

import (
	"strings"
	"testing"
)

// Kafka 4 refuses segment.bytes and log.segment.bytes below 1 MiB
// (KIP-1030); tests get small segments from internal.segment.bytes,
// which overrides segment.bytes and is left out of a full describe.
func TestSegmentBytesMinimumAndInternalOverride(t *testing.T) {
	for _, v := range []string{"14", "4096", "1048575"} {
		if _, err := ValidateTopic(map[string]string{"segment.bytes": v}); err == nil {
			t.Errorf("segment.bytes=%s accepted", v)
		}
		if _, _, err := NewBroker(map[string]string{"log.segment.bytes": v}); err == nil {
			t.Errorf("log.segment.bytes=%s accepted", v)
		}
	}
	if _, err := ValidateTopic(map[string]string{"segment.bytes": "1048576"}); err != nil {
		t.Errorf("segment.bytes=1048576: %v", err)
	}
	if _, _, err := NewBroker(map[string]string{"log.segment.bytes": "1048576"}); err != nil {
		t.Errorf("log.segment.bytes=1048576: %v", err)
	}
	if _, err := ValidateTopic(map[string]string{InternalSegmentBytes: "13"}); err == nil {
		t.Error("internal.segment.bytes below one batch header accepted")
	}
	if _, err := ValidateTopic(map[string]string{InternalSegmentBytes: "200"}); err != nil {
		t.Fatalf("internal.segment.bytes=200: %v", err)
	}

	b := Defaults()
	if got := b.Topic(map[string]string{"segment.bytes": "2097152"}).SegmentBytes(); got != 2097152 {
		t.Errorf("segment size from segment.bytes = %d", got)
	}
	small := b.Topic(map[string]string{"segment.bytes": "2097152", InternalSegmentBytes: "200"})
	if got := small.SegmentBytes(); got != 200 {
		t.Errorf("segment size with internal.segment.bytes=200 = %d", got)
	}
	all, _ := small.Describe(nil)
	for _, e := range all {
		if e.Name == InternalSegmentBytes {
			t.Error("a full describe lists internal.segment.bytes")
		}
		if e.Name == "segment.bytes" && e.Value != "2097152" {
			t.Errorf("segment.bytes described as %s", e.Value)
		}
	}
}

// min.compaction.lag.ms above max.compaction.lag.ms is refused, as
// Kafka's LogConfig.validateValues does, for topics and broker defaults.
func TestCompactionLagOrder(t *testing.T) {
	_, err := ValidateTopic(map[string]string{"min.compaction.lag.ms": "2000", "max.compaction.lag.ms": "1000"})
	if err == nil || !strings.Contains(err.Error(), "min.compaction.lag.ms (2000) > max.compaction.lag.ms (1000)") {
		t.Errorf("topic: %v", err)
	}
	if _, err := ValidateTopic(map[string]string{"min.compaction.lag.ms": "1000", "max.compaction.lag.ms": "1000"}); err != nil {
		t.Errorf("equal lags: %v", err)
	}
	if _, err := ValidateTopic(map[string]string{"min.compaction.lag.ms": "9223372036854775807"}); err != nil {
		t.Errorf("min at the default max: %v", err)
	}
	if _, _, err := NewBroker(map[string]string{"log.cleaner.min.compaction.lag.ms": "5", "log.cleaner.max.compaction.lag.ms": "4"}); err == nil {
		t.Error("broker: min above max accepted")
	}
}
