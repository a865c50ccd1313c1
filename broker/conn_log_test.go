package broker

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// What the broker logs about connections and partitions: a disconnect is
// not reported as a bad request, and each attribute appears once.

// logLines is the output of a text slog handler, line by line, for a test
// to wait on and read.
type logLines struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newLogLines() *logLines { return &logLines{changed: make(chan struct{}, 1)} }

// logger logs at every level, Debug included, into l.
func (l *logLines) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, strings.TrimSuffix(string(p), "\n"))
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

// matching returns the lines that contain every one of parts.
func (l *logLines) matching(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, line := range l.lines {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

// waitFor waits until a line matches one of the alternatives (each a list
// of parts, as for matching) and returns it. The deadline only keeps a
// broken broker from hanging the test.
func (l *logLines) waitFor(t *testing.T, alternatives ...[]string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		for _, parts := range alternatives {
			if m := l.matching(parts...); len(m) > 0 {
				return m[0]
			}
		}
		select {
		case <-l.changed:
		case <-ctx.Done():
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no log line matches %q; the log:\n%s", alternatives, strings.Join(l.lines, "\n"))
		}
	}
}

// A client that hangs up while its fetch is parked was logged at Info as
// "closing connection after a bad request ... reason=\"context canceled\"".
// A disconnect is not a bad request: it is logged at Debug, as a closed
// connection.
func TestClientHangingUpDuringAFetchIsNotABadRequest(t *testing.T) {
	log := newLogLines()
	c := startConnTestCluster(t, InMemoryNetwork(), Clock(clock.NewManual(time.Time{})), Logger(log.logger()),
		Topic("t", 1, 1, nil), quietConfigs(), Config("connections.max.idle.ms", "-1"))
	nc := dialRaw(t, c)
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 60_000 // never ends: the clock is manual
	req.MinBytes = 1
	req.SessionEpoch = -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 1 << 20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	// The in-memory network's writes return once the broker has read
	// them: the fetch is the broker's before the client hangs up, and
	// is handled whether it parks first or not.
	if _, err := nc.Write(frameOf(req, 11, 1)); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	line := log.waitFor(t, []string{"bad request"}, []string{"connection closed"})
	if strings.Contains(line, "bad request") || !strings.Contains(line, "level=DEBUG") {
		t.Fatalf("a client hanging up during a fetch was logged as\n%s\nwant a Debug line saying the connection closed", line)
	}
	if !strings.Contains(line, "api=Fetch") {
		t.Errorf("the line does not name the request in flight:\n%s", line)
	}
}

// Partition log lines carried broker=1 twice: the broker's logger named
// the broker, and the partition added it again.
func TestPartitionLogLinesNameTheBrokerOnce(t *testing.T) {
	log := newLogLines()
	startConnTestCluster(t, InMemoryNetwork(), Brokers(2), Logger(log.logger()), Topic("orders", 2, 2, nil))
	lines := log.matching("became leader", "topic=orders")
	if len(lines) == 0 {
		t.Fatalf("no partition became leader; the log:\n%s", strings.Join(log.matching(), "\n"))
	}
	for _, line := range lines {
		if n := strings.Count(line, " broker="); n != 1 {
			t.Errorf("%d broker attributes in\n%s", n, line)
		}
	}
}
