package examples

// Client compatibility: Sarama (github.com/IBM/sarama), the oldest Go
// Kafka client. It does not negotiate versions per API as franz-go does:
// config.Version names the Kafka release it should talk to, and Sarama
// picks each request's version from that. Kafka 4 removed the oldest
// versions (Produce v0-2, Fetch v0-3, ListOffsets v0, KIP-896), so the
// version must be 2.1 or later; the default (2.8) and the newest both
// work.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func saramaConfig(version sarama.KafkaVersion) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.ClientID = "gregor-compat"
	cfg.Producer.Return.Successes = true // SyncProducer needs it
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Consumer.Return.Errors = true
	// A fetch for more than there is parks on the broker for
	// fetch.max.wait.ms (Sarama's default 500ms, in real time), and
	// closing a consumer waits for its fetch to come back.
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	return cfg
}

func TestCompatSarama(t *testing.T) {
	for _, v := range []sarama.KafkaVersion{sarama.V2_1_0_0, sarama.DefaultVersion, sarama.MaxVersion} {
		t.Run("kafka-"+v.String(), func(t *testing.T) {
			c := startCluster(t)
			cfg := saramaConfig(v)
			topic := c.createTopic("sarama", 2, 1, nil)

			client, err := sarama.NewClient(c.addrs, cfg)
			if err != nil {
				t.Fatalf("connecting: %v", err)
			}
			defer client.Close()

			// Produce to chosen partitions; each send returns its offset.
			producer, err := sarama.NewSyncProducerFromClient(client)
			if err != nil {
				t.Fatal(err)
			}
			defer producer.Close()
			for i := range 6 {
				p := int32(i % 2)
				gotP, off, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: p,
					Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.StringEncoder(fmt.Sprintf("v%d", i))})
				if err != nil {
					t.Fatalf("producing v%d: %v", i, err)
				}
				if gotP != p || off != int64(i/2) {
					t.Fatalf("v%d went to partition %d offset %d, want partition %d offset %d", i, gotP, off, p, i/2)
				}
			}

			// Earliest and latest offsets per partition (ListOffsets -2/-1).
			for p := range int32(2) {
				first, err := client.GetOffset(topic, p, sarama.OffsetOldest)
				if err != nil {
					t.Fatal(err)
				}
				last, err := client.GetOffset(topic, p, sarama.OffsetNewest)
				if err != nil {
					t.Fatal(err)
				}
				if first != 0 || last != 3 {
					t.Fatalf("partition %d: earliest %d, latest %d; want 0 and 3", p, first, last)
				}
			}

			// Consume each partition from the oldest offset.
			consumer, err := sarama.NewConsumerFromClient(client)
			if err != nil {
				t.Fatal(err)
			}
			defer consumer.Close()
			for p := range int32(2) {
				got := saramaConsume(t, c, consumer, topic, p, sarama.OffsetOldest, 3)
				want := []string{fmt.Sprintf("v%d", p), fmt.Sprintf("v%d", p+2), fmt.Sprintf("v%d", p+4)}
				var vals []string
				for i, m := range got {
					vals = append(vals, string(m.Value))
					if m.Offset != int64(i) || m.Partition != p || string(m.Key) != "k"+string(m.Value[1:]) {
						t.Fatalf("partition %d record %d: offset %d key %q value %q", p, i, m.Offset, m.Key, m.Value)
					}
				}
				if !slices.Equal(vals, want) {
					t.Fatalf("partition %d: consumed %v, want %v", p, vals, want)
				}
			}
		})
	}
}

