package main

import (
	"strings"
	"testing"
)

// Bad flags stop the tiny broker before it listens, saying what is wrong.
func TestBadFlagsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-host", "0.0.0.0"}, "give one clients can reach"},
		{[]string{"-brokers", "0"}, "need at least one broker"},
		{[]string{"-port", "65535", "-brokers", "2"}, "out of range"},
		{[]string{"-config", "num.partitions"}, "want name=value"},
		{[]string{"-config", "no.such.config=1"}, `unknown broker config "no.such.config"`},
		{[]string{"-topic", "orders:six"}, "partitions"},
		{[]string{"-topic", "a:1:1:1"}, "want name:partitions:rf"},
		{[]string{"-log-level", "loud"}, "-log-level"},
		{[]string{"extra"}, "unexpected arguments"},
	} {
		err := run(append([]string{"-port", "0"}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tinybroker %s: error %v, want one mentioning %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
