package broker

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The kcat (librdkafka's CLI) tests of both test packages run it alike.

// NeedKcatForTest skips t where kcat is not installed.
func NeedKcatForTest(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Skip("kcat is not installed (apt-get install kcat)")
	}
}

// KcatForTest runs kcat with args and input on its stdin, for at most 30
// seconds: its output, or its stderr and the error when it fails, which
// is where librdkafka says why.
func KcatForTest(t testing.TB, input string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", args...)
	cmd.Stdin = strings.NewReader(input)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return errOut.String(), err
	}
	return out.String(), nil
}
