package examples

// Scenario 10: transactions and exactly-once.
//
// A transactional producer (transactional.id) writes to several
// partitions atomically: BeginTransaction, produce, then commit or
// abort. Its InitProducerId fences any older producer with the same
// transactional id (a zombie), and its transaction coordinator (the
// leader of the id's __transaction_state partition) writes COMMIT or
// ABORT markers to every partition it touched. read_committed consumers
// read up to the last stable offset and skip aborted records;
// read_uncommitted ones see everything. A transaction left open past
// transaction.timeout.ms is aborted by the coordinator, and its producer
// is fenced.
//
// The timeout step needs gregor's manual clock; the others run against
// a real cluster too.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// transact runs one transaction of values on partition 0 of topic.
func (c *cluster) transact(cl *kgo.Client, topic string, commit bool, values ...string) {
	c.t.Helper()
	if err := cl.BeginTransaction(); err != nil {
		c.t.Fatal(err)
	}
	for _, v := range values {
		if err := cl.ProduceSync(c.ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			c.t.Fatalf("producing %q: %v", v, err)
		}
	}
	if err := cl.EndTransaction(c.ctx, kgo.TransactionEndTry(commit)); err != nil {
		c.t.Fatalf("ending the transaction (commit %v): %v", commit, err)
	}
}

// readAll reads partition 0 of topic from the start at the isolation
// level until it has n records.
func (c *cluster) readAll(topic string, iso kgo.IsolationLevel, n int) []string {
	c.t.Helper()
	cl := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(iso))
	var got []string
	for len(got) < n {
		fs := cl.PollFetches(c.ctx)
		if err := c.ctx.Err(); err != nil {
			c.t.Fatalf("read %v, want %d records: %v", got, n, err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

func (c *cluster) txnProducer(id string, timeout time.Duration) *kgo.Client {
	return c.client(kgo.TransactionalID(c.name(id)), kgo.TransactionTimeout(timeout),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
}

func TestScenario10_Transactions(t *testing.T) {
	c := startCluster(t)

	t.Run("aborted records are invisible to read_committed", func(t *testing.T) {
		c := c.in(t)
		topic := c.createTopic("payments", 1, 1, nil)
		p := c.txnProducer("payments-writer", time.Minute)
		c.transact(p, topic, true, "pay-1", "pay-2")
		c.transact(p, topic, false, "pay-oops")
		c.transact(p, topic, true, "pay-3")
		if got := c.readAll(topic, kgo.ReadCommitted(), 3); !slices.Equal(got, []string{"pay-1", "pay-2", "pay-3"}) {
			t.Fatalf("read_committed: %v", got)
		}
		if got := c.readAll(topic, kgo.ReadUncommitted(), 4); !slices.Equal(got, []string{"pay-1", "pay-2", "pay-oops", "pay-3"}) {
			t.Fatalf("read_uncommitted: %v", got)
		}
	})

	t.Run("a second producer fences the first", func(t *testing.T) {
		c := c.in(t)
		topic := c.createTopic("ledger", 1, 1, nil)
		zombie := c.txnProducer("ledger-writer", time.Minute)
		if err := zombie.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := zombie.ProduceSync(c.ctx, &kgo.Record{Topic: topic, Value: []byte("zombie")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		live := c.txnProducer("ledger-writer", time.Minute)
		c.transact(live, topic, true, "live")
		err := zombie.ProduceSync(c.ctx, &kgo.Record{Topic: topic, Value: []byte("zombie-2")}).FirstErr()
		if err == nil {
			err = zombie.EndTransaction(c.ctx, kgo.TryCommit)
		}
		if !errors.Is(err, kerr.ProducerFenced) && !errors.Is(err, kerr.InvalidProducerEpoch) {
			t.Fatalf("the zombie's next call: %v, want PRODUCER_FENCED", err)
		}
		if got := c.readAll(topic, kgo.ReadCommitted(), 1); !slices.Equal(got, []string{"live"}) {
			t.Fatalf("read_committed: %v", got)
		}
	})
}

// A transaction left open past its timeout is aborted when the clock
// passes it; read_committed consumers then move on.
func TestScenario10_TimedOutTransaction(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startCluster(t, broker.Clock(mc))
	g := c.needGregor("a manual clock")
	topic := c.createTopic("orders", 1, 1, nil)
	p := c.txnProducer("stuck-writer", 30*time.Second)
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := p.ProduceSync(c.ctx, &kgo.Record{Topic: topic, Value: []byte("never")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if open := g.Transactions(txn.Filter{States: []txn.State{txn.Ongoing}}); len(open) != 1 {
		t.Fatalf("open transactions: %+v", open)
	}
	mc.Advance(40 * time.Second) // past transaction.timeout.ms and a cleanup interval
	if err := g.WaitTransactionEvent(c.ctx, "stuck-writer", txn.EventAbort); err != nil {
		t.Fatalf("the coordinator did not abort: %v; events %v", err, g.TransactionEvents("stuck-writer"))
	}
	c.produce(c.kcl, &kgo.Record{Topic: topic, Value: []byte("after")})
	if got := c.readAll(topic, kgo.ReadCommitted(), 1); !slices.Equal(got, []string{"after"}) {
		t.Fatalf("read_committed after the abort: %v", got)
	}
}
