package java

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// TestKafkaCLI runs Kafka's own command-line tools, the classes behind
// bin/kafka-*.sh, with the arguments of the course, and checks the parts of
// their output a learner reads: partition lines, lag columns, offsets and
// decoded batches.
func TestKafkaCLI(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	k := newKafkaTools(t, c.bootstrap)

	// kafka-topics.sh --create, --describe, --list, --alter
	out := k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap,
		"--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "3")
	mustContain(t, out, "Created topic orders.")
	out = k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap, "--describe", "--topic", "orders")
	mustContain(t, out, "PartitionCount: 3\tReplicationFactor: 3")
	checkPartitionLines(t, out, 3)
	mustContain(t, k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap, "--list"), "orders\n")

	// kafka-console-producer.sh with keys, kafka-console-consumer.sh in a group
	k.run(t, "alice:order-1\nbob:order-2\nalice:order-3\ncarol:order-4\n", "org.apache.kafka.tools.ConsoleProducer",
		"--bootstrap-server", k.bootstrap, "--topic", "orders", "--compression-codec", "lz4",
		"--reader-property", "parse.key=true", "--reader-property", "key.separator=:")
	out = k.run(t, "", "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", k.bootstrap,
		"--topic", "orders", "--from-beginning", "--max-messages", "4", "--group", "readers",
		"--formatter-property", "print.key=true", "--formatter-property", "print.partition=true")
	got := strings.Split(strings.TrimSpace(out), "\n")
	alice := partitionOf(t, got, "alice")
	// before is how many of the four records went to alice's partition
	// (bob's or carol's may share it).
	before := int64(0)
	for _, l := range got {
		if strings.HasPrefix(l, "Partition:"+alice+"\t") {
			before++
		}
	}
	slices.Sort(got)
	want := []string{
		"Partition:" + alice + "\talice\torder-1", "Partition:" + alice + "\talice\torder-3",
		"Partition:" + partitionOf(t, got, "bob") + "\tbob\torder-2",
		"Partition:" + partitionOf(t, got, "carol") + "\tcarol\torder-4",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("console consumer printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Three more records for alice: the group lags by three on her partition.
	k.run(t, "alice:order-5\nalice:order-6\nalice:order-7\n", "org.apache.kafka.tools.ConsoleProducer",
		"--bootstrap-server", k.bootstrap, "--topic", "orders",
		"--reader-property", "parse.key=true", "--reader-property", "key.separator=:")
	out = k.run(t, "", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", k.bootstrap,
		"--describe", "--group", "readers")
	lag := lagTable(t, out)
	if want := [3]int64{before, before + 3, 3}; lag[alice] != want {
		t.Errorf("readers on orders-%s: CURRENT-OFFSET, LOG-END-OFFSET, LAG = %v, want %v\n%s", alice, lag[alice], want, out)
	}
	var total int64
	for _, row := range lag {
		total += row[2]
	}
	if total != 3 {
		t.Errorf("total lag %d, want 3\n%s", total, out)
	}
	mustContain(t, k.run(t, "", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", k.bootstrap, "--list"), "readers\n")

	checkLiveGroup(t, k)

	// kafka-get-offsets.sh: latest, then earliest after kafka-delete-records.sh
	out = k.run(t, "", "org.apache.kafka.tools.GetOffsetShell", "--bootstrap-server", k.bootstrap, "--topic", "orders")
	mustContain(t, out, fmt.Sprintf("orders:%s:%d\n", alice, before+3))
	offsetFile := filepath.Join(t.TempDir(), "delete.json")
	if err := os.WriteFile(offsetFile, fmt.Appendf(nil, `{"partitions":[{"topic":"orders","partition":%s,"offset":2}],"version":1}`, alice), 0o644); err != nil {
		t.Fatal(err)
	}
	out = k.run(t, "", "org.apache.kafka.tools.DeleteRecordsCommand", "--bootstrap-server", k.bootstrap, "--offset-json-file", offsetFile)
	mustContain(t, out, "partition: orders-"+alice+"\tlow_watermark: 2")
	out = k.run(t, "", "org.apache.kafka.tools.GetOffsetShell", "--bootstrap-server", k.bootstrap, "--topic", "orders", "--time", "-2")
	mustContain(t, out, "orders:"+alice+":2\n")
	// A consumer from the beginning of that partition starts at the new log start offset.
	out = k.run(t, "", "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", k.bootstrap,
		"--topic", "orders", "--partition", alice, "--from-beginning", "--max-messages", "1",
		"--formatter-property", "print.offset=true")
	if !strings.HasPrefix(out, "Offset:2\t") {
		t.Errorf("console consumer from the beginning of orders-%s after deleting records below 2 printed %q", alice, out)
	}

	// kafka-configs.sh
	out = k.run(t, "", "org.apache.kafka.tools.ConfigCommand", "--bootstrap-server", k.bootstrap,
		"--entity-type", "topics", "--entity-name", "orders", "--alter", "--add-config", "retention.ms=60000")
	mustContain(t, out, "Completed updating config for topic orders.")
	out = k.run(t, "", "org.apache.kafka.tools.ConfigCommand", "--bootstrap-server", k.bootstrap,
		"--entity-type", "topics", "--entity-name", "orders", "--describe")
	mustContain(t, out, "retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}")
	out = k.run(t, "", "org.apache.kafka.tools.ConfigCommand", "--bootstrap-server", k.bootstrap,
		"--entity-type", "brokers", "--entity-name", "1", "--describe", "--all")
	mustContain(t, out, "num.partitions=1 sensitive=false synonyms={DEFAULT_CONFIG:num.partitions=1}")

	// kafka-leader-election.sh: the preferred replicas lead already.
	out = k.run(t, "", "org.apache.kafka.tools.LeaderElectionCommand", "--bootstrap-server", k.bootstrap,
		"--election-type", "preferred", "--topic", "orders", "--partition", "0")
	mustContain(t, out, "Valid replica already elected for partitions orders-0")

	// kafka-dump-log.sh on broker 1's copy: the lz4 batch and its records, decoded.
	segment := filepath.Join(c.dataDir, "broker-1", "orders-"+alice, "00000000000000000000.log")
	out = k.run(t, "", "org.apache.kafka.tools.DumpLogSegments", "--files", segment, "--print-data-log")
	mustContain(t, out, fmt.Sprintf("baseOffset: 0 lastOffset: %d count: %d", before-1, before))
	mustContain(t, out, "compresscodec: lz4")
	mustContain(t, out, "isvalid: true")
	mustContain(t, out, "| offset: 0 ")
	mustContain(t, out, "key: alice payload: order-1")
	mustContain(t, out, "key: alice payload: order-7")
	out = k.run(t, "", "org.apache.kafka.tools.DumpLogSegments", "--files", strings.TrimSuffix(segment, ".log")+".timeindex")
	mustContain(t, out, "Dumping "+strings.TrimSuffix(segment, ".log")+".timeindex")

	// kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh
	k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap,
		"--create", "--topic", "perf", "--partitions", "3", "--replication-factor", "3")
	out = k.run(t, "", "org.apache.kafka.tools.ProducerPerformance", "--topic", "perf", "--num-records", "20000",
		"--record-size", "100", "--throughput", "-1", "--bootstrap-server", k.bootstrap,
		"--command-property", "acks=all", "linger.ms=5")
	mustContain(t, out, "20000 records sent")
	out = k.run(t, "", "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", k.bootstrap,
		"--topic", "perf", "--num-records", "20000")
	// The data row's fifth column is data.consumed.in.nMsg.
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if cols := strings.Split(rows[len(rows)-1], ", "); len(cols) < 5 || cols[4] != "20000" {
		t.Errorf("consumer perf test consumed %v, want 20000 messages\n%s", cols, out)
	}

	k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap, "--delete", "--topic", "perf")
	if out := k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap, "--list"); strings.Contains(out, "perf") {
		t.Errorf("perf still listed after --delete:\n%s", out)
	}
}

