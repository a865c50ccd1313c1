package tinybroker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
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
		{[]string{"-http-port", "70000"}, "-http-port"},
		{[]string{"-listener", "SASL"}, "want NAME:PROTOCOL"},
		{[]string{"-listener", "X:TLS"}, "no security protocol"},
		{[]string{"-sasl-user", "alice"}, "want name:password"},
	} {
		err := Run(context.Background(), "tinybroker", append([]string{"-port", "0"}, tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tinybroker %s: error %v, want one mentioning %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// -http-port serves Prometheus metrics and the control plane beside the
// Kafka listener, and the broker stops when its context ends.
func TestHTTPPortServesMetricsAndControlPlane(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "tinybroker", []string{"-port", "0", "-http-port", "0", "-log-level", "error"}, w, io.Discard)
		w.Close()
	}()
	var base string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "metrics: "); ok {
			base = strings.TrimSuffix(strings.Fields(rest)[0], "/metrics")
		}
		if strings.HasPrefix(sc.Text(), "try: ") { // the last line it prints
			break
		}
	}
	go io.Copy(io.Discard, out)
	if base == "" {
		cancel()
		t.Fatalf("the tiny broker printed no metrics URL (run: %v)", <-done)
	}
	for path, want := range map[string]string{
		"/metrics":    "kafka_controller_kafkacontroller_activecontrollercount",
		"/v1/cluster": `"brokers"`,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %s, body without %q:\n%.400s", path, resp.Status, want, body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the tiny broker stopped with %v", err)
	}
}

// Bound to 0.0.0.0 and advertising a name, with a SASL_SSL listener and
// its PEM files: kafka clients outside a container reach it by name.
func TestListenersAndAdvertisedHost(t *testing.T) {
	dir := t.TempDir()
	text := startupLines(t, "-port", "0", "-host", "0.0.0.0", "-advertised-host", "localhost",
		"-listener", "sasl_ssl:SASL_SSL", "-sasl-user", "alice:secret", "-tls-dir", dir, "-log-level", "error")
	for _, want := range []string{"bootstrap servers: localhost:", "listener SASL_SSL: localhost:", "ssl.ca.location=" + dir + "/ca.pem"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// Kafka's listener configs through -config: a SASL_SSL first listener on
// the port listeners gives (no -port), with -tls-dir enabling TLS.
func TestListenersConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // a port that was free a moment ago, for the listeners config
	dir := t.TempDir()
	text := startupLines(t, "-config", fmt.Sprintf("listeners=SASL_SSL://127.0.0.1:%d", port),
		"-config", "inter.broker.listener.name=SASL_SSL", "-sasl-user", "alice:secret", "-tls-dir", dir,
		"-log-level", "error", "-http-port", "-1")
	if want := fmt.Sprintf("bootstrap servers: 127.0.0.1:%d", port); !strings.Contains(text, want) {
		t.Errorf("output lacks %q:\n%s", want, text)
	}
}

// startupLines runs the tiny broker with args until it has printed its
// last startup line ("try: ..."), stops it, and returns what it printed.
func startupLines(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "tinybroker", args, w, io.Discard)
		w.Close()
	}()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "try: ") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	text := strings.Join(lines, "\n")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the tiny broker stopped with %v\n%s", err, text)
	}
	return text
}
