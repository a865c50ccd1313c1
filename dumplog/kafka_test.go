package dumplog

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSameOutputAsKafka runs Kafka 4.4's own DumpLogSegments on the same
// files as Dump, with each combination of options, and requires the same
// standard output, and the same findings on standard error: on the
// textbook's segments, on the workbench directory, and on gregor's own
// data directory. It needs java and compat/java's classpath (written by
// mvn -f compat/java/pom.xml dependency:build-classpath, which compat/java's
// own tests need too) and skips without them.
func TestSameOutputAsKafka(t *testing.T) {
	cp := kafkaClasspath(t)

	textbook := filepath.Join(t.TempDir(), "textbook-0")
	if err := os.Mkdir(textbook, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"kafka-3.x-partition0.log", "kafka-3.x-partition1.log"} {
		b, err := os.ReadFile(filepath.Join("..", "record", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, textbook, segmentName(int64(i*1000), ".log"), b)
	}

	dirs := map[string]string{"textbook": textbook, "workbench": workbench(t), "gregor": gregorDataDir(t)}
	optionSets := map[string]struct {
		args []string
		opts Options
	}{
		"shallow":              {nil, Options{}},
		"print-data-log":       {[]string{"--print-data-log"}, Options{PrintDataLog: true}},
		"deep-iteration":       {[]string{"--deep-iteration"}, Options{DeepIteration: true}},
		"skip-record-metadata": {[]string{"--print-data-log", "--skip-record-metadata"}, Options{PrintDataLog: true, SkipRecordMetadata: true}},
		"verify-index-only":    {[]string{"--verify-index-only"}, Options{VerifyIndexOnly: true}},
		"index-sanity-check":   {[]string{"--index-sanity-check"}, Options{IndexSanityCheck: true}},
		"max-bytes":            {[]string{"--max-bytes", "300", "--print-data-log"}, Options{MaxBytes: 300, PrintDataLog: true}},
	}
	for dname, dir := range dirs {
		files, err := expand(dir)
		if err != nil {
			t.Fatal(err)
		}
		for oname, o := range optionSets {
			t.Run(dname+"/"+oname, func(t *testing.T) {
				kout, kerr, crashed := runKafka(t, cp, append([]string{"--files", strings.Join(files, ",")}, o.args...))
				var gout, gerr bytes.Buffer
				// gregor is given the directory, Kafka the files in it.
				_ = Dump(&gout, &gerr, []string{dir}, o.opts)
				want, got := kafkaFindings(kerr), kafkaFindings(gerr.String())
				if crashed {
					// Kafka's tool stops at the first exception (a failed
					// sanity check); gregor's goes on to the other files.
					// Up to there, and in the exception's message, they
					// agree.
					if !strings.HasPrefix(gout.String(), kout) {
						t.Errorf("standard output differs before Kafka's tool stopped:\n%s", lineDiff(kout, gout.String()[:min(len(kout), gout.Len())]))
					}
					if !strings.HasPrefix(got, want) {
						t.Errorf("Kafka's tool stopped with %q; gregor's first message is %q", want, got)
					}
					return
				}
				if gout.String() != kout {
					t.Errorf("standard output differs:\n%s", lineDiff(kout, gout.String()))
				}
				if want != got {
					t.Errorf("findings differ:\n%s", lineDiff(want, got))
				}
				t.Logf("%d lines the same", strings.Count(kout, "\n"))
			})
		}
	}
}

func segmentName(base int64, suffix string) string {
	s := strconv.FormatInt(base, 10)
	return strings.Repeat("0", 20-len(s)) + s + suffix
}

// gregorDataDir produces to a one-broker gregor cluster with a data
// directory (keys, headers, compression, an idempotent producer, index
// entries every batch) and returns the partition's directory once the
// cluster has closed.
func gregorDataDir(t *testing.T) string {
	data := t.TempDir()
	c := gregor.Start(t, broker.DataDir(data), broker.Topic("events", 1, 1, map[string]string{"index.interval.bytes": "1"}))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.DefaultProduceTopic("events"),
		kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for i := range 5 {
		rs := []*kgo.Record{
			{Key: []byte("user-" + strconv.Itoa(i)), Value: []byte(strings.Repeat("v", i*40)), Timestamp: time.UnixMilli(1700000000000 + int64(i)),
				Headers: []kgo.RecordHeader{{Key: "n", Value: []byte(strconv.Itoa(i))}}},
			{Value: []byte("second"), Timestamp: time.UnixMilli(1700000000000 + int64(i))},
		}
		if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	// A transaction left open: the producer snapshot of the clean close
	// carries its first offset (currentTxnFirstOffset).
	tx, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.DefaultProduceTopic("events"),
		kgo.TransactionalID("dump"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := tx.ProduceSync(ctx, &kgo.Record{Value: []byte("open"), Timestamp: time.UnixMilli(1700000000100)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	dir := filepath.Join(data, "broker-1", "events-0")
	snaps, _ := filepath.Glob(filepath.Join(dir, "*"+segment.SnapshotSuffix))
	open := false
	for _, path := range snaps {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := segment.DecodeProducerSnapshot(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, e := range entries {
			open = open || e.CurrentTxnFirstOffset >= 0
		}
	}
	if !open {
		t.Fatalf("no producer snapshot with an open transaction among %v", snaps)
	}
	return dir
}

// kafkaClasspath is compat/java's classpath, which holds kafka-tools.
func kafkaClasspath(t *testing.T) string {
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("no java on the PATH")
	}
	b, err := os.ReadFile(filepath.Join("..", "compat", "java", "target", "classpath.txt"))
	if err != nil {
		t.Skip("no compat/java/target/classpath.txt; run mvn -f compat/java/pom.xml dependency:build-classpath -Dmdep.outputFile=target/classpath.txt")
	}
	return strings.TrimSpace(string(b))
}

func runKafka(t *testing.T, cp string, args []string) (stdout, stderr string, crashed bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "java", append([]string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp,
		"org.apache.kafka.tools.DumpLogSegments"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatal(err)
	}
	return o.String(), e.String(), err != nil
}

// kafkaFindings keeps the lines of the error stream that are findings or
// messages, not the JVM's stack frames or logging, with an exception
// reduced to its message. Kafka's tool keeps the findings of each kind in
// a hash map, so the files' blocks come in no set order: they are sorted.
func kafkaFindings(s string) string {
	var blocks []string
	for _, l := range strings.Split(s, "\n") {
		if l == "" || strings.HasPrefix(l, "\tat ") || strings.HasPrefix(l, "\t... ") || strings.HasPrefix(l, "SLF4J") {
			continue
		}
		if rest, ok := strings.CutPrefix(l, "Exception in thread \"main\" "); ok {
			_, l, _ = strings.Cut(rest, ": ")
		}
		if strings.HasPrefix(l, " ") && len(blocks) > 0 {
			blocks[len(blocks)-1] += "\n" + l
			continue
		}
		blocks = append(blocks, l)
	}
	slices.Sort(blocks)
	return strings.Join(blocks, "\n")
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	n := 0
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			sb.WriteString("line " + strconv.Itoa(i+1) + ":\n  kafka:  " + a + "\n  gregor: " + b + "\n")
			if n++; n == 8 {
				break
			}
		}
	}
	return sb.String()
}
