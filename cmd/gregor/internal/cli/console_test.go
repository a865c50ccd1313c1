package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

// Scenario 1 of the course, with the Kafka scripts replaced by gregor:
// create a topic, produce "hello kafka", consume it from the beginning.
func TestScenario1HelloKafka(t *testing.T) {
	bs := startCluster(t)
	wantOutput(t, mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "hello",
		"--partitions", "1", "--replication-factor", "1"), "Created topic hello.\n")
	wantOutput(t, mustRun(t, "hello kafka\n", "console-producer", "--bootstrap-server", bs, "--topic", "hello"), "")
	r := gregorCmd(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "hello", "--from-beginning", "--max-messages", "1")
	if r.code != exitOK || r.stdout != "hello kafka\n" || r.stderr != "Processed a total of 1 messages\n" {
		t.Errorf("console-consumer: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestConsoleKeysAndFormatterProperties(t *testing.T) {
	bs := startCluster(t, broker.Topic("orders", 1, 1, nil))
	in := "user-1:first order\nuser-2:second:order\n"
	mustRun(t, in, "console-producer", "--bootstrap-server", bs, "--topic", "orders",
		"--property", "parse.key=true", "--property", "key.separator=:",
		"--request-required-acks", "1", "--compression-codec", "lz4", "--batch-size", "1000", "--timeout", "0")
	out := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "orders", "--from-beginning",
		"--max-messages", "2", "--property", "print.key=true", "--property", "print.partition=true",
		"--property", "print.offset=true", "--property", "print.headers=true", "--property", "print.timestamp=true",
		"--property", "key.separator=|")
	out = mask(out, `CreateTime:\d+`)
	wantOutput(t, out, ""+
		"<masked>|Partition:0|Offset:0|NO_HEADERS|user-1|first order\n"+
		"<masked>|Partition:0|Offset:1|NO_HEADERS|user-2|second:order\n")

	r := gregorCmd(t, "no separator here\n", "console-producer", "--bootstrap-server", bs, "--topic", "orders",
		"--property", "parse.key=true")
	if r.code != exitError || !strings.Contains(r.stderr, "No key separator found on line number 1: 'no separator here'") {
		t.Errorf("a line without a key separator: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestConsoleConsumerPartitionOffsetAndGroup(t *testing.T) {
	bs := startCluster(t, broker.Topic("events", 2, 1, nil))
	mustRun(t, "a0\na1\na2\n", "console-producer", "--bootstrap-server", bs, "--topic", "events", "--sync")
	// Read the first record printed back through --partition --offset.
	out := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--from-beginning",
		"--max-messages", "3", "--property", "print.partition=true", "--property", "print.offset=true")
	first := strings.Split(strings.TrimSpace(out), "\n")[0] // Partition:P\tOffset:O\tvalue
	cols := strings.Split(first, "\t")
	p := strings.TrimPrefix(cols[0], "Partition:")
	o := strings.TrimPrefix(cols[1], "Offset:")
	got := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events",
		"--partition", p, "--offset", o, "--max-messages", "1")
	wantOutput(t, got, cols[2]+"\n")

	// A group commits what it printed: a second run goes on from there.
	g1 := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--group", "g",
		"--from-beginning", "--max-messages", "2")
	g2 := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--group", "g",
		"--from-beginning", "--max-messages", "1")
	all := strings.Fields(g1 + g2)
	if len(all) != 3 || strings.Count(strings.Join(all, " "), "a") != 3 || all[0] == all[2] || all[1] == all[2] {
		t.Errorf("group runs printed %q then %q; want the three records once each", g1, g2)
	}

	// --timeout-ms ends a consumer that gets nothing: exit 0, 0 messages.
	r := gregorCmd(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--timeout-ms", "200")
	if r.code != exitOK || r.stdout != "" || r.stderr != "Processed a total of 0 messages\n" {
		t.Errorf("--timeout-ms: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := gregorCmd(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--offset", "1"); r.code != exitUsage {
		t.Errorf("--offset without --partition: exit %d, want 2", r.code)
	}
}

// cancelOnWrite is a standard output that presses Ctrl-C (cancels the
// context) once the consumer printed something.
type cancelOnWrite struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	defer w.cancel()
	return w.Builder.Write(p)
}

// Ctrl-C is how a console consumer without --max-messages ends: exit 0,
// the count on standard error, and in a group the printed offsets
// committed.
func TestConsoleConsumerCtrlC(t *testing.T) {
	bs := startCluster(t, broker.Topic("t", 1, 1, nil))
	mustRun(t, "only\n", "console-producer", "--bootstrap-server", bs, "--topic", "t")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &cancelOnWrite{cancel: cancel}
	var errOut strings.Builder
	code := Run(ctx, []string{"console-consumer", "--bootstrap-server", bs, "--topic", "t", "--from-beginning", "--group", "g"},
		strings.NewReader(""), out, &errOut)
	if code != exitOK || out.String() != "only\n" || errOut.String() != "Processed a total of 1 messages\n" {
		t.Fatalf("after Ctrl-C: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if got := mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "t"); got != "t:0:1\n" {
		t.Fatalf("get-offsets: %q", got)
	}
	desc := mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "g")
	if f := strings.Fields(strings.Split(strings.TrimSpace(desc), "\n")[1]); f[3] != "1" {
		t.Errorf("committed offset after Ctrl-C:\n%s", desc)
	}
}
