package broker_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kcat (librdkafka) and transactions, both ways: kcat's transactional
// producer (-X transactional.id, which commits when its input ends), and
// kcat's read_committed consumer (-X isolation.level=read_committed) of
// franz-go transactions committed, aborted and still open. Skipped where
// kcat is not installed.
func TestKcatTransactions(t *testing.T) {
	broker.NeedKcatForTest(t)
	c := startAPICluster(t, broker.Topic("kt", 1, 1, nil))
	addr := c.Addrs()[0]
	consume := func(isolation string) []string {
		t.Helper()
		out := runKcat(t, "", "-b", addr, "-C", "-t", "kt", "-p", "0", "-o", "beginning", "-e", "-f", "%s\n",
			"-X", "isolation.level="+isolation, "-X", "fetch.wait.max.ms=10")
		return strings.Fields(out)
	}

	// kcat commits a transaction when its input ends.
	runKcat(t, "k1\nk2\n", "-b", addr, "-P", "-t", "kt", "-p", "0", "-X", "transactional.id=kcat-txn")

	// franz-go transactions, one committed and one aborted.
	p := apiClient(t, c, kgo.TransactionalID("franz-txn"), manualPartitioner())
	for _, txn := range []struct {
		values []string
		commit bool
	}{{[]string{"f1", "f2"}, true}, {[]string{"f-aborted"}, false}, {[]string{"f3"}, true}} {
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, v := range txn.values {
			if err := p.ProduceSync(apiCtx(t), &kgo.Record{Topic: "kt", Partition: 0, Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.EndTransaction(apiCtx(t), kgo.TransactionEndTry(txn.commit)); err != nil {
			t.Fatal(err)
		}
	}

	if got, want := consume("read_committed"), []string{"k1", "k2", "f1", "f2", "f3"}; !slices.Equal(got, want) {
		t.Fatalf("kcat read_committed read %q, want %q", got, want)
	}
	if got, want := consume("read_uncommitted"), []string{"k1", "k2", "f1", "f2", "f-aborted", "f3"}; !slices.Equal(got, want) {
		t.Fatalf("kcat read_uncommitted read %q, want %q", got, want)
	}

	// An open franz-go transaction holds read_committed kcat back at the
	// last stable offset, while a later kcat transaction commits behind it.
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := p.ProduceSync(apiCtx(t), &kgo.Record{Topic: "kt", Partition: 0, Value: []byte("f-open")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	runKcat(t, "k3\n", "-b", addr, "-P", "-t", "kt", "-p", "0", "-X", "transactional.id=kcat-txn")
	if got, want := consume("read_committed"), []string{"k1", "k2", "f1", "f2", "f3"}; !slices.Equal(got, want) {
		t.Fatalf("kcat read_committed read %q with a transaction open, want %q", got, want)
	}
	if err := p.EndTransaction(apiCtx(t), kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	if got, want := consume("read_committed"), []string{"k1", "k2", "f1", "f2", "f3", "f-open", "k3"}; !slices.Equal(got, want) {
		t.Fatalf("kcat read_committed read %q after the commit, want %q", got, want)
	}
}

// runKcat is broker.KcatForTest for a kcat that must succeed.
func runKcat(t *testing.T, input string, args ...string) string {
	t.Helper()
	out, err := broker.KcatForTest(t, input, args...)
	if err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
