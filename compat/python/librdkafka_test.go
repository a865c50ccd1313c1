package python

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// librdkafkaPython is the interpreter with confluent-kafka (librdkafka's
// Python binding): GREGOR_PYTHON, or the venv that install.sh makes. It
// skips the test if there is none.
func librdkafkaPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("GREGOR_PYTHON")
	if py == "" {
		py = ".venv/bin/python"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no Python with confluent-kafka at %s: run `bash compat/python/install.sh` (needs python3 and pip) or set GREGOR_PYTHON", py)
	}
	if out, err := exec.Command(py, "-c", "import confluent_kafka").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import confluent_kafka: %v\n%s\nrun `bash compat/python/install.sh`", py, err, out)
	}
	return py
}

// TestLibrdkafkaPython runs every librdkafka check in one Python process
// against a three-broker tiny broker and reports each as a subtest named
// after its feature. Before the script starts, franz-go writes a topic of
// two committed transactions around an aborted one, so that the script can
// check that librdkafka's read_committed consumer hides what another
// client aborted.
func TestLibrdkafkaPython(t *testing.T) {
	py := librdkafkaPython(t)
	bootstrap := brokerproc.Start(t, "../..")
	const franzTopic = "rdk-franz-go-txn"
	writeFranzTransactions(t, bootstrap, franzTopic)
	brokerproc.RunChecks(t, exec.CommandContext(t.Context(), py, "gregor_librdkafka.py", bootstrap, franzTopic))
}

// writeFranzTransactions leaves c0 c1 (committed), a0 a1 (aborted), c2
// (committed) in partition 0 of topic, at offsets 0, 1, 3, 4 and 6, each
// transaction closed by its control record.
func writeFranzTransactions(t *testing.T, bootstrap, topic string) {
	t.Helper()
	ctx := t.Context()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(bootstrap, ",")...), kgo.TransactionalID("rdk-franz-go-writer"),
		kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	created, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 3, nil, topic)
	if err == nil {
		err = created.Err
	}
	if err != nil {
		t.Fatalf("creating %s: %v", topic, err)
	}
	for _, txn := range []struct {
		values []string
		commit bool
	}{{[]string{"c0", "c1"}, true}, {[]string{"a0", "a1"}, false}, {[]string{"c2"}, true}} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, v := range txn.values {
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v), Partition: 0}).FirstErr(); err != nil {
				t.Fatalf("producing %s: %v", v, err)
			}
		}
		if err := cl.EndTransaction(context.WithoutCancel(ctx), kgo.TransactionEndTry(txn.commit)); err != nil {
			t.Fatalf("ending the transaction of %v (commit %v): %v", txn.values, txn.commit, err)
		}
	}
}
