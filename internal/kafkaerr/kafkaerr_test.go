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
