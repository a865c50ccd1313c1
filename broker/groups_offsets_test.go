package broker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func groupClient(t *testing.T, c *broker.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial)}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func groupTestContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Committed offsets are records in __consumer_offsets: committing with
// the admin client, fetching them back, and reading the internal topic
// with a plain consumer shows Kafka's OffsetCommitKey/Value records.
func TestOffsetCommitFetchAndTheLog(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 3, 1, nil))
	ctx := groupTestContext(t)
	adm := kadm.NewClient(groupClient(t, c))

	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "orders", Partition: 0, At: 10, LeaderEpoch: -1, Metadata: "batch-7"})
	offs.Add(kadm.Offset{Topic: "orders", Partition: 2, At: 42, LeaderEpoch: -1})
	resp, err := adm.CommitOffsets(ctx, "billing", offs)
	if err != nil || resp.Error() != nil {
		t.Fatalf("commit: %v %v", err, resp.Error())
	}
	fetched, err := adm.FetchOffsets(ctx, "billing")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := fetched.Lookup("orders", 0); !ok || o.At != 10 || o.Metadata != "batch-7" {
		t.Fatalf("orders-0: got %+v, want offset 10 with metadata batch-7", o)
	}
	if o, ok := fetched.Lookup("orders", 2); !ok || o.At != 42 {
		t.Fatalf("orders-2: got %+v, want 42", o)
	}
	if _, ok := fetched.Lookup("orders", 1); ok {
		t.Fatal("orders-1 was never committed but is reported")
	}

	// A commit for a topic that does not exist.
	bad := kadm.Offsets{}
	bad.Add(kadm.Offset{Topic: "nope", Partition: 0, At: 1, LeaderEpoch: -1})
	resp, err = adm.CommitOffsets(ctx, "billing", bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Error(); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("commit to a missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}

	// Read __consumer_offsets like any topic.
	cl := groupClient(t, c, kgo.ConsumeTopics("__consumer_offsets"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := map[int32]int64{}
	for len(seen) < 2 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var k kmsg.OffsetCommitKey
			if err := k.ReadFrom(r.Key); err != nil || k.Version > 1 {
				return
			}
			var v kmsg.OffsetCommitValue
			if err := v.ReadFrom(r.Value); err != nil {
				t.Fatalf("value: %v", err)
			}
			if k.Group != "billing" || k.Topic != "orders" {
				t.Fatalf("unexpected key %+v", k)
			}
			seen[k.Partition] = v.Offset
		})
	}
	if seen[0] != 10 || seen[2] != 42 {
		t.Fatalf("records in __consumer_offsets: %v", seen)
	}
	topics := c.Topics()
	var found bool
	for _, ti := range topics {
		if ti.Name == "__consumer_offsets" {
			found = true
			if !ti.Internal || ti.Partitions != 50 || ti.ReplicationFactor != 1 || ti.Configs["cleanup.policy"] != "compact" {
				t.Fatalf("__consumer_offsets: %+v", ti)
			}
		}
	}
	if !found {
		t.Fatal("__consumer_offsets was not created")
	}
}

// Offsets survive a restart of the whole cluster from its data directory.
func TestOffsetsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	c, err := broker.New(broker.DataDir(dir), broker.Topic("orders", 2, 1, nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := groupTestContext(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "orders", Partition: 1, At: 7, LeaderEpoch: -1, Metadata: "m"})
	if _, err := kadm.NewClient(cl).CommitOffsets(ctx, "g", offs); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2, err := broker.New(broker.DataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	cl2, err := kgo.NewClient(kgo.SeedBrokers(c2.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	fetched, err := kadm.NewClient(cl2).FetchOffsets(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := fetched.Lookup("orders", 1); !ok || o.At != 7 || o.Metadata != "m" {
		t.Fatalf("after restart: %+v %v", o, ok)
	}
	d, err := c2.Group("g")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Lag) != 1 || d.Lag[0].CommittedOffset != 7 {
		t.Fatalf("describe after restart: %+v", d)
	}
}

func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}
