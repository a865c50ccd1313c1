package broker_test

// Sarama's transactional producer against the transaction coordinator.

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Sarama commits one transaction and aborts another; read_committed
// consumers see the committed messages only.
func TestSaramaTransactionalProducerCommitsAndAborts(t *testing.T) {
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_6_0_0
	cfg.ClientID = "sarama-txn"
	cfg.Producer.Idempotent = true
	cfg.Producer.Transaction.ID = "sarama-tx"
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Net.MaxOpenRequests = 1
	producer, err := sarama.NewSyncProducer(c.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	run := func(commit bool, values ...string) {
		t.Helper()
		if err := producer.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: "t", Partition: 0, Value: sarama.StringEncoder(v)}); err != nil {
				t.Fatalf("sending %q: %v", v, err)
			}
		}
		if commit {
			err = producer.CommitTxn()
		} else {
			err = producer.AbortTxn()
		}
		if err != nil {
			t.Fatalf("ending the transaction (commit %v): %v", commit, err)
		}
	}
	run(true, "s1", "s2")
	run(false, "dropped")
	run(true, "s3")
	if got := consumeIsolated(t, c, "t", kgo.ReadCommitted(), 3); !equal(got, []string{"s1", "s2", "s3"}) {
		t.Fatalf("read_committed got %v", got)
	}
	if got := consumeIsolated(t, c, "t", kgo.ReadUncommitted(), 4); !equal(got, []string{"s1", "s2", "dropped", "s3"}) {
		t.Fatalf("read_uncommitted got %v", got)
	}
}
