package examples

// Scenario 9, compaction: a compacted topic (cleanup.policy=compact)
// keeps the latest value of each key. The log cleaner runs every
// log.cleaner.backoff.ms on the cluster clock; after it has, every client
// reading from the earliest offset sees the compacted view: only the
// latest record per key below the active segment, at its original offset
// (the offsets of the records removed stay gaps), and a tombstone
// (a null value) until delete.retention.ms has passed.

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The cleaner runs on real time here, every 10 ms (log.cleaner.backoff.ms;
// a real Kafka keeps its own setting, 15 s by default), so that the same
// test runs against Kafka with KAFKA_BOOTSTRAP_SERVERS; it waits for the
// compacted view rather than for a time. The manual-clock version, with
// the tombstone's expiry, is broker's TestCompactionKeepsLatestPerKey.
func TestScenario09Compaction(t *testing.T) {
	c := startCluster(t, broker.Config("log.cleaner.backoff.ms", "10"))
	topic := c.createTopic("scenario09-compacted", 1, 1, map[string]*string{
		"cleanup.policy":            ptr("compact"),
		"internal.segment.bytes":    ptr("160"), // two records a segment
		"min.cleanable.dirty.ratio": ptr("0.01"),
	})
	cl := c.client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for _, kv := range [][2]string{{"a", "1"}, {"b", "1"}, {"a", "2"}, {"c", "1"}, {"b", ""}, {"a", "3"}, {"c", "2"}} {
		r := &kgo.Record{Topic: topic, Key: []byte(kv[0])}
		if kv[1] != "" {
			r.Value = []byte(kv[1])
		}
		c.produce(cl, r)
	}

	// Offsets 0-2 become gaps; c=1 at 3 stays because c=2 at 6 is in the
	// active segment, which is never cleaned; b's tombstone stays for
	// delete.retention.ms (a day by default).
	want := "[3:c=1 4:b=<null> 5:a=3 6:c=2]"
	var got []string
	c.eventually("the log cleaned to "+want, func() bool {
		got = nil
		for _, r := range readCompacted(c, topic) {
			got = append(got, fmt.Sprintf("%d:%s=%s", r.Offset, r.Key, orNull(r.Value)))
		}
		return fmt.Sprint(got) == want
	})
	if g := c.gregor; g != nil {
		p, _ := g.Partition(topic, 0)
		lr, _ := p.LeaderReplica()
		if !lr.Segments[0].Cleaned || lr.Segments[len(lr.Segments)-1].Cleaned {
			t.Fatalf("segments %+v: the cleaned ones are not marked", lr.Segments)
		}
	}

	t.Run("kafka-go", func(t *testing.T) {
		got = nil
		for _, m := range kafkagoRead(t, c, topic, 0, 0, 4) {
			got = append(got, fmt.Sprintf("%d:%s=%s", m.Offset, m.Key, orNull(m.Value)))
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("kafka-go's Reader reads %v, want %s", got, want)
		}
	})
	t.Run("sarama", func(t *testing.T) {
		consumer, err := sarama.NewConsumer(c.addrs, saramaConfig(sarama.DefaultVersion))
		if err != nil {
			t.Fatal(err)
		}
		defer consumer.Close()
		got = nil
		for _, m := range saramaConsume(t, c, consumer, topic, 0, sarama.OffsetOldest, 4) {
			got = append(got, fmt.Sprintf("%d:%s=%s", m.Offset, m.Key, orNull(m.Value)))
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("Sarama reads %v, want %s", got, want)
		}
	})
	t.Run("kcat", func(t *testing.T) {
		if _, err := exec.LookPath("kcat"); err != nil {
			t.Skip("kcat is not installed")
		}
		out := kcat(t, "", "-b", c.addrs[0], "-C", "-t", topic, "-o", "beginning", "-e", "-Z", "-f", "%o:%k=%s\n")
		if got := strings.Fields(out); fmt.Sprint(got) != strings.ReplaceAll(want, "<null>", "NULL") {
			t.Fatalf("kcat reads %v, want %s", got, want)
		}
	})
}

// readCompacted reads partition 0 from its earliest offset up to its end
// offset. Counting records would not do: a compacted log has gaps.
func readCompacted(c *cluster, topic string) []*kgo.Record {
	c.t.Helper()
	ends, err := c.admin.ListEndOffsets(c.ctx, topic)
	if err != nil {
		c.t.Fatal(err)
	}
	end, _ := ends.Lookup(topic, 0)
	cl := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	defer cl.Close()
	var got []*kgo.Record
	for len(got) == 0 || got[len(got)-1].Offset < end.Offset-1 {
		fs := cl.PollFetches(c.ctx)
		if err := fs.Err(); err != nil {
			c.t.Fatalf("reading %s: %v", topic, err)
		}
		got = append(got, fs.Records()...)
	}
	return got
}

func orNull(v []byte) string {
	if v == nil {
		return "<null>"
	}
	return string(v)
}
