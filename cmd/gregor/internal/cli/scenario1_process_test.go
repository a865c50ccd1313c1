//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Scenario 1 of the course end to end, as a learner types it: the tiny
// broker as its own process (gregor broker -port 0, built from
// ./cmd/gregor), then gregor topics, console-producer and
// console-consumer against the bootstrap servers it printed.
func TestScenario1AgainstTheBrokerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gregor command")
	}
	bin := filepath.Join(t.TempDir(), "gregor")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gregorkafka/gregor/cmd/gregor").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/gregor: %v\n%s", err, out)
	}
	bs := startBrokerProcess(t, bin)

	wantOutput(t, mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "hello",
		"--partitions", "1", "--replication-factor", "1"), "Created topic hello.\n")
	wantOutput(t, mustRun(t, "", "topics", "--bootstrap-server", bs, "--list"), "hello\n")
	wantOutput(t, mustRun(t, "hello kafka\n", "console-producer", "--bootstrap-server", bs, "--topic", "hello"), "")
	r := gregorCmd(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "hello", "--from-beginning", "--max-messages", "1")
	if r.code != exitOK || r.stdout != "hello kafka\n" || r.stderr != "Processed a total of 1 messages\n" {
		t.Errorf("console-consumer: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// startBrokerProcess runs `gregor broker -port 0` and returns the
// bootstrap servers from its "bootstrap servers: ..." line. The broker is
// stopped with SIGTERM (Ctrl-C) when the test ends, and must exit 0.
func startBrokerProcess(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "broker", "-port", "0", "-log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	exited := make(chan error, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() { // keep reading, so that the broker never blocks on stdout
			if rest, ok := strings.CutPrefix(lines.Text(), "bootstrap servers: "); ok {
				found <- rest
			}
		}
		exited <- cmd.Wait()
	}()
	var bs string
	select {
	case bs = <-found:
	case <-time.After(30 * time.Second): // a bound on a hang, not a wait
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("gregor broker did not stop cleanly: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second): // a bound on a hang, not a wait
			_ = cmd.Process.Kill()
			t.Errorf("gregor broker did not stop on SIGTERM\n%s", stderr.String())
		}
	})
	if bs == "" {
		t.Fatalf("gregor broker printed no bootstrap servers\n%s", stderr.String())
	}
	return bs
}
