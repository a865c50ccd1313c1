package broker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Sarama handles NOT_LEADER_OR_FOLLOWER on a produce as franz-go does:
// it refreshes its metadata, waits Producer.Retry.Backoff and sends the
// message again. The injected error was answered without handling the
// request, so the log holds the message once.
func TestFaultSaramaProducerRetriesNotLeader(t *testing.T) {
	t.Parallel()
	c := startAPICluster(t, broker.Topic("t", 1, 1, nil))
	const id = "sarama-not-leader"
	defer c.InjectFault(broker.Fault{API: kmsg.Produce, Topic: "t", ClientID: id, Times: 1, Error: kerr.NotLeaderForPartition})()

	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0 // Kafka 4 has no Produce below v3 (KIP-896)
	cfg.ClientID = id
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Retry.Backoff = time.Millisecond
	producer, err := sarama.NewSyncProducer(c.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	if _, off, err := producer.SendMessage(&sarama.ProducerMessage{Topic: "t", Value: sarama.StringEncoder("a")}); err != nil || off != 0 {
		t.Fatalf("producing: offset %d, %v", off, err)
	}

	if got := storedValues(t, c, "t"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("log holds %v, want the message once", got)
	}
	produces := clientRequests(c, id, kmsg.Produce)
	if len(produces) != 2 || !slices.Equal(produces[0].ErrorCodes, []int16{kerr.NotLeaderForPartition.Code}) || len(produces[1].ErrorCodes) != 0 {
		t.Fatalf("produce requests %+v, want one answered NOT_LEADER_OR_FOLLOWER, then one that succeeded", produces)
	}
	refreshed := c.Requests(func(r broker.RequestRecord) bool {
		return r.ClientID == id && r.API == kmsg.Metadata && r.Seq > produces[0].Seq && r.Seq < produces[1].Seq
	})
	if len(refreshed) == 0 {
		t.Fatal("no Metadata request between the refused produce and its retry")
	}
}
