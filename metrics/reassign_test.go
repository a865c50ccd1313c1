package metrics_test

import (
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
)

// While a partition moves from {1,2,3} to {2,3,4}, its leader reports it
// reassigning but not under-replicated: the new replica still copying
// does not count against the original three, all in sync, as in Kafka.
// When the move is over, the new leader reports neither.
func TestReassigningPartitionsGauge(t *testing.T) {
	c := gregor.Start(t, broker.Brokers(4), broker.Topic("move", 1, 3, nil))
	url := serve(t, c)
	produce(t, t.Context(), client(t, c), "move", 10)
	if err := c.StopBroker(4); err != nil {
		t.Fatal(err)
	}
	if err := c.AlterPartitionReassignment("move", 0, []int32{2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	const (
		reassigning = "kafka_server_replicamanager_reassigningpartitions"
		urp         = "kafka_server_replicamanager_underreplicatedpartitions"
	)
	fams := scrape(t, url)
	if got := sum(fams, reassigning, map[string]string{"broker": "1"}); got != 1 {
		t.Fatalf("%s on leader 1 during the move: %v, want 1", reassigning, got)
	}
	if got := sum(fams, urp, nil); got != 0 {
		t.Fatalf("%s during the move with the original replicas in sync: %v, want 0", urp, got)
	}
	if err := c.StartBroker(4); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForReassignments(t.Context()); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, url)
	if got := sum(fams, reassigning, nil); got != 0 {
		t.Fatalf("%s after the move: %v, want 0", reassigning, got)
	}
	if got := sum(fams, urp, nil); got != 0 {
		t.Fatalf("%s after the move: %v, want 0", urp, got)
	}
}
