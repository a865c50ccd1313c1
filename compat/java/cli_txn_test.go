package java

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestKafkaCLITransactionsAndQuorum runs kafka-transactions.sh
// (TransactionsCommand) on a transaction left open by a franz-go
// producer, and kafka-metadata-quorum.sh (MetadataQuorumCommand) on the
// cluster, and checks the columns a learner reads.
func TestKafkaCLITransactionsAndQuorum(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	k := newKafkaTools(t, c.bootstrap)
	t.Run("TransactionsCommand", func(t *testing.T) { checkTransactionsCommand(t, k) })
	t.Run("MetadataQuorumCommand", func(t *testing.T) { checkMetadataQuorumCommand(t, k) })
}

func checkTransactionsCommand(t *testing.T, k *kafkaTools) {
	k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap,
		"--create", "--topic", "payments", "--partitions", "1", "--replication-factor", "3")
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.bootstrap), kgo.TransactionalID("cli-payments"), kgo.DefaultProduceTopic("payments"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, kgo.StringRecord("hanging")).FirstErr(); err != nil {
		t.Fatal(err)
	}
	txns := func(args ...string) []map[string]string {
		t.Helper()
		out := k.run(t, "", "org.apache.kafka.tools.TransactionsCommand", append([]string{"--bootstrap-server", k.bootstrap}, args...)...)
		return tabTable(t, out)
	}

	// list, describe and describe-producers agree on the open transaction.
	listed := rowWhere(t, txns("list"), "TransactionalId", "cli-payments")
	if listed["TransactionState"] != "Ongoing" {
		t.Errorf("list: %v, want cli-payments Ongoing", listed)
	}
	d := rowWhere(t, txns("describe", "--transactional-id", "cli-payments"), "TransactionalId", "cli-payments")
	if d["TransactionState"] != "Ongoing" || d["TopicPartitions"] != "payments-0" || d["ProducerId"] != listed["ProducerId"] ||
		d["CoordinatorId"] != listed["Coordinator"] || d["TransactionTimeoutMs"] != "40000" {
		t.Errorf("describe: %v; want Ongoing on payments-0, producer %s at coordinator %s, kgo's default 40 s timeout", d, listed["ProducerId"], listed["Coordinator"])
	}
	p := rowWhere(t, txns("describe-producers", "--topic", "payments", "--partition", "0"), "ProducerId", listed["ProducerId"])
	if p["CurrentTransactionStartOffset"] != "0" || p["LastSequence"] != "0" || p["LatestCoordinatorEpoch"] != "-1" {
		t.Errorf("describe-producers: %v, want the transaction open at offset 0, sequence 0, no marker yet", p)
	}
	// find-hanging asks broker 1 about every partition it holds, led or
	// followed: a transaction the coordinator knows is not hanging.
	if rows := txns("find-hanging", "--broker-id", "1"); len(rows) != 0 {
		t.Errorf("find-hanging: %v, want no hanging transaction", rows)
	}

	// abort writes an ABORT marker straight to the partition (WriteTxnMarkers).
	k.run(t, "", "org.apache.kafka.tools.TransactionsCommand", "--bootstrap-server", k.bootstrap,
		"abort", "--topic", "payments", "--partition", "0", "--start-offset", "0")
	p = rowWhere(t, txns("describe-producers", "--topic", "payments", "--partition", "0"), "ProducerId", listed["ProducerId"])
	if p["CurrentTransactionStartOffset"] != "None" {
		t.Errorf("describe-producers after abort: %v, want no open transaction", p)
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.IsolationLevel = 1 // read_committed: the last stable offset
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = "payments"
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	admin, err := kgo.NewClient(kgo.SeedBrokers(k.bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	resp, err := req.RequestWith(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if lso := resp.Topics[0].Partitions[0]; lso.ErrorCode != 0 || lso.Offset != 2 {
		t.Errorf("last stable offset after the abort: %+v, want 2 (the record and its marker)", lso)
	}
}

func checkMetadataQuorumCommand(t *testing.T, k *kafkaTools) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	meta, err := kadm.NewClient(cl).BrokerMetadata(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := k.run(t, "", "org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", k.bootstrap, "describe", "--status")
	status := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok {
			status[name] = strings.TrimSpace(value)
		}
	}
	// A single combined controller, broker 1, in its first epoch; the other brokers observe.
	for name, want := range map[string]string{"ClusterId": meta.Cluster, "LeaderId": "1", "LeaderEpoch": "1",
		"MaxFollowerLag": "0"} {
		if status[name] != want {
			t.Errorf("describe --status %s: %q, want %q\n%s", name, status[name], want, out)
		}
	}
	if !regexp.MustCompile(`^\[\{"id": 1, "directoryId": "[A-Za-z0-9_-]{22}", "endpoints": \["PLAINTEXT://127\.0\.0\.1:\d+"\]\}\]$`).MatchString(status["CurrentVoters"]) {
		t.Errorf("describe --status CurrentVoters: %q, want broker 1 alone with its directory id and listener\n%s", status["CurrentVoters"], out)
	}
	if !regexp.MustCompile(`^\[\{"id": 2, "directoryId": "[A-Za-z0-9_-]{22}"\}, \{"id": 3, "directoryId": "[A-Za-z0-9_-]{22}"\}\]$`).MatchString(status["CurrentObservers"]) {
		t.Errorf("describe --status CurrentObservers: %q, want brokers 2 and 3\n%s", status["CurrentObservers"], out)
	}
	rows := tabTable(t, k.run(t, "", "org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", k.bootstrap, "describe", "--replication"))
	want := map[string]string{"1": "Leader", "2": "Observer", "3": "Observer"}
	if len(rows) != len(want) {
		t.Errorf("describe --replication: %v, want a row per broker", rows)
	}
	for _, r := range rows {
		if r["Status"] != want[r["NodeId"]] || r["Lag"] != "0" || r["LogEndOffset"] != status["HighWatermark"] {
			t.Errorf("describe --replication row %v: want %s, no lag, at the high watermark %s", r, want[r["NodeId"]], status["HighWatermark"])
		}
	}
}

// tabTable reads the tab-separated table Kafka's tools print: a header
// line, then one row per line, cells padded with spaces.
func tabTable(t *testing.T, out string) []map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table in %q", out)
	}
	cells := func(line string) []string {
		var c []string
		for _, f := range strings.Split(strings.TrimRight(line, "\t"), "\t") {
			c = append(c, strings.TrimSpace(f))
		}
		return c
	}
	header := cells(lines[0])
	var rows []map[string]string
	for _, line := range lines[1:] {
		row := map[string]string{}
		for i, v := range cells(line) {
			if i < len(header) {
				row[header[i]] = v
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// rowWhere is the one row whose column col holds value.
func rowWhere(t *testing.T, rows []map[string]string, col, value string) map[string]string {
	t.Helper()
	for _, r := range rows {
		if r[col] == value {
			return r
		}
	}
	t.Fatalf("no row with %s %s in %v", col, value, rows)
	return nil
}
