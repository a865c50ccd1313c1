package java

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestJavaConsumerReadsFromFollowerInItsRack runs Kafka's console
// consumer with client.rack against three brokers in racks a, b and c
// with the rack-aware replica selector (KIP-392): the Java consumer is
// sent by the partition's leader to the follower in its rack, reads every
// record, and the control plane's request history shows that follower
// answering its fetches.
func TestJavaConsumerReadsFromFollowerInItsRack(t *testing.T) {
	jvmTools(t)
	started := brokerproc.StartWithArgs(t, "../..", t.TempDir(), "-racks", "a,b,c",
		"-config", "replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector",
		"-topic", "near:1:3", "-http-port", "0")
	bootstrap, cp := started.Bootstrap, started.ControlPlane
	k := newKafkaTools(t, bootstrap)

	// The consumer's rack is that of a follower of near-0.
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(bootstrap, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	md, err := kadm.NewClient(cl).Metadata(ctx, "near")
	if err != nil {
		t.Fatal(err)
	}
	leader := md.Topics["near"].Partitions[0].Leader
	follower := leader%3 + 1
	rack := string(rune('a' + follower - 1))

	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, "record-%d\n", i)
	}
	k.run(t, in.String(), "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", k.bootstrap, "--topic", "near",
		"--producer-property", "acks=all")
	out := k.run(t, "", "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", k.bootstrap,
		"--topic", "near", "--from-beginning", "--max-messages", "10",
		"--command-property", "client.rack="+rack, "--command-property", "client.id=near-"+rack)
	got := strings.Fields(out)
	if len(got) != 10 || got[0] != "record-0" || got[9] != "record-9" {
		t.Fatalf("console consumer in rack %s printed %q", rack, out)
	}

	resp, err := http.Get(cp + "/v1/requests?api=Fetch&client_id=near-" + rack)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fetches []struct {
		Broker int32 `json:"broker"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fetches); err != nil {
		t.Fatal(err)
	}
	served := map[int32]int{}
	for _, f := range fetches {
		served[f.Broker]++
	}
	if served[follower] == 0 {
		t.Fatalf("fetches of the rack-%s consumer answered by broker %v; want follower %d (rack %s) among them, leader %d", rack, served, follower, rack, leader)
	}
}
