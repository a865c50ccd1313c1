package examples

// Scenario 1: basics and install.
//
// One broker, no ZooKeeper: in KRaft mode a single process can be broker
// and controller at once (process.roles=broker,controller), which is what
// the course's docker-compose file starts and what gregor.Start gives.
// The learner creates a topic with the admin API (kafka-topics.sh
// --create), produces "hello kafka" (kafka-console-producer.sh) and reads
// it back from the beginning (kafka-console-consumer.sh --from-beginning),
// then lists, describes and deletes the topic.
//
// The same steps from outside the process, with kcat against
// go run ./examples/tinybroker, are in compat_kcat_test.go.

import (
	"net"
	"slices"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestScenario01_SingleBrokerIsAlsoTheController(t *testing.T) {
	c := startCluster(t)
	meta, err := c.admin.BrokerMetadata(c.ctx)
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	ids := meta.Brokers.NodeIDs()
	if !slices.Contains(ids, meta.Controller) {
		t.Fatalf("the controller %d is not one of the brokers %v", meta.Controller, ids)
	}
	t.Logf("cluster %s: brokers %v, controller %d", meta.Cluster, ids, meta.Controller)

	c.needGregor("the exact shape of the course's single-broker setup")
	// The docker-compose file of the course: node id 1, on its own the
	// controller, reachable where it says it is.
	if len(ids) != 1 || ids[0] != 1 || meta.Controller != 1 {
		t.Fatalf("brokers %v with controller %d; want broker 1 alone, as controller", ids, meta.Controller)
	}
	if got, want := net.JoinHostPort(meta.Brokers[0].Host, strconv.Itoa(int(meta.Brokers[0].Port))), c.addrs[0]; got != want {
		t.Fatalf("broker 1 advertises %s, but listens on %s", got, want)
	}
}

func TestScenario01_HelloKafka(t *testing.T) {
	c := startCluster(t)

	// kafka-topics.sh --create --topic hello --partitions 1 --replication-factor 1
	topic := c.createTopic("hello", 1, 1, nil)

	// kafka-topics.sh --list
	topics, err := c.admin.ListTopics(c.ctx)
	if err != nil {
		t.Fatalf("listing topics: %v", err)
	}
	if !topics.Has(topic) {
		t.Fatalf("topic %s is not listed; topics are %v", topic, topics.Names())
	}

	// kafka-topics.sh --describe --topic hello
	d := topics[topic]
	if len(d.Partitions) != 1 {
		t.Fatalf("topic %s has %d partitions, want 1", topic, len(d.Partitions))
	}
	p0 := d.Partitions[0]
	if p0.Leader < 0 || !slices.Equal(p0.Replicas, []int32{p0.Leader}) || !slices.Equal(p0.ISR, []int32{p0.Leader}) {
		t.Fatalf("partition 0: leader %d, replicas %v, ISR %v; want one replica, the leader, in sync", p0.Leader, p0.Replicas, p0.ISR)
	}

	// kafka-console-producer.sh --topic hello, then type: hello kafka
	producer := c.client(kgo.DefaultProduceTopic(topic))
	sent := c.produce(producer, &kgo.Record{Value: []byte("hello kafka")})[0]
	if sent.Partition != 0 || sent.Offset != 0 {
		t.Fatalf("the first record went to partition %d at offset %d, want partition 0 offset 0", sent.Partition, sent.Offset)
	}

	// kafka-console-consumer.sh --topic hello --from-beginning
	got := c.consume(c.consumerFromStart(topic), 1)[0]
	if string(got.Value) != "hello kafka" || got.Partition != 0 || got.Offset != 0 || got.Key != nil {
		t.Fatalf("consumed %q (key %q) from partition %d offset %d; want \"hello kafka\", no key, partition 0 offset 0",
			got.Value, got.Key, got.Partition, got.Offset)
	}

	// kafka-topics.sh --delete --topic hello
	if _, err := c.admin.DeleteTopic(c.ctx, topic); err != nil {
		t.Fatalf("deleting %s: %v", topic, err)
	}
	// Deletion is final once the controller has it; a real cluster may
	// take a moment to tell every broker, so ask until the topic is gone.
	for c.topicListed(topic) {
		if c.ctx.Err() != nil {
			t.Fatalf("topic %s is still listed after deletion", topic)
		}
	}
}

// Inside the broker: the record is one batch in the partition's log, the
// high watermark (what consumers may read) has moved past it.
func TestScenario01_WhereTheRecordLives(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("hello", 1, 1, nil)
	c.produce(c.client(kgo.DefaultProduceTopic(topic)), &kgo.Record{Value: []byte("hello kafka")})

	g := c.needGregor("reading the partition's log")
	p, err := g.Partition(topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := p.LeaderReplica()
	if !ok {
		t.Fatalf("partition %s-0 has no running leader: %+v", topic, p)
	}
	if r.LogStartOffset != 0 || r.HighWatermark != 1 || r.LogEndOffset != 1 {
		t.Fatalf("log start %d, high watermark %d, log end %d; want 0, 1, 1", r.LogStartOffset, r.HighWatermark, r.LogEndOffset)
	}
	if len(r.Segments) != 1 || r.Segments[0].BaseOffset != 0 || r.Segments[0].Batches != 1 || r.Segments[0].Records != 1 {
		t.Fatalf("segments %+v; want one segment 00000000000000000000.log holding one batch of one record", r.Segments)
	}
}
