package broker_test

// Idempotent producing over the wire (KIP-98): InitProducerId hands out
// producer ids, and partition leaders use the producer id, epoch and
// sequence numbers in each batch to write a retried batch only once,
// refuse gaps and fence old epochs, across leader failovers too.

import (
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func initProducerID(t testing.TB, cl *kgo.Client, to int32, transactionalID *string) *kmsg.InitProducerIDResponse {
	t.Helper()
	req := kmsg.NewPtrInitProducerIDRequest()
	req.TransactionalID = transactionalID
	req.TransactionTimeoutMillis = 60000
	return sendToLive[*kmsg.InitProducerIDResponse](t, cl, to, req)
}

// Every InitProducerId without a transactional id gets a new producer id,
// larger than every one before, with epoch 0, whichever broker answers.
func TestInitProducerIDFreshIDs(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3))
	cl := apiClient(t, c)
	last := int64(-1)
	for _, to := range []int32{1, 2, 3, 1} {
		resp := initProducerID(t, cl, to, nil)
		wantCode(t, "InitProducerId", resp.ErrorCode, nil)
		if resp.ProducerID <= last || resp.ProducerEpoch != 0 {
			t.Fatalf("broker %d gave producer id %d epoch %d after id %d", to, resp.ProducerID, resp.ProducerEpoch, last)
		}
		last = resp.ProducerID
	}
	// An existing id and epoch (v3+, KIP-360) only matter to
	// transactional producers: an idempotent one gets a fresh id.
	req := kmsg.NewPtrInitProducerIDRequest()
	req.ProducerID, req.ProducerEpoch = last, 0
	resp := sendTo[*kmsg.InitProducerIDResponse](t, cl, 2, req)
	wantCode(t, "InitProducerId with an id", resp.ErrorCode, nil)
	if resp.ProducerID <= last || resp.ProducerEpoch != 0 {
		t.Fatalf("producer id %d epoch %d after id %d", resp.ProducerID, resp.ProducerEpoch, last)
	}
}

