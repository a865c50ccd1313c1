package java

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReassignPartitionsCommand moves a partition with Kafka's own
// kafka-reassign-partitions.sh (ReassignPartitionsCommand): --execute
// prints the current assignment for rollback and starts the move,
// --verify reports it complete once the new replica has copied the log,
// (clearing the throttles, which gregor never applies), and
// kafka-topics.sh --describe and a consumer from the beginning see the
// partition on its new brokers with every record.
func TestReassignPartitionsCommand(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	k := newKafkaTools(t, c.bootstrap)

	mustContain(t, k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap,
		"--create", "--topic", "moving", "--replica-assignment", "1:2"), "Created topic moving.")
	k.run(t, "r1\nr2\nr3\n", "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", k.bootstrap, "--topic", "moving",
		"--producer-property", "acks=all")

	plan := filepath.Join(t.TempDir(), "reassign.json")
	if err := os.WriteFile(plan, []byte(`{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[3,2]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := k.run(t, "", "org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", k.bootstrap,
		"--reassignment-json-file", plan, "--execute")
	mustContain(t, out, `{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[1,2],"log_dirs":[`)
	mustContain(t, out, "Successfully started partition reassignment for moving-0")

	// The move is quick, but --verify may still catch it running: it
	// then says so, and the next run sees it complete.
	done := false
	for range 20 {
		out = k.run(t, "", "org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", k.bootstrap,
			"--reassignment-json-file", plan, "--verify")
		if strings.Contains(out, "Reassignment of partition moving-0 is completed.") {
			done = true
			break
		}
		mustContain(t, out, "Reassignment of partition moving-0 is still in progress.")
	}
	if !done {
		t.Fatalf("the reassignment never completed:\n%s", out)
	}
	out = k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap, "--describe", "--topic", "moving")
	mustContain(t, out, "Partition: 0\tLeader: 3\tReplicas: 3,2\tIsr: ")
	out = k.run(t, "", "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", k.bootstrap,
		"--topic", "moving", "--from-beginning", "--max-messages", "3")
	if got := strings.Fields(out); fmt.Sprint(got) != "[r1 r2 r3]" {
		t.Errorf("consumed %v after the move, want [r1 r2 r3]", got)
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "broker-1", "moving-0")); !os.IsNotExist(err) {
		t.Errorf("broker 1 kept its log of moving-0 after the move: %v", err)
	}

	// --cancel once the move is over: the tool sees nothing to cancel
	// (ListPartitionReassignments lists none) and says so.
	out = k.run(t, "", "org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", k.bootstrap,
		"--reassignment-json-file", plan, "--cancel")
	mustContain(t, out, "None of the specified partition reassignments are active.")
}
