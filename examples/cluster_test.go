package examples

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// bootstrapEnv names the environment variable that points the tests at a
// real Kafka cluster (a comma-separated host:port list) instead of an
// in-process gregor cluster. startCluster is the one place that reads it.
const bootstrapEnv = "KAFKA_BOOTSTRAP_SERVERS"

// testTimeout bounds each test. Nothing here waits on a timer; the bound
// only turns a hang into a failure.
const testTimeout = 60 * time.Second

// externalPollInterval is how often a wait asks a real Kafka cluster
// again. gregor announces every change (Cluster.WaitUntil), so against
// gregor no test polls; a real cluster has no such hook.
const externalPollInterval = 50 * time.Millisecond

// cluster is where a test runs: a gregor cluster started for the test, or
// the external cluster named by KAFKA_BOOTSTRAP_SERVERS.
type cluster struct {
	t      *testing.T
	owner  *testing.T // the test that started the cluster
	ctx    context.Context
	addrs  []string
	gregor *broker.Cluster // nil on an external cluster
	admin  *kadm.Client
	kcl    *kgo.Client // the admin's client, for raw requests
	suffix string      // appended to topic and group names on an external cluster
}

// startCluster starts gregor with opts (through gregor.Start, so
// group.initial.rebalance.delay.ms is 0), or, when KAFKA_BOOTSTRAP_SERVERS
// is set, connects to that cluster and ignores opts. Everything is closed
// when the test ends.
func startCluster(t *testing.T, opts ...broker.Option) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	c := &cluster{t: t, owner: t, ctx: ctx}
	if env := os.Getenv(bootstrapEnv); strings.TrimSpace(env) != "" {
		for _, a := range strings.Split(env, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.addrs = append(c.addrs, a)
			}
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.suffix = "-" + hex.EncodeToString(b[:])
		t.Logf("running against the external cluster %s", env)
	} else {
		c.gregor = gregor.Start(t, opts...)
		c.addrs = c.gregor.Addrs()
	}
	c.kcl = c.client()
	c.admin = kadm.NewClient(c.kcl)
	return c
}

// in returns the cluster for a subtest t, whose failures, skips and
// cleanups must be its own.
func (c *cluster) in(t *testing.T) *cluster {
	sub := *c
	sub.t = t
	return &sub
}

// external reports whether the test runs against a real Kafka cluster.
func (c *cluster) external() bool { return c.gregor == nil }

// needGregor skips the rest of the test on an external cluster: the step
// that follows needs what only gregor has (looking inside a partition's
// log, a manual clock, stopping or crashing a broker, the coordinator's
// events). It returns the gregor cluster otherwise.
func (c *cluster) needGregor(what string) *broker.Cluster {
	c.t.Helper()
	if c.external() {
		c.t.Skipf("skipped: %s needs gregor's control surface, and %s points at a real Kafka", what, bootstrapEnv)
	}
	return c.gregor
}

// needBrokers skips the rest of the test on an external cluster of fewer
// than n brokers (gregor starts as many as the test asks for).
func (c *cluster) needBrokers(n int) {
	c.t.Helper()
	if !c.external() {
		return
	}
	brokers, err := c.admin.ListBrokers(c.ctx)
	if err != nil {
		c.t.Fatalf("listing brokers: %v", err)
	}
	if len(brokers) < n {
		c.t.Skipf("skipped: needs %d brokers, and the cluster at %s has %d", n, bootstrapEnv, len(brokers))
	}
}

// name makes a topic or group name unique on an external cluster, so that
// runs do not collide; on gregor it is base.
func (c *cluster) name(base string) string { return base + c.suffix }

// eventually waits until cond holds. On gregor cond is asked again after
// every change of the cluster (Cluster.WaitUntil); a real cluster
// announces nothing, so there cond is asked every externalPollInterval.
func (c *cluster) eventually(what string, cond func() bool) {
	c.t.Helper()
	var err error
	if c.gregor != nil {
		err = c.gregor.WaitUntil(c.ctx, cond)
	} else {
		tick := time.NewTicker(externalPollInterval)
		defer tick.Stop()
		for err == nil && !cond() {
			select {
			case <-tick.C:
			case <-c.ctx.Done():
				err = c.ctx.Err()
			}
		}
	}
	if err != nil {
		c.t.Fatalf("waiting until %s: %v", what, err)
	}
}

// client makes a kgo client for the cluster, closed when the test ends.
func (c *cluster) client(opts ...kgo.Opt) *kgo.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.addrs...)}, opts...)...)
	if err != nil {
		c.t.Fatalf("creating a client: %v", err)
	}
	c.t.Cleanup(func() {
		// gregor first, when the test that started it ends: a
		// consumer's fetch parked on a manual clock would otherwise
		// hold the client's Close for kgo's own timeout.
		if c.gregor != nil && c.t == c.owner {
			c.gregor.Close()
		}
		cl.Close()
	})
	return cl
}

