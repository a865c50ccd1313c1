// Package brokerproc starts examples/tinybroker as a subprocess for the
// compatibility tests that drive clients in other languages (compat/java,
// compat/python, compat/node): three brokers on free ports, logs on disk, and classic
// groups that form at once (group.initial.rebalance.delay.ms=0, as in
// Kafka's own test configs) instead of after Kafka's 3 s default.
package brokerproc

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Start builds the tiny broker from the module root (root is the relative
// path to it from the test's package directory, such as "../..") and
// returns its bootstrap servers. The process group is ended when the test
// ends, and the broker's stderr is logged if the test failed.
func Start(t testing.TB, root string) string {
	t.Helper()
	return StartWithDataDir(t, root, t.TempDir())
}

// StartWithDataDir is Start with the brokers' -data-dir given, for tests
// that read the segment files afterwards (broker-N/<topic>-<partition>/).
func StartWithDataDir(t testing.TB, root, dataDir string) string {
	t.Helper()
	return StartWithArgs(t, root, dataDir).Bootstrap
}

// Started is what a started tiny broker printed.
type Started struct {
	Bootstrap string
	// Listeners are the addresses of each -listener, by upper-case name.
	Listeners map[string]string
	// ControlPlane is the HTTP control plane's base URL, with
	// -http-port ("" without).
	ControlPlane string
}

// StartWithArgs is StartWithDataDir with more tiny broker flags
// (-listener, -sasl-user, -tls-dir, -racks, -topic, -config,
// -http-port 0), returning the bootstrap
// servers, the added listeners' addresses and the control plane the
// broker printed.
func StartWithArgs(t testing.TB, root, dataDir string, args ...string) Started {
	t.Helper()
	if root == "" || dataDir == "" {
		t.Fatal("brokerproc.StartWithArgs: the path to the module root and the data directory must not be empty")
	}
	bin := filepath.Join(t.TempDir(), "tinybroker")
	build := exec.Command("go", "build", "-o", bin, "./examples/tinybroker")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the tiny broker: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"-brokers", "3", "-port", "0", "-data-dir", dataDir,
		"-log-level", "warn", "-config", "group.initial.rebalance.delay.ms=0"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := Started{Listeners: map[string]string{}}
	lines := bufio.NewScanner(stdout)
	// The broker prints its addresses, then a line starting "try:".
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "try:") {
		line := lines.Text()
		if rest, ok := strings.CutPrefix(line, "bootstrap servers: "); ok {
			started.Bootstrap = rest
		} else if rest, ok := strings.CutPrefix(line, "listener "); ok {
			if name, addrs, ok := strings.Cut(rest, ": "); ok {
				started.Listeners[name] = addrs
			}
		} else if rest, ok := strings.CutPrefix(line, "metrics: "); ok {
			started.ControlPlane, _, _ = strings.Cut(rest, "/metrics")
		}
	}
	exited := make(chan error, 1)
	go func() {
		for lines.Scan() { // drain stdout so that the broker never blocks on it
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the tiny broker did not stop cleanly: %v", err)
			}
		// Real time: the broker is another process, not on a test clock.
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Errorf("the tiny broker did not stop on SIGTERM")
		}
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("tiny broker stderr:\n%s", Tail(stderr.String(), 4000))
		}
	})
	if started.Bootstrap == "" {
		t.Fatalf("the tiny broker printed no bootstrap address\n%s", stderr.String())
	}
	return started
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// lockedBuffer is a bytes.Buffer that the process writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
