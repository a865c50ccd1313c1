package config

import (
	"strings"
	"testing"
)

func TestTopicFallsBackToBrokerSynonyms(t *testing.T) {
	b, notes, err := NewBroker(map[string]string{"log.retention.hours": "1", "log.flush.interval.messages": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 {
		t.Fatalf("expected a no-effect note for log.flush.interval.messages only (retention applies), got %v", notes)
	}
	topic := b.Topic(map[string]string{"segment.bytes": "2000000"})
	if v, src, _ := topic.Lookup("retention.ms"); v != "3600000" || src != SourceStaticBroker {
		t.Fatalf("retention.ms = %s from %v, want 3600000 from the broker's log.retention.hours", v, src)
	}
	if v, src, _ := topic.Lookup("segment.bytes"); v != "2000000" || src != SourceTopic {
		t.Fatalf("segment.bytes = %s from %v", v, src)
	}
	if v, src, _ := topic.Lookup("max.message.bytes"); v != "1048588" || src != SourceDefault {
		t.Fatalf("max.message.bytes = %s from %v", v, src)
	}
	if v := topic.Long("segment.ms"); v != 604800000 {
		t.Fatalf("segment.ms default %d, want 7 days from log.roll.hours", v)
	}
}

func TestRejectsUnknownAndInvalid(t *testing.T) {
	if _, _, err := NewBroker(map[string]string{"no.such.config": "1"}); err == nil {
		t.Fatal("unknown broker config accepted")
	}
	if _, _, err := NewBroker(map[string]string{"retention.ms": "1"}); err == nil {
		t.Fatal("topic config accepted as a broker config")
	}
	if _, _, err := NewBroker(map[string]string{"num.partitions": "0"}); err == nil {
		t.Fatal("num.partitions=0 accepted")
	}
	if _, err := ValidateTopic(map[string]string{"cleanup.policy": "compact,delete"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ValidateTopic(map[string]string{"cleanup.policy": "forever"}); err == nil {
		t.Fatal("bad cleanup.policy accepted")
	}
	if _, err := ValidateTopic(map[string]string{"segment.bytes": "ten"}); err == nil {
		t.Fatal("non-numeric segment.bytes accepted")
	}
}

// A topic config falls back through the dynamic levels before the static
// one: this broker's value, then the cluster-wide default.
func TestTopicFollowsDynamicBrokerConfigs(t *testing.T) {
	b, _, err := NewBroker(map[string]string{"log.retention.hours": "1"})
	if err != nil {
		t.Fatal(err)
	}
	topic := b.Topic(nil)
	if !b.SetDynamic(nil, map[string]string{"log.retention.ms": "60000"}) {
		t.Fatal("setting a cluster-wide default reported no change")
	}
	if v, src, _ := topic.Lookup("retention.ms"); v != "60000" || src != SourceDynamicBrokerDef {
		t.Fatalf("retention.ms = %s from %v, want 60000 from the cluster-wide default", v, src)
	}
	b.SetDynamic(map[string]string{"log.retention.ms": "1000"}, map[string]string{"log.retention.ms": "60000"})
	if v, src, _ := topic.Lookup("retention.ms"); v != "1000" || src != SourceDynamicBroker {
		t.Fatalf("retention.ms = %s from %v, want 1000 from this broker's dynamic config", v, src)
	}
	if b.SetDynamic(map[string]string{"log.retention.ms": "1000"}, map[string]string{"log.retention.ms": "60000"}) {
		t.Fatal("setting the same layers again reported a change")
	}
	b.SetDynamic(nil, nil)
	if v, src, _ := topic.Lookup("retention.ms"); v != "3600000" || src != SourceStaticBroker {
		t.Fatalf("retention.ms = %s from %v, want the static log.retention.hours", v, src)
	}
	if err := CheckDynamic([]string{"log.retention.hours"}, map[string]string{"log.retention.hours": "2"}, true); err == nil {
		t.Fatal("log.retention.hours accepted as dynamic (Kafka 4 keeps it read-only)")
	}
}

// Synonyms are listed level by level over a config's group, from the
// first entry naming the config itself, as Kafka's ConfigHelper lists
// them.
func TestSynonymsFromTheConfigItself(t *testing.T) {
	b, _, err := NewBroker(map[string]string{"log.retention.hours": "1"})
	if err != nil {
		t.Fatal(err)
	}
	b.SetDynamic(nil, map[string]string{"log.retention.ms": "60000"})
	entries, _ := b.Describe([]string{"log.retention.ms", "log.retention.hours"})
	got := func(e Entry) string {
		var s []string
		for _, y := range e.Synonyms {
			s = append(s, y.Name+"="+y.Value+"@"+y.Source.String())
		}
		return strings.Join(s, " ")
	}
	if g, want := got(entries[0]), "log.retention.ms=60000@DYNAMIC_DEFAULT_BROKER_CONFIG log.retention.hours=1@STATIC_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"; g != want {
		t.Errorf("log.retention.ms synonyms %s, want %s", g, want)
	}
	if g, want := got(entries[1]), "log.retention.hours=1@STATIC_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"; g != want || entries[1].Source != SourceStaticBroker {
		t.Errorf("log.retention.hours synonyms %s from %v, want %s", g, entries[1].Source, want)
	}
	b.SetDynamic(nil, nil)
	topic, _ := b.Topic(nil).Describe([]string{"retention.ms"})
	if len(topic[0].Synonyms) != 0 || topic[0].Source != SourceDefault || topic[0].Value != "3600000" {
		t.Errorf("retention.ms from log.retention.hours alone: %s from %v with synonyms %q; Kafka lists none and says DEFAULT_CONFIG", topic[0].Value, topic[0].Source, got(topic[0]))
	}
}