// checkLiveGroup describes a KIP-848 group while its one member, a console
// consumer, is running: --state until it is Stable, then --members.
func checkLiveGroup(t *testing.T, k *kafkaTools) {
	t.Helper()
	consumer := k.start(t, "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", k.bootstrap,
		"--topic", "orders", "--group", "live", "--command-property", "group.protocol=consumer")
	defer consumer()
	var state string
	// Each describe is a JVM start, a second or so; the member joins within a few.
	for range 30 {
		state = k.run(t, "", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", k.bootstrap,
			"--describe", "--group", "live", "--state")
		if regexp.MustCompile(`(?m)^live\s+\S+\s+\(\d\)\s+uniform\s+Stable\s+1\s*$`).MatchString(state) {
			break
		}
	}
	mustContain(t, state, "Stable")
	out := k.run(t, "", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", k.bootstrap,
		"--describe", "--group", "live", "--members", "--verbose")
	// One member owning all three partitions at epoch 2: a new group
	// starts at epoch 1 and the first member's join bumps it (Kafka 4.4).
	if !regexp.MustCompile(`(?m)^live\s+\S+\s+/127\.0\.0\.1\s+console-consumer\s+3\s+2\s+orders:0,1,2\s+2\s+orders:0,1,2\s*$`).MatchString(out) {
		t.Errorf("--members --verbose of a one-member group:\n%s", out)
	}
}

// kafkaTools runs Kafka's tool classes on the module's classpath.
type kafkaTools struct {
	bootstrap string
	classpath string
}

