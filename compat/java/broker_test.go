package java

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jvmTools skips the test unless java and mvn are on the PATH.
func jvmTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on the PATH: the JVM compatibility tests need a JDK and Maven (apt-get install default-jdk-headless maven; .ci/run does it)", tool)
		}
	}
}

// cluster is a tiny broker running as a subprocess.
type cluster struct {
	bootstrap string // host:port of broker 1
	dataDir   string // its -data-dir: broker-N/<topic>-<partition>/...
}

// startCluster builds examples/tinybroker and starts three brokers on free
// ports, logs on disk. Classic groups form at once, as in Kafka's own test
// configs, instead of after Kafka's 3 s group.initial.rebalance.delay.ms.
// The broker's process group is ended when the test ends.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tinybroker")
	if out, err := exec.Command("go", "build", "-o", bin, "../../examples/tinybroker").CombinedOutput(); err != nil {
		t.Fatalf("building the tiny broker: %v\n%s", err, out)
	}
	c := &cluster{dataDir: t.TempDir()}
	cmd := exec.Command(bin, "-brokers", "3", "-port", "0", "-data-dir", c.dataDir,
		"-log-level", "warn", "-config", "group.initial.rebalance.delay.ms=0")
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
	exited := make(chan error, 1)
	lines := bufio.NewScanner(stdout)
	for c.bootstrap == "" && lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "bootstrap servers: "); ok {
			c.bootstrap, _, _ = strings.Cut(rest, ",")
		}
	}
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
				t.Errorf("the tiny broker did not stop cleanly: %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Errorf("the tiny broker did not stop on SIGTERM\n%s", stderr.String())
		}
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("tiny broker stderr:\n%s", tail(stderr.String(), 4000))
		}
	})
	if c.bootstrap == "" {
		t.Fatalf("the tiny broker printed no bootstrap address\n%s", stderr.String())
	}
	return c
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

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// mvn runs Maven quietly in batch mode on pom.xml, in its own process group
// that is killed if the test ends first.
func mvn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "mvn", append([]string{"-B", "-q", "-Dstyle.color=never"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "MAVEN_OPTS=-XX:TieredStopAtLevel=1")
	out, err := cmd.CombinedOutput()
	// Maven 3.8 prints colour resets even in batch mode.
	return strings.ReplaceAll(string(out), "\x1b[0m", ""), err
}
