package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
)

// result is what one run of the gregor command left.
type result struct {
	code           int
	stdout, stderr string
}

// gregorCmd runs the gregor command in-process, as a shell would run
// `gregor args...`, with stdin as its standard input.
func gregorCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(t.Context(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// mustRun runs the command and fails the test unless it exits 0.
func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := gregorCmd(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("gregor %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// startCluster starts a gregor cluster and returns its bootstrap servers.
func startCluster(t *testing.T, opts ...broker.Option) string {
	t.Helper()
	c := gregor.Start(t, opts...)
	return strings.Join(c.Addrs(), ",")
}

// mask replaces the volatile parts of an output (ids, hosts) so that
// golden comparisons hold from run to run.
func mask(s string, res ...string) string {
	for _, re := range res {
		s = regexp.MustCompile(re).ReplaceAllString(s, "<masked>")
	}
	return s
}

func wantOutput(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	if r := gregorCmd(t, "", "no-such"); r.code != exitUsage || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, c := range commands {
		r := gregorCmd(t, "", c.name, "--no-such-flag")
		if r.code != exitUsage || !strings.Contains(r.stderr, "flag provided but not defined: -no-such-flag") ||
			!strings.Contains(r.stderr, "Usage: gregor "+c.name) {
			t.Errorf("%s --no-such-flag: exit %d, stderr %q; want exit 2 and the usage", c.name, r.code, r.stderr)
		}
		r = gregorCmd(t, "", c.name, "--help")
		flag := "-bootstrap-server" // every client subcommand's
		switch c.name {
		case "broker":
			flag = "-data-dir"
		case "dump-log": // reads files, not a cluster
			flag = "-files"
		}
		if r.code != exitOK || !strings.Contains(r.stderr, flag) {
			t.Errorf("%s --help: exit %d, stderr %q; want exit 0 and the flags", c.name, r.code, r.stderr)
		}
	}
}

// An unreachable cluster is an error within the timeout, not a hang. Port
// 1 on loopback refuses connections at once.
func TestUnreachableBroker(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"topics", "--list"},
		{"console-producer", "--topic", "x"},
		{"console-consumer", "--topic", "x"},
		{"get-offsets", "--topic", "x"},
		{"consumer-groups", "--list"},
		{"configs", "--describe", "--entity-type", "topics", "--entity-name", "x"},
		{"producer-perf-test", "--topic", "x", "--num-records", "1", "--record-size", "1", "--throughput", "-1"},
		{"consumer-perf-test", "--topic", "x", "--messages", "1"},
	} {
		var out, errOut bytes.Buffer
		args = append(args, "--bootstrap-server", "127.0.0.1:1", "--connect-timeout", "5s")
		code := Run(ctx, args, strings.NewReader(""), &out, &errOut)
		if code != exitError || !strings.Contains(errOut.String(), "cannot connect to any bootstrap server (127.0.0.1:1)") {
			t.Errorf("gregor %s: exit %d, stderr %q; want exit 1 and a clear message", strings.Join(args, " "), code, errOut.String())
		}
	}
}
