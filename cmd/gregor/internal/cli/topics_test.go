package cli

import (
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

func TestTopicsCreateListDescribeAlterDelete(t *testing.T) {
	bs := startCluster(t, broker.Brokers(3))
	out := mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "orders",
		"--partitions", "3", "--replication-factor", "3", "--config", "retention.ms=60000")
	wantOutput(t, out, "Created topic orders.\n")
	mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "payments", "--partitions", "1", "--replication-factor", "1")

	r := gregorCmd(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "orders")
	if r.code != exitError || r.stderr != "Error while executing topic command : Topic 'orders' already exists.\n" {
		t.Errorf("second create: exit %d, stderr %q", r.code, r.stderr)
	}
	mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "orders", "--if-not-exists")

	out = mustRun(t, "", "topics", "--bootstrap-server", bs, "--list", "--exclude-internal")
	wantOutput(t, out, "orders\npayments\n")

	out = mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "orders")
	out = mask(out, `TopicId: [A-Za-z0-9_-]{22}`, `Leader: \d`, `Replicas: [\d,]+`, `Isr: [\d,]+`)
	wantOutput(t, out, ""+
		"Topic: orders\t<masked>\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: retention.ms=60000\n"+
		"\tTopic: orders\tPartition: 0\t<masked>\t<masked>\t<masked>\tElr: N/A\tLastKnownElr: N/A\n"+
		"\tTopic: orders\tPartition: 1\t<masked>\t<masked>\t<masked>\tElr: N/A\tLastKnownElr: N/A\n"+
		"\tTopic: orders\tPartition: 2\t<masked>\t<masked>\t<masked>\tElr: N/A\tLastKnownElr: N/A\n")
	// Three replicas on three brokers: every partition is on all of them.
	if n := strings.Count(mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "orders"), "Replicas: "); n != 3 {
		t.Errorf("%d partition lines", n)
	}

	mustRun(t, "", "topics", "--bootstrap-server", bs, "--alter", "--topic", "orders", "--partitions", "5")
	out = mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "orders")
	if !strings.Contains(out, "PartitionCount: 5") || !strings.Contains(out, "Partition: 4\t") {
		t.Errorf("after --alter --partitions 5:\n%s", out)
	}

	mustRun(t, "", "topics", "--bootstrap-server", bs, "--delete", "--topic", "pay.*")
	wantOutput(t, mustRun(t, "", "topics", "--bootstrap-server", bs, "--list", "--exclude-internal"), "orders\n")

	r = gregorCmd(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "payments")
	if r.code != exitError || r.stderr != "Error while executing topic command : Topic 'payments' does not exist as expected\n" {
		t.Errorf("describe of a deleted topic: exit %d, stderr %q", r.code, r.stderr)
	}
	mustRun(t, "", "topics", "--bootstrap-server", bs, "--delete", "--topic", "payments", "--if-exists")
}

func TestTopicsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"topics", "--bootstrap-server", "127.0.0.1:1"},                            // no action
		{"topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--create"},      // two actions
		{"topics", "--bootstrap-server", "127.0.0.1:1", "--create"},                // no topic
		{"topics", "--bootstrap-server", "127.0.0.1:1", "--alter", "--topic", "x"}, // no partitions
	} {
		if r := gregorCmd(t, "", args...); r.code != exitUsage || !strings.Contains(r.stderr, "Usage: gregor topics") {
			t.Errorf("gregor %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}
