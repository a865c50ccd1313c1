package examples

// The tiny broker as a program (examples/tinybroker): built once per test
// run, started on a free port, stopped with SIGTERM.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

var tinyBroker struct {
	once sync.Once
	path string
	err  error
}

// buildTinyBroker builds ./examples/tinybroker once per test binary.
func buildTinyBroker(t *testing.T) string {
	t.Helper()
	tinyBroker.once.Do(func() {
		dir, err := os.MkdirTemp("", "gregor-tinybroker-")
		if err != nil {
			tinyBroker.err = err
			return
		}
		tinyBroker.path = filepath.Join(dir, "tinybroker")
		args := []string{"build", "-o", tinyBroker.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "./tinybroker")...).CombinedOutput()
		if err != nil {
			tinyBroker.err = &buildError{err, out}
		}
	})
	if tinyBroker.err != nil {
		t.Fatalf("building the tiny broker: %v", tinyBroker.err)
	}
	return tinyBroker.path
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

func TestMain(m *testing.M) {
	code := m.Run()
	if tinyBroker.path != "" {
		os.RemoveAll(filepath.Dir(tinyBroker.path))
	}
	os.Exit(code)
}

// runTinyBroker starts the tiny broker on a free port with the given
// flags and returns its bootstrap address and a function that stops it
// with SIGTERM (as Ctrl-C would) and fails the test unless it exits
// cleanly. It is stopped at the end of the test if not before.
func runTinyBroker(t *testing.T, args ...string) (addr string, stop func()) {
	t.Helper()
	cmd := exec.Command(buildTinyBroker(t), append([]string{"-port", "0"}, args...)...)
	// A -race binary sleeps a second at exit to let late reports in; a
	// race found is still reported, and fails the clean-exit check.
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	var stderr bytes.Buffer
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
	for addr == "" && lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "bootstrap servers: "); ok {
			addr = rest
		}
	}
	go func() {
		for lines.Scan() { // keep reading, so that the broker never blocks on stdout
		}
		exited <- cmd.Wait()
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("the tiny broker did not stop cleanly: %v\n%s", err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Errorf("the tiny broker did not stop on SIGTERM\n%s", stderr.String())
			}
		})
	}
	t.Cleanup(stop)
	if addr == "" {
		t.Fatalf("the tiny broker printed no bootstrap address\n%s", stderr.String())
	}
	return addr, stop
}

// With -data-dir the logs are files in Kafka's layout; a broker stopped
// with SIGTERM and started again on the same directory finds its topics
// and records.
func TestTinyBrokerRestartsFromItsDataDir(t *testing.T) {
	dir := t.TempDir()
	addr, stop := runTinyBroker(t, "-data-dir", dir, "-topic", "kept:2:1", "-log-level", "warn")
	produceTo(t, addr, "kept", "before the restart")
	stop()

	for _, name := range []string{"meta.properties", "kept-0/00000000000000000000.log", "kept-0/00000000000000000000.index", "kept-0/leader-epoch-checkpoint"} {
		if _, err := os.Stat(filepath.Join(dir, "broker-1", name)); err != nil {
			t.Errorf("after a clean stop: %v", err)
		}
	}

	addr, _ = runTinyBroker(t, "-data-dir", dir, "-log-level", "warn")
	produceTo(t, addr, "kept", "after the restart")
	// A short fetch.max.wait.ms: closing the consumer ends its fetch
	// session behind the fetch parked on the broker.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("kept"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []string
	for len(got) < 2 {
		fs := cl.PollFetches(t.Context())
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		for _, r := range fs.Records() {
			got = append(got, fmt.Sprintf("%s@%d", r.Value, r.Offset))
		}
	}
	if want := []string{"before the restart@0", "after the restart@1"}; !slices.Equal(got, want) {
		t.Fatalf("consumed %v, want %v", got, want)
	}
}

// produceTo sends one record to partition 0 of topic.
func produceTo(t *testing.T, addr, topic, value string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte(value), Partition: 0}).FirstErr(); err != nil {
		t.Fatalf("producing %q: %v", value, err)
	}
}
