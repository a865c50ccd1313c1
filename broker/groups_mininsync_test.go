package broker_test

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Regression: on one broker with min.insync.replicas=2, an acks=all
// produce succeeds because Kafka caps the requirement at the replica
// count (Partition.effectiveMinIsr), and the group coordinator's own
// acks=all write to __consumer_offsets must apply the same cap. It used
// to compare the ISR with the raw config, so every commit failed with
// COORDINATOR_NOT_AVAILABLE after the client's retries.
func TestOffsetCommitUsesEffectiveMinISR(t *testing.T) {
	c := startAPICluster(t, broker.Config("min.insync.replicas", "2"), broker.Topic("orders", 1, 1, nil))
	// Bounded well below the client's retry timeout, so that a refused
	// commit fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := groupClient(t, c, kgo.RequiredAcks(kgo.AllISRAcks()))

	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("o-1")}).FirstErr(); err != nil {
		t.Fatalf("acks=all produce with min.insync.replicas=2 on one broker: %v", err)
	}

	adm := kadm.NewClient(cl)
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "orders", Partition: 0, At: 1, LeaderEpoch: -1, Metadata: "after o-1"})
	resp, err := adm.CommitOffsets(ctx, "billing", offs)
	if err != nil || resp.Error() != nil {
		t.Fatalf("commit with min.insync.replicas=2 on one broker: %v %v", err, resp.Error())
	}
	fetched, err := adm.FetchOffsets(ctx, "billing")
	if err != nil || fetched.Error() != nil {
		t.Fatalf("fetch: %v %v", err, fetched.Error())
	}
	if o, ok := fetched.Lookup("orders", 0); !ok || o.At != 1 || o.Metadata != "after o-1" {
		t.Fatalf("orders-0: got %+v (found %v), want offset 1 with metadata %q", o, ok, "after o-1")
	}
}