// Producer ids are never handed out twice, also across a restart of a
// cluster kept in a data directory.
func TestInitProducerIDPersistedAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	c1, err := broker.New(broker.DataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	cl1, err := kgo.NewClient(kgo.SeedBrokers(c1.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	first := initProducerID(t, cl1, 1, nil).ProducerID
	cl1.Close()
	mustDo(t, c1.Close())

	c2 := startAPICluster(t, broker.DataDir(dir))
	resp := initProducerID(t, apiClient(t, c2), 1, nil)
	wantCode(t, "InitProducerId after the restart", resp.ErrorCode, nil)
	if resp.ProducerID <= first {
		t.Fatalf("producer id %d after a restart, not above %d handed out before", resp.ProducerID, first)
	}
}

// idemProducer sends raw idempotent batches to whoever leads a partition.
type idemProducer struct {
	t     testing.TB
	c     *broker.Cluster
	cl    *kgo.Client
	topic string
	pid   int64
}

func newIdemProducer(t testing.TB, c *broker.Cluster, topic string) *idemProducer {
	t.Helper()
	cl := replClient(t, c)
	resp := initProducerID(t, cl, 1, nil)
	wantCode(t, "InitProducerId", resp.ErrorCode, nil)
	return &idemProducer{t: t, c: c, cl: cl, topic: topic, pid: resp.ProducerID}
}

// send produces values as one batch numbered from seq in epoch, with
// acks=all, to the current leader of partition 0, and returns the
// partition's answer.
func (p *idemProducer) send(epoch int16, seq int32, values ...string) kmsg.ProduceResponseTopicPartition {
	p.t.Helper()
	opts := record.BatchOptions{HasProducer: true, ProducerID: p.pid, ProducerEpoch: epoch, BaseSequence: seq}
	batch := testBatch(p.t, opts, valueRecords(time.Now().UnixMilli(), values...)...)
	leader := partitionInfo(p.t, p.c, p.topic, 0).Leader
	resp := sendToLive[*kmsg.ProduceResponse](p.t, p.cl, leader, produceReq(-1, producePart{p.topic, 0, batch}))
	return producePartition(p.t, resp, p.topic, 0)
}

func (p *idemProducer) wantOffset(what string, got kmsg.ProduceResponseTopicPartition, base int64) {
	p.t.Helper()
	wantCode(p.t, what, got.ErrorCode, nil)
	if got.BaseOffset != base {
		p.t.Fatalf("%s: base offset %d, want %d", what, got.BaseOffset, base)
	}
}

func (p *idemProducer) wantRefused(what string, got kmsg.ProduceResponseTopicPartition, want *kerr.Error) {
	p.t.Helper()
	wantCode(p.t, what, got.ErrorCode, want)
	if got.BaseOffset != -1 || got.ErrorMessage == nil {
		p.t.Fatalf("%s: base offset %d, message %v", what, got.BaseOffset, got.ErrorMessage)
	}
}

func logEnd(t testing.TB, c *broker.Cluster, topic string) int64 {
	t.Helper()
	lr, _ := partitionInfo(t, c, topic, 0).LeaderReplica()
	return lr.LogEndOffset
}

func TestIdempotentProduceOverTheWire(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("i", 1, 3, nil))
	p := newIdemProducer(t, c, "i")
	p.wantOffset("first batch", p.send(0, 0, "a", "b", "c"), 0)
	p.wantOffset("the same batch again", p.send(0, 0, "a", "b", "c"), 0)
	if end := logEnd(t, c, "i"); end != 3 {
		t.Fatalf("log end offset %d after a batch and its retry, want 3", end)
	}
	p.wantOffset("next batch", p.send(0, 3, "d", "e"), 3)
	p.wantOffset("first batch once more", p.send(0, 0, "a", "b", "c"), 0)
	p.wantRefused("sequence 6 after 3-4", p.send(0, 6, "g"), kerr.OutOfOrderSequenceNumber)
	p.wantOffset("a new epoch starts at 0", p.send(1, 0, "f"), 5)
	p.wantRefused("the old epoch", p.send(0, 5, "x"), kerr.InvalidProducerEpoch)
	p.wantRefused("a new epoch not at 0", p.send(2, 1, "x"), kerr.OutOfOrderSequenceNumber)
	if got := consumeValues(t, c, "i", 0, 6); !slices.Equal(got, []string{"a", "b", "c", "d", "e", "f"}) {
		t.Fatalf("log holds %v", got)
	}
	if end := logEnd(t, c, "i"); end != 6 {
		t.Fatalf("log end offset %d, want 6", end)
	}
}

// A producer whose acks=all batch was written but whose answer was lost
// retries it against the new leader after a failover: the followers
// rebuilt the producer state from the batches they copied, so the retry
// gets the original offsets and nothing is written twice.
func TestIdempotentRetryAfterFailover(t *testing.T) {
	for _, crash := range []bool{false, true} {
		name := "controlled shutdown"
		if crash {
			name = "crash"
		}
		t.Run(name, func(t *testing.T) {
			mc := clock.NewManual(time.Time{})
			c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("i", 1, 3, nil))
			p := newIdemProducer(t, c, "i")
			p.wantOffset("first batch", p.send(0, 0, "a", "b"), 0)
			p.wantOffset("second batch", p.send(0, 2, "c"), 2)
			old := partitionInfo(t, c, "i", 0)
			if crash {
				mustDo(t, c.CrashBroker(old.Leader))
				mc.Advance(9 * time.Second)
			} else {
				mustDo(t, c.StopBroker(old.Leader))
			}
			if now := partitionInfo(t, c, "i", 0); now.Leader == old.Leader || now.Leader < 0 {
				t.Fatalf("no failover: leader %d", now.Leader)
			}
			p.wantOffset("second batch retried on the new leader", p.send(0, 2, "c"), 2)
			p.wantOffset("first batch retried on the new leader", p.send(0, 0, "a", "b"), 0)
			p.wantRefused("a gap on the new leader", p.send(0, 4, "e"), kerr.OutOfOrderSequenceNumber)
			p.wantOffset("next batch on the new leader", p.send(0, 3, "d"), 3)
			mustDo(t, c.StartBroker(old.Leader))
			mustDo(t, c.WaitForISR(apiCtx(t), "i", 0, old.Replicas...))
			if got := consumeValues(t, c, "i", 0, 4); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
				t.Fatalf("log holds %v", got)
			}
			for id, r := range partitionInfo(t, c, "i", 0).Replica {
				if r.LogEndOffset != 4 {
					t.Errorf("broker %d log end offset %d, want 4", id, r.LogEndOffset)
				}
			}
		})
	}
}
