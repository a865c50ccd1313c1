package gregor_test

// A randomized test of transactions under broker restarts: several
// franz-go transactional producers commit and abort at random on a
// three-broker cluster (RF=3) whose brokers are stopped, crashed and
// restarted on their data directories in between. It checks, after every
// step, that no replica's last stable offset passes a transaction still
// open, and at the end that a read_committed consumer reads exactly the
// committed transactions' records, in offset order, each once.
//
// The run is driven by one seeded generator; the seed is printed, and
// GREGOR_TXN_SEED=<seed> replays the same choices (as long as the
// cluster answers the same calls the same way).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

type txnOutcome int

const (
	txnOpen txnOutcome = iota
	txnCommitted
	txnAborted
	// txnUnknown: a call failed midway, so the transaction may have
	// committed or not; it must then be all there or not at all.
	txnUnknown
)

type randomRecord struct {
	partition int32
	value     string
	offset    int64 // -1 when the produce failed (it may still be in the log)
}

type randomTxn struct {
	outcome txnOutcome
	records []randomRecord
}

type randomProducer struct {
	id   string
	cl   *kgo.Client
	open *randomTxn
}

func TestRandomTransactionsUnderRestarts(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("GREGOR_TXN_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("GREGOR_TXN_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (GREGOR_TXN_SEED=%d replays this run)", seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	const topic, partitions, brokers = "rt", 2, 3
	dataDir := t.TempDir()
	c := gregor.Start(t, broker.Brokers(brokers), broker.DataDir(dataDir),
		// Segments of a few batches (internal.segment.bytes, for tests),
		// so that replicas roll and snapshot their producer state, open
		// transactions included, between restarts.
		broker.Topic(topic, partitions, 3, map[string]string{"min.insync.replicas": "2", "internal.segment.bytes": "600"}))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	newClient := func(id string) *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.TransactionalID(id),
			kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.TransactionTimeout(60*time.Second),
			kgo.MetadataMinAge(10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	var producers []*randomProducer
	for i := range 3 {
		id := fmt.Sprintf("rt-producer-%d", i)
		producers = append(producers, &randomProducer{id: id, cl: newClient(id)})
	}
	defer func() {
		for _, p := range producers {
			p.cl.Close()
		}
	}()
	var txns []*randomTxn
	n := 0

	// fail gives up on a producer's transaction after an error: its
	// outcome is unknown, and a new client for the same transactional
	// id fences the old one (InitProducerId aborts what it left open).
	fail := func(p *randomProducer, what string, err error) {
		t.Logf("%s: %s: %v (the transaction's outcome is left unknown)", p.id, what, err)
		p.open.outcome = txnUnknown
		p.open = nil
		p.cl.Close()
		p.cl = newClient(p.id)
	}
	produce := func(p *randomProducer) {
		if p.open == nil {
			if err := p.cl.BeginTransaction(); err != nil {
				t.Fatalf("%s: begin: %v", p.id, err)
			}
			p.open = &randomTxn{}
			txns = append(txns, p.open)
		}
		for range 1 + rng.IntN(3) {
			r := randomRecord{partition: rng.Int32N(partitions), value: fmt.Sprintf("%s-%d", p.id, n), offset: -1}
			n++
			res := p.cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: r.partition, Value: []byte(r.value)})
			rec, err := res.First()
			if err == nil {
				r.offset = rec.Offset
			}
			p.open.records = append(p.open.records, r)
			if err != nil {
				fail(p, "produce", err)
				return
			}
		}
	}
	end := func(p *randomProducer, commit bool) {
		if err := p.cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			fail(p, fmt.Sprintf("end (commit %v)", commit), err)
			return
		}
		p.open.outcome = txnAborted
		if commit {
			p.open.outcome = txnCommitted
		}
		p.open = nil
	}
	// checkLSO: every replica's last stable offset is at or before the
	// first record of each transaction still open on its partition.
	checkLSO := func(step int) {
		for part := range int32(partitions) {
			first := int64(-1)
			for _, p := range producers {
				if p.open == nil {
					continue
				}
				for _, r := range p.open.records {
					if r.partition == part && r.offset >= 0 && (first < 0 || r.offset < first) {
						first = r.offset
					}
				}
			}
			if first < 0 {
				continue
			}
			pi, err := c.Partition(topic, part)
			if err != nil {
				t.Fatal(err)
			}
			for id, ri := range pi.Replica {
				if ri.LastStableOffset > first {
					t.Fatalf("step %d: broker %d's replica of %s-%d has last stable offset %d past a transaction open at %d",
						step, id, topic, part, ri.LastStableOffset, first)
				}
			}
		}
	}

	down := int32(0) // the broker stopped, 0 when all run
	const steps = 60
	for step := range steps {
		switch x := rng.IntN(100); {
		case x < 12:
			if down != 0 {
				t.Logf("step %d: start broker %d", step, down)
				if err := c.StartBroker(down); err != nil {
					t.Fatal(err)
				}
				down = 0
				break
			}
			b := 1 + rng.Int32N(brokers)
			if rng.IntN(2) == 0 {
				// A crash, then a restart on the same data: no close
				// snapshot, no checkpoints; the start fences the old
				// incarnation, so the failover is immediate.
				t.Logf("step %d: crash and restart broker %d", step, b)
				if err := c.CrashBroker(b); err != nil {
					t.Fatal(err)
				}
				if err := c.StartBroker(b); err != nil {
					t.Fatal(err)
				}
			} else {
				t.Logf("step %d: stop broker %d", step, b)
				if err := c.StopBroker(b); err != nil {
					t.Fatal(err)
				}
				down = b
			}
		default:
			p := producers[rng.IntN(len(producers))]
			if p.open != nil && rng.IntN(2) == 0 {
				end(p, rng.IntN(3) != 0)
			} else {
				produce(p)
			}
		}
		checkLSO(step)
	}
	if down != 0 {
		if err := c.StartBroker(down); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range producers {
		if p.open != nil {
			end(p, rng.IntN(2) == 0)
		}
	}

	// A plain record after everything: once read_committed reaches it,
	// every transaction before it has been read or skipped.
	plain, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for part := range int32(partitions) {
		if err := plain.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: part, Value: []byte("end")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart(), 1: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	got := map[int32][]randomRecord{}
	ended := 0
	for ended < partitions {
		fs := consumer.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read_committed did not reach the end: %v", ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			if string(r.Value) == "end" {
				ended++
				return
			}
			got[r.Partition] = append(got[r.Partition], randomRecord{partition: r.Partition, value: string(r.Value), offset: r.Offset})
		})
	}

	counts := map[txnOutcome]int{}
	for _, tx := range txns {
		counts[tx.outcome]++
	}
	t.Logf("%d transactions: %d committed, %d aborted, %d unknown; %d records", len(txns), counts[txnCommitted], counts[txnAborted], counts[txnUnknown], n)
	seen := map[string]randomRecord{}
	for part := range int32(partitions) {
		for _, r := range got[part] {
			if _, dup := seen[r.value]; dup {
				t.Fatalf("%q read twice", r.value)
			}
			seen[r.value] = r
		}
	}
	for part := range int32(partitions) {
		var want []randomRecord
		for _, tx := range txns {
			present := 0
			for _, r := range tx.records {
				if _, ok := seen[r.value]; ok {
					present++
				}
			}
			switch tx.outcome {
			case txnCommitted:
				if present != len(tx.records) {
					t.Fatalf("a committed transaction %+v has %d of its records read", tx.records, present)
				}
			case txnAborted:
				if present != 0 {
					t.Fatalf("an aborted transaction %+v has %d records read", tx.records, present)
				}
			case txnUnknown:
				if present != 0 && present != len(tx.records) {
					t.Fatalf("a transaction of unknown outcome %+v has %d of its records read: not atomic", tx.records, present)
				}
			}
			for _, r := range tx.records {
				if r.partition != part {
					continue
				}
				if s, ok := seen[r.value]; ok {
					if r.offset >= 0 && s.offset != r.offset {
						t.Fatalf("%q read at offset %d, produced at %d", r.value, s.offset, r.offset)
					}
					want = append(want, s)
				}
			}
		}
		slices.SortFunc(want, func(a, b randomRecord) int { return int(a.offset - b.offset) })
		if !slices.Equal(got[part], want) {
			t.Fatalf("partition %d: read_committed read\n%v\nwant the committed records in offset order\n%v", part, got[part], want)
		}
	}
	snapshots, err := filepath.Glob(filepath.Join(dataDir, "broker-*", topic+"-*", "*.snapshot"))
	if err != nil || len(snapshots) == 0 {
		t.Fatalf("no producer snapshots in the replicas' directories (%v): the restarts replayed whole logs", err)
	}
	t.Logf("%d producer snapshot files in the replicas' directories", len(snapshots))
	if len(seen) == 0 || counts[txnCommitted] == 0 {
		t.Fatalf("nothing committed was read (%d records, %v)", len(seen), counts)
	}
}
