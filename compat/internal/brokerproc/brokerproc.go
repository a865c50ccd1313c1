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
	"slices"
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
	if dataDir == "" {
		t.Fatal("brokerproc.StartWithDataDir: the data directory must not be empty")
	}
	bootstrap, _ := StartWithArgs(t, root, "-data-dir", dataDir)
	return bootstrap
}

// StartWithArgs is Start with more tiny broker flags (-racks, -topic,
// -config, -http-port 0, ...). It returns the bootstrap servers and, with
// -http-port, the control plane's base URL ("" without).
func StartWithArgs(t testing.TB, root string, args ...string) (bootstrap, controlPlane string) {
	t.Helper()
	if root == "" {
		t.Fatal("brokerproc.StartWithArgs: the path to the module root must not be empty")
	}
	httpWanted := slices.Contains(args, "-http-port")
	bin := filepath.Join(t.TempDir(), "tinybroker")
	build := exec.Command("go", "build", "-o", bin, "./examples/tinybroker")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the tiny broker: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"-brokers", "3", "-port", "0",
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
	lines := bufio.NewScanner(stdout)
	for (bootstrap == "" || httpWanted && controlPlane == "") && lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "bootstrap servers: "); ok {
			bootstrap = rest
		}
		if rest, ok := strings.CutPrefix(lines.Text(), "metrics: "); ok {
			controlPlane, _, _ = strings.Cut(rest, "/metrics")
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
	if bootstrap == "" {
		t.Fatalf("the tiny broker printed no bootstrap address\n%s", stderr.String())
	}
	return bootstrap, controlPlane
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
