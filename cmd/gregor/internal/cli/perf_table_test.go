package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

// Scenario 11 of the course: producer-perf-test over linger.ms and
// compression.type, one row per combination, as a learner would tabulate
// it. The figures depend on the machine, so the test checks only that
// every row is there and that every record was sent and stored; the table
// is in the test's log (go test -run PerfTable -v).
func TestProducerPerfTestLingerCompressionTable(t *testing.T) {
	const records = 300
	lingers := []string{"0", "20"}
	codecs := []string{"none", "gzip", "snappy", "lz4", "zstd"}
	bs := startCluster(t, broker.Topic("perf", 1, 1, nil))
	total := regexp.MustCompile(`^(\d+) records sent, (\d+\.\d{6}) records/sec \((\d+\.\d{2}) MB/sec\), (\d+\.\d{2}) ms avg latency`)

	var table strings.Builder
	fmt.Fprintf(&table, "%-10s %-12s %14s %10s %14s\n", "linger.ms", "compression", "records/sec", "MB/sec", "avg latency ms")
	rows := 0
	for _, linger := range lingers {
		for _, codec := range codecs {
			out := mustRun(t, "", "producer-perf-test", "--bootstrap-server", bs, "--topic", "perf",
				"--num-records", fmt.Sprint(records), "--record-size", "200", "--throughput", "-1",
				"--producer-props", "acks=1", "linger.ms="+linger, "compression.type="+codec, "batch.size=16384")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			m := total.FindStringSubmatch(lines[len(lines)-1])
			if m == nil || m[1] != fmt.Sprint(records) {
				t.Errorf("linger.ms=%s compression.type=%s: total line %q", linger, codec, lines[len(lines)-1])
				continue
			}
			fmt.Fprintf(&table, "%-10s %-12s %14s %10s %14s\n", linger, codec, m[2], m[3], m[4])
			rows++
		}
	}
	if want := len(lingers) * len(codecs); rows != want {
		t.Errorf("%d rows, want %d", rows, want)
	}
	end := mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "perf")
	if want := fmt.Sprintf("perf:0:%d\n", rows*records); end != want {
		t.Errorf("get-offsets: %q, want %q: every run's records stored", end, want)
	}
	t.Logf("producer-perf-test, %d records of 200 bytes, acks=1:\n%s", records, table.String())
}
