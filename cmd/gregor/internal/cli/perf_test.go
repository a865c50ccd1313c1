package cli

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

func TestProducerAndConsumerPerfTest(t *testing.T) {
	bs := startCluster(t, broker.Topic("perf", 2, 1, nil))
	out := mustRun(t, "", "producer-perf-test", "--bootstrap-server", bs, "--topic", "perf",
		"--num-records", "200", "--record-size", "100", "--throughput", "-1",
		"--producer-props", "acks=1", "linger.ms=0", "compression.type=lz4")
	total := regexp.MustCompile(`^200 records sent, \d+\.\d{6} records/sec \(\d+\.\d{2} MB/sec\), \d+\.\d{2} ms avg latency, ` +
		`\d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !total.MatchString(lines[len(lines)-1]) {
		t.Errorf("producer-perf-test's total line:\n%s", out)
	}
	offsets := mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "perf")
	var sum int
	for _, l := range strings.Split(strings.TrimSpace(offsets), "\n") {
		n, err := strconv.Atoi(l[strings.LastIndex(l, ":")+1:])
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	if sum != 200 {
		t.Errorf("the topic has %d records, want 200:\n%s", sum, offsets)
	}

	out = mustRun(t, "", "consumer-perf-test", "--bootstrap-server", bs, "--topic", "perf", "--messages", "200", "--group", "perf-g")
	row := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, 0\.0191, \d+\.\d{4}, 200, \d+\.\d{4}, \d+, \d+, \d+\.\d{4}, \d+\.\d{4}$`)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "start.time, end.time, data.consumed.in.MB") || !row.MatchString(lines[1]) {
		t.Errorf("consumer-perf-test:\n%s", out)
	}
	if r := gregorCmd(t, "", "producer-perf-test", "--bootstrap-server", bs, "--topic", "perf"); r.code != exitUsage {
		t.Errorf("producer-perf-test without --num-records: exit %d, want 2", r.code)
	}
}