// saramaConsume reads n messages of one partition.
func saramaConsume(t *testing.T, c *cluster, consumer sarama.Consumer, topic string, p int32, offset int64, n int) []*sarama.ConsumerMessage {
	t.Helper()
	pc, err := consumer.ConsumePartition(topic, p, offset)
	if err != nil {
		t.Fatalf("consuming %s-%d: %v", topic, p, err)
	}
	defer pc.Close()
	var got []*sarama.ConsumerMessage
	for len(got) < n {
		select {
		case m := <-pc.Messages():
			got = append(got, m)
		case err := <-pc.Errors():
			t.Fatalf("consuming %s-%d: %v", topic, p, err)
		case <-c.ctx.Done():
			t.Fatalf("consumed %d of %d messages from %s-%d before the deadline", len(got), n, topic, p)
		}
	}
	return got
}

// The admin API: create, list, describe, delete (kafka-topics.sh).
func TestCompatSaramaAdmin(t *testing.T) {
	c := startCluster(t)
	admin, err := sarama.NewClusterAdmin(c.addrs, saramaConfig(sarama.DefaultVersion))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	topic := "sarama-admin"
	if c.external() {
		topic = c.createTopic(topic, 1, 1, nil) // a unique name, deleted afterwards
		if err := admin.DeleteTopic(topic); err != nil {
			t.Fatal(err)
		}
	}
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("creating %s: %v", topic, err)
	}
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false)
	if !isSaramaErr(err, sarama.ErrTopicAlreadyExists) {
		t.Fatalf("creating %s twice: %v, want TOPIC_ALREADY_EXISTS", topic, err)
	}
	c.waitForLeaders(topic, 3)

	topics, err := admin.ListTopics()
	if err != nil {
		t.Fatalf("listing topics: %v", err)
	}
	if d, ok := topics[topic]; !ok || d.NumPartitions != 3 || d.ReplicationFactor != 1 {
		t.Fatalf("listed %s as %+v (present %v), want 3 partitions, replication factor 1", topic, d, ok)
	}
	md, err := admin.DescribeTopics([]string{topic})
	if err != nil || len(md) != 1 || md[0].Err != sarama.ErrNoError || len(md[0].Partitions) != 3 {
		t.Fatalf("describing %s: %+v, %v", topic, md, err)
	}
	if err := admin.DeleteTopic(topic); err != nil {
		t.Fatalf("deleting %s: %v", topic, err)
	}
	err = admin.DeleteTopic(topic)
	if !isSaramaErr(err, sarama.ErrUnknownTopicOrPartition) {
		t.Fatalf("deleting %s twice: %v, want UNKNOWN_TOPIC_OR_PARTITION", topic, err)
	}
}

func isSaramaErr(err error, want sarama.KError) bool {
	var te *sarama.TopicError
	if errors.As(err, &te) && te.Err == want {
		return true
	}
	var ke sarama.KError
	return errors.As(err, &ke) && ke == want
}

// Every codec through Sarama's own compressors.
func TestCompatSaramaCompression(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("sarama-codecs", 1, 1, nil)
	codecs := []sarama.CompressionCodec{sarama.CompressionNone, sarama.CompressionGZIP,
		sarama.CompressionSnappy, sarama.CompressionLZ4, sarama.CompressionZSTD}
	for i, codec := range codecs {
		cfg := saramaConfig(sarama.DefaultVersion)
		cfg.Producer.Compression = codec
		producer, err := sarama.NewSyncProducer(c.addrs, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, off, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0,
			Value: sarama.ByteEncoder(compressible(codec.String(), i))})
		producer.Close()
		if err != nil {
			t.Fatalf("producing with %s: %v", codec, err)
		}
		if off != int64(i) {
			t.Fatalf("%s record got offset %d, want %d", codec, off, i)
		}
	}
	consumer, err := sarama.NewConsumer(c.addrs, saramaConfig(sarama.DefaultVersion))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	for i, m := range saramaConsume(t, c, consumer, topic, 0, sarama.OffsetOldest, len(codecs)) {
		if want := compressible(codecs[i].String(), i); string(m.Value) != string(want) {
			t.Fatalf("%s record came back as %.40q", codecs[i], m.Value)
		}
	}
}
