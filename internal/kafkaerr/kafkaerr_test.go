package kafkaerr

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kerr"
)

// A message quoting a long client value is cut in the middle to fit a
// response's string field, on character boundaries.
func TestMessageIsCutToMaxMessageBytes(t *testing.T) {
	long := New(kerr.InvalidConfig, "invalid value %q for retention.ms", strings.Repeat("é", 40000))
	m := Message(long)
	if len(*m) > MaxMessageBytes || !utf8.ValidString(*m) || !strings.Contains(*m, "é…é") ||
		!strings.HasPrefix(*m, "invalid value") || !strings.HasSuffix(*m, "for retention.ms") {
		t.Fatalf("message of %d bytes, valid UTF-8 %v", len(*m), utf8.ValidString(*m))
	}
	if short := Message(New(kerr.InvalidConfig, "bad")); *short != "bad" {
		t.Fatalf("short message changed to %q", *short)
	}
	if Message(nil) != nil || Code(long) != kerr.InvalidConfig.Code {
		t.Fatal("nil message or code")
	}
}

// Kafka 4's names, with KIP-392's rename, and a lookup by either name.
func TestNames(t *testing.T) {
	for code, want := range map[int16]string{0: "NONE", -1: "UNKNOWN_SERVER_ERROR", 6: "NOT_LEADER_OR_FOLLOWER",
		14: "COORDINATOR_LOAD_IN_PROGRESS", 3: "UNKNOWN_TOPIC_OR_PARTITION", 9999: "9999"} {
		if got := Name(code); got != want {
			t.Errorf("Name(%d) = %s, want %s", code, got, want)
		}
	}
	if got := NameOf(kerr.NotLeaderForPartition); got != "NOT_LEADER_OR_FOLLOWER" {
		t.Errorf("NameOf(kerr.NotLeaderForPartition) = %s", got)
	}
	for _, name := range []string{"NOT_LEADER_OR_FOLLOWER", "not_leader_for_partition"} {
		if e, ok := Lookup(name); !ok || e != kerr.NotLeaderForPartition {
			t.Errorf("Lookup(%s) = %v, %v", name, e, ok)
		}
	}
	if _, ok := Lookup("NO_SUCH_ERROR"); ok {
		t.Error("Lookup found NO_SUCH_ERROR")
	}
	if got := New(kerr.NotLeaderForPartition, "partition 3").Error(); got != "NOT_LEADER_OR_FOLLOWER: partition 3" {
		t.Errorf("Error() = %q", got)
	}
}
