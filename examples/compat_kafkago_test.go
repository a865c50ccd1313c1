package examples

// Client compatibility: kafka-go (github.com/segmentio/kafka-go). It has
// two layers, and both are exercised: the high-level Writer and Reader
// most programs use, and Client, one method per Kafka API.

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// kafkagoTransport gives each test its own connections and metadata
// cache: kafka-go's DefaultTransport is shared by the whole process and
// keeps metadata for seconds, so a topic created by a later test on the
// same cluster would look unknown to it.
func kafkagoTransport(c *cluster) *kafka.Transport {
	tr := &kafka.Transport{}
	c.t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func kafkagoClient(c *cluster) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(c.addrs...), Timeout: testTimeout, Transport: kafkagoTransport(c)}
}

// kafkagoRead reads n messages of one partition from offset.
func kafkagoRead(t *testing.T, c *cluster, topic string, p int, offset int64, n int) []kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: c.addrs, Topic: topic, Partition: p,
		// fetch.max.wait.ms, in real time: short, so that closing the
		// reader after its last message does not wait for a parked fetch.
		MaxWait: 50 * time.Millisecond,
	})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		t.Fatal(err)
	}
	var got []kafka.Message
	for len(got) < n {
		m, err := r.ReadMessage(c.ctx)
		if err != nil {
			t.Fatalf("reading %s-%d after %d of %d messages: %v", topic, p, len(got), n, err)
		}
		got = append(got, m)
	}
	return got
}

func TestCompatKafkaGoClient(t *testing.T) {
	c := startCluster(t)
	client := kafkagoClient(c)
	topic := c.name("kafka-go")
	if c.external() {
		t.Cleanup(func() { _, _ = client.DeleteTopics(c.ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}}) })
	}

	// CreateTopics.
	created, err := client.CreateTopics(c.ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: topic, NumPartitions: 2, ReplicationFactor: 1},
	}})
	if err != nil || created.Errors[topic] != nil {
		t.Fatalf("creating %s: %v %v", topic, err, created)
	}
	c.waitForLeaders(topic, 2)

	// Produce to a chosen partition: the response gives the base offset.
	for round := range 3 {
		for p := range 2 {
			resp, err := client.Produce(c.ctx, &kafka.ProduceRequest{
				Topic: topic, Partition: p, RequiredAcks: kafka.RequireAll,
				Records: kafka.NewRecordReader(
					kafka.Record{Key: kafka.NewBytes(fmt.Appendf(nil, "k%d", p)), Value: kafka.NewBytes(fmt.Appendf(nil, "p%d-a%d", p, round))},
					kafka.Record{Value: kafka.NewBytes(fmt.Appendf(nil, "p%d-b%d", p, round))},
				),
			})
			if err != nil || resp.Error != nil {
				t.Fatalf("producing to partition %d: %v %v", p, err, resp)
			}
			if want := int64(2 * round); resp.BaseOffset != want {
				t.Fatalf("round %d partition %d: base offset %d, want %d", round, p, resp.BaseOffset, want)
			}
		}
	}

	// ListOffsets: earliest and latest per partition.
	offs, err := client.ListOffsets(c.ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0), kafka.FirstOffsetOf(1), kafka.LastOffsetOf(1)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, po := range offs.Topics[topic] {
		if po.Error != nil || po.FirstOffset != 0 || po.LastOffset != 6 {
			t.Fatalf("partition %d: earliest %d, latest %d, error %v; want 0, 6", po.Partition, po.FirstOffset, po.LastOffset, po.Error)
		}
	}
	if len(offs.Topics[topic]) != 2 {
		t.Fatalf("offsets listed for %d partitions, want 2: %+v", len(offs.Topics[topic]), offs.Topics)
	}

	// Consume each partition from the first offset with a Reader.
	for p := range 2 {
		var vals []string
		for i, m := range kafkagoRead(t, c, topic, p, kafka.FirstOffset, 6) {
			if m.Offset != int64(i) || m.Partition != p {
				t.Fatalf("partition %d message %d: partition %d offset %d", p, i, m.Partition, m.Offset)
			}
			vals = append(vals, string(m.Value))
		}
		want := []string{}
		for round := range 3 {
			want = append(want, fmt.Sprintf("p%d-a%d", p, round), fmt.Sprintf("p%d-b%d", p, round))
		}
		if !slices.Equal(vals, want) {
			t.Fatalf("partition %d: read %v, want %v", p, vals, want)
		}
	}
}

// The Writer with kafka-go's murmur2 balancer places keys as the Java
// client does (scenario 2), and every codec round trips.
func TestCompatKafkaGoWriterReader(t *testing.T) {
	c := startCluster(t)
	const partitions = 3
	topic := c.createTopic("kafka-go-writer", partitions, 1, nil)

	codecs := []kafka.Compression{0, kafka.Gzip, kafka.Snappy, kafka.Lz4, kafka.Zstd}
	var sent []kafka.Message
	transport := kafkagoTransport(c)
	for i, codec := range codecs {
		w := &kafka.Writer{
			Addr: kafka.TCP(c.addrs...), Topic: topic, Transport: transport,
			Balancer:     &kafka.Murmur2Balancer{},
			RequiredAcks: kafka.RequireAll,
			Compression:  codec,
			BatchTimeout: time.Millisecond, // the default waits a second to fill a batch
		}
		var msgs []kafka.Message
		for k := range 4 {
			msgs = append(msgs, kafka.Message{Key: fmt.Appendf(nil, "key-%d", k), Value: compressible(fmt.Sprintf("codec%d-key%d", i, k), i)})
		}
		if err := w.WriteMessages(c.ctx, msgs...); err != nil {
			t.Fatalf("writing with codec %d: %v", codec, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, msgs...)
	}

	// Each key's messages are in murmur2's partition, in write order.
	ends, err := c.admin.ListEndOffsets(c.ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for p := range partitions {
		end, _ := ends.Lookup(topic, int32(p))
		var want []string
		for _, m := range sent {
			if murmur2Partition(m.Key, partitions) == p {
				want = append(want, string(m.Value))
			}
		}
		if end.Offset != int64(len(want)) {
			t.Fatalf("partition %d holds %d messages, murmur2 puts %d there", p, end.Offset, len(want))
		}
		var got []string
		for _, m := range kafkagoRead(t, c, topic, p, kafka.FirstOffset, len(want)) {
			got = append(got, string(m.Value))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("partition %d: read %.30q, want %.30q", p, got, want)
		}
	}
}

// kafka-go's Conn, the oldest layer, creates and deletes topics with the
// version 0 requests that Kafka 3.x still served; gregor serves them too.
func TestCompatKafkaGoConnCreatesTopics(t *testing.T) {
	c := startCluster(t)
	c.needGregor("a cluster that may or may not serve CreateTopics v0")
	conn, err := kafka.DialContext(c.ctx, "tcp", c.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.CreateTopics(kafka.TopicConfig{Topic: "legacy", NumPartitions: 3, ReplicationFactor: 1}); err != nil {
		t.Fatalf("Conn.CreateTopics: %v", err)
	}
	parts, err := conn.ReadPartitions("legacy")
	if err != nil || len(parts) != 3 {
		t.Fatalf("partitions of the new topic: %v, %v", parts, err)
	}
	if err := conn.DeleteTopics("legacy"); err != nil {
		t.Fatalf("Conn.DeleteTopics: %v", err)
	}
	if topics := c.gregor.Topics(); len(topics) != 0 {
		t.Fatalf("topics after deleting: %v", topics)
	}
}