// createTopic creates a topic with the admin API and returns its name.
// On an external cluster the name gets a unique suffix and the topic is
// deleted when the test ends. It returns once every partition has a
// leader, so producers and ListOffsets can use the topic at once.
func (c *cluster) createTopic(name string, partitions int32, rf int16, configs map[string]*string) string {
	c.t.Helper()
	name = c.name(name)
	if c.external() {
		c.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = c.admin.DeleteTopic(ctx, name)
		})
	}
	resp, err := c.admin.CreateTopic(c.ctx, partitions, rf, configs, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		c.t.Fatalf("creating topic %s: %v", name, err)
	}
	c.waitForLeaders(name, int(partitions))
	return name
}

// waitForLeaders waits until every partition of the topic has a leader.
// gregor applies a new topic before answering CreateTopics; a real
// cluster may take a moment to spread the news to every broker. The
// request goes to the brokers directly: kadm would answer from metadata
// cached up to 5 seconds ago.
func (c *cluster) waitForLeaders(topic string, partitions int) {
	c.t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	c.eventually(fmt.Sprintf("every partition of %s has a leader", topic), func() bool {
		resp, err := req.RequestWith(c.ctx, c.kcl)
		if err != nil || len(resp.Topics) != 1 {
			return false
		}
		t := resp.Topics[0]
		ready := t.ErrorCode == 0 && len(t.Partitions) == partitions
		for _, p := range t.Partitions {
			ready = ready && p.ErrorCode == 0 && p.Leader >= 0
		}
		return ready
	})
}

// topicListed reports whether Metadata for all topics lists the topic,
// asking the brokers rather than kadm's cache.
func (c *cluster) topicListed(topic string) bool {
	c.t.Helper()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(c.ctx, c.kcl)
	if err != nil {
		c.t.Fatalf("metadata: %v", err)
	}
	for _, t := range resp.Topics {
		if t.Topic != nil && *t.Topic == topic {
			return true
		}
	}
	return false
}

// produce sends records one by one, waiting for each acknowledgement, and
// returns them with their partitions and offsets filled in.
func (c *cluster) produce(cl *kgo.Client, records ...*kgo.Record) []*kgo.Record {
	c.t.Helper()
	for _, r := range records {
		if err := cl.ProduceSync(c.ctx, r).FirstErr(); err != nil {
			c.t.Fatalf("producing %q: %v", r.Value, err)
		}
	}
	return records
}

// consume polls until n records have arrived and returns them in the order
// the client delivered them.
func (c *cluster) consume(cl *kgo.Client, n int) []*kgo.Record {
	c.t.Helper()
	var got []*kgo.Record
	for len(got) < n {
		fs := cl.PollFetches(c.ctx)
		if c.ctx.Err() != nil {
			c.t.Fatalf("consumed %d of %d records before the deadline", len(got), n)
		}
		for _, e := range fs.Errors() {
			if !errors.Is(e.Err, kerr.UnknownTopicOrPartition) { // a real cluster may still be spreading a new topic
				c.t.Fatalf("fetching %s-%d: %v", e.Topic, e.Partition, e.Err)
			}
		}
		got = append(got, fs.Records()...)
	}
	if len(got) > n {
		c.t.Fatalf("consumed %d records, want %d", len(got), n)
	}
	return got
}

// consumerFromStart returns a client that reads the topics from their
// first offset, as kafka-console-consumer.sh --from-beginning does.
func (c *cluster) consumerFromStart(topics ...string) *kgo.Client {
	return c.client(kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
}

// readPartition reads one partition from offset 0 up to its current end,
// as a consumer assigned just that partition would.
func (c *cluster) readPartition(topic string, p int32) []*kgo.Record {
	c.t.Helper()
	ends, err := c.admin.ListEndOffsets(c.ctx, topic)
	if err != nil {
		c.t.Fatalf("listing end offsets of %s: %v", topic, err)
	}
	end, ok := ends.Lookup(topic, p)
	if !ok || end.Err != nil {
		c.t.Fatalf("no end offset for %s-%d: %v", topic, p, end.Err)
	}
	if end.Offset == 0 {
		return nil
	}
	cl := c.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().At(0)}}))
	defer cl.Close()
	return c.consume(cl, int(end.Offset))
}

// values returns the records' values as strings.
func values(records []*kgo.Record) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = string(r.Value)
	}
	return out
}

// byPartition groups records by partition, keeping their order.
func byPartition(records []*kgo.Record) map[int32][]*kgo.Record {
	out := map[int32][]*kgo.Record{}
	for _, r := range records {
		out[r.Partition] = append(out[r.Partition], r)
	}
	return out
}

func recordf(key, format string, args ...any) *kgo.Record {
	r := &kgo.Record{Value: fmt.Appendf(nil, format, args...)}
	if key != "" {
		r.Key = []byte(key)
	}
	return r
}