// newKafkaTools compiles the module (for its logback-test.xml) and writes
// its classpath, both offline once .ci/run fetched the jars.
func newKafkaTools(t *testing.T, bootstrap string) *kafkaTools {
	t.Helper()
	if out, err := mvn(t, "test-compile", "dependency:build-classpath", "-Dmdep.outputFile=target/classpath.txt"); err != nil {
		t.Fatalf("mvn dependency:build-classpath: %v\n%s", err, brokerproc.Tail(out, 8000))
	}
	cp, err := os.ReadFile("target/classpath.txt")
	if err != nil {
		t.Fatal(err)
	}
	return &kafkaTools{bootstrap: bootstrap, classpath: "target/test-classes" + string(os.PathListSeparator) + strings.TrimSpace(string(cp))}
}

// command is the java command that runs one tool's main class in a
// process group of its own, killed whole when ctx ends. The JVM flags
// only make a short-lived JVM start faster.
func (k *kafkaTools) command(ctx context.Context, class string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "java", append([]string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
		"-cp", k.classpath, class}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// run runs one tool's main class with stdin and returns its standard
// output, failing the test if it exits non-zero.
func (k *kafkaTools) run(t *testing.T, stdin, class string, args ...string) string {
	t.Helper()
	cmd := k.command(t.Context(), class, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", class, strings.Join(args, " "), err, brokerproc.Tail(stdout.String(), 4000), brokerproc.Tail(stderr.String(), 4000))
	}
	return stdout.String()
}

// refused runs a tool that must exit non-zero and returns its standard
// output and error together.
func (k *kafkaTools) refused(t *testing.T, class string, args ...string) string {
	t.Helper()
	out, err := k.command(t.Context(), class, args...).CombinedOutput()
	if err == nil {
		t.Fatalf("%s %s succeeded, want a refusal:\n%s", class, strings.Join(args, " "), out)
	}
	return string(out)
}

// start starts a tool that runs until stopped, and returns the function
// that stops it (its whole process group).
func (k *kafkaTools) start(t *testing.T, class string, args ...string) (stop func()) {
	t.Helper()
	cmd := k.command(context.Background(), class, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return stop
}

func mustContain(t *testing.T, out, want string) {
	t.Helper()
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, brokerproc.Tail(out, 4000))
	}
}

// partitionLine is one partition of kafka-topics.sh --describe.
var partitionLine = regexp.MustCompile(`(?m)^\tTopic: \S+\tPartition: (\d+)\tLeader: (\d+)\tReplicas: ([\d,]+)\tIsr: ([\d,]+)\t`)

// checkPartitionLines checks that each partition is led by its preferred
// (first) replica, with every replica in sync, as in a fresh Kafka cluster.
func checkPartitionLines(t *testing.T, out string, partitions int) {
	t.Helper()
	lines := partitionLine.FindAllStringSubmatch(out, -1)
	if len(lines) != partitions {
		t.Fatalf("%d partition lines, want %d:\n%s", len(lines), partitions, out)
	}
	for _, l := range lines {
		replicas, isr := strings.Split(l[3], ","), strings.Split(l[4], ",")
		if l[2] != replicas[0] || len(replicas) != 3 || len(isr) != 3 {
			t.Errorf("partition %s: leader %s, replicas %s, isr %s; want the first of three replicas leading, all in sync", l[1], l[2], l[3], l[4])
		}
	}
}

// partitionOf is the partition of the console consumer's lines with key.
func partitionOf(t *testing.T, lines []string, key string) string {
	t.Helper()
	for _, l := range lines {
		if f := strings.Split(l, "\t"); len(f) == 3 && f[1] == key {
			return strings.TrimPrefix(f[0], "Partition:")
		}
	}
	t.Fatalf("no record with key %s in\n%s", key, strings.Join(lines, "\n"))
	return ""
}

// lagTable reads kafka-consumer-groups.sh --describe: for each partition,
// CURRENT-OFFSET, LOG-END-OFFSET and LAG.
func lagTable(t *testing.T, out string) map[string][3]int64 {
	t.Helper()
	rows := map[string][3]int64{}
	var header []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "GROUP" {
			header = f
			continue
		}
		if header == nil || len(f) != len(header) {
			continue
		}
		var row [3]int64
		for i, col := range []string{"CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"} {
			n, err := strconv.ParseInt(f[slices.Index(header, col)], 10, 64)
			if err != nil {
				t.Fatalf("%s %q: %v\n%s", col, f[slices.Index(header, col)], err, out)
			}
			row[i] = n
		}
		rows[f[slices.Index(header, "PARTITION")]] = row
	}
	if len(rows) == 0 {
		t.Fatalf("no lag table in\n%s", out)
	}
	return rows
}
