package examples

// Scenario 12: monitoring a cluster from /metrics.
//
// An operator watches a Kafka cluster through a few figures that the
// Prometheus JMX exporter publishes under well-known names:
//
//   - consumer lag (kafka_consumergroup_lag{group,topic,partition}): the
//     partition's high watermark minus the group's committed offset, the
//     LAG column of kafka-consumer-groups.sh --describe;
//   - under-replicated partitions
//     (kafka_server_replicamanager_underreplicatedpartitions{broker}):
//     partitions whose ISR is smaller than their replica set, counted by
//     each partition's leader; a crashed broker's replicas leave the ISR
//     once the controller fences it (broker.session.timeout.ms) or the
//     leader finds them behind for replica.lag.time.max.ms;
//   - rebalances (kafka_server_group_coordinator_metrics_rebalance_total):
//     one per new generation of a classic group.
//
// The scenario reads them from gregor's metrics.Handler, as Prometheus
// would scrape it, and checks each against what a Kafka client computes
// (kadm's Lag, the same sum kafka-consumer-groups.sh does). /metrics and
// the manual clock are gregor's, so the steps skip on a real cluster.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/metrics"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kgo"
)

// metricsEndpoint serves the cluster's /metrics on a local HTTP server
// for the length of the test, as gregor broker -http-port does.
func (c *cluster) metricsEndpoint(g *broker.Cluster) string {
	c.t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(g))
	srv := httptest.NewServer(mux)
	c.t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// scrape reads /metrics as Prometheus does.
func (c *cluster) scrape(url string) map[string]*dto.MetricFamily {
	c.t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		c.t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// series returns the values of a family's series by the value of one
// label ("" for a family without labels, keyed "").
func series(fams map[string]*dto.MetricFamily, name, label string) map[string]float64 {
	out := map[string]float64{}
	f := fams[name]
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		key := ""
		for _, l := range m.Label {
			if l.GetName() == label {
				key = l.GetValue()
			}
		}
		switch {
		case m.Counter != nil:
			out[key] += m.Counter.GetValue()
		case m.Gauge != nil:
			out[key] += m.Gauge.GetValue()
		}
	}
	return out
}

// total adds up every series of a family.
func total(fams map[string]*dto.MetricFamily, name string) float64 {
	var sum float64
	for _, v := range series(fams, name, "") {
		sum += v
	}
	return sum
}

// checkLag compares kafka_consumergroup_lag for the group's partitions of
// topic with the lag kadm computes (high watermark minus committed
// offset, as kafka-consumer-groups.sh --describe prints it), and returns
// kadm's total, which counts a partition without a commit from offset 0.
func (c *cluster) checkLag(url, group, topic string, partitions int32) int64 {
	c.t.Helper()
	lags, err := c.admin.Lag(c.ctx, group)
	if err != nil {
		c.t.Fatalf("kadm Lag: %v", err)
	}
	l, ok := lags[group]
	if !ok || l.Error() != nil {
		c.t.Fatalf("kadm Lag of %s: %v", group, l.Error())
	}
	fams := c.scrape(url)
	var sum int64
	for p := range partitions {
		want, ok := l.Lag.Lookup(topic, p)
		if !ok || want.Err != nil {
			c.t.Fatalf("kadm has no lag for %s-%d: %v", topic, p, want.Err)
		}
		got, found := lagSeries(fams, group, topic, p)
		switch {
		case want.Commit.At < 0 && found:
			// kafka-consumer-groups.sh prints "-" as the lag of a
			// partition the group never committed, and so does /metrics
			// by leaving the series out; kadm counts it from offset 0.
			c.t.Errorf("%s-%d: /metrics lag %d for a partition without a committed offset", topic, p, got)
		case want.Commit.At >= 0 && (!found || got != want.Lag):
			c.t.Errorf("%s-%d: /metrics lag %d (present %v), kadm lag %d (committed %d, end %d)",
				topic, p, got, found, want.Lag, want.Commit.At, want.End.Offset)
		}
		sum += want.Lag
	}
	return sum
}

// lagSeries is kafka_consumergroup_lag{group,topic,partition}.
func lagSeries(fams map[string]*dto.MetricFamily, group, topic string, p int32) (int64, bool) {
	f := fams["kafka_consumergroup_lag"]
	if f == nil {
		return 0, false
	}
	want := map[string]string{"group": group, "topic": topic, "partition": fmt.Sprint(p)}
	for _, m := range f.Metric {
		match := 0
		for _, l := range m.Label {
			if want[l.GetName()] == l.GetValue() {
				match++
			}
		}
		if match == len(want) {
			return int64(m.Gauge.GetValue()), true
		}
	}
	return 0, false
}

// A group consumer reads 12 of 30 records and commits; broker 3 crashes
// and comes back. /metrics shows the lag kadm computes throughout, and
// every partition under-replicated while broker 3 is out of the ISR.
func TestScenario12_LagAndUnderReplicatedPartitionsFromMetrics(t *testing.T) {
	gcl := newGroupCluster(t, true, broker.Brokers(3))
	c, mc := gcl.cluster, gcl.manual
	g := c.needGregor("reading /metrics and crashing a broker")
	url := c.metricsEndpoint(g)
	const partitions = 3
	topic := c.createTopic("page-views", partitions, 3, nil)
	group := c.name("dashboard")
	prod := c.client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.MetadataMinAge(10*time.Millisecond))
	for i := range 30 {
		c.produce(prod, recordf("", "view-%d", i))
	}

	// The consumer reads 12 records, commits them and leaves.
	cons := gcl.consumer("dashboard-1", group, topic, kgo.DisableAutoCommit()).cl
	for got := 0; got < 12; {
		fs := cons.PollRecords(c.ctx, 12-got)
		if c.ctx.Err() != nil {
			t.Fatalf("consumed %d of 12 records before the deadline", got)
		}
		got += len(fs.Records())
	}
	must(t, cons.CommitUncommittedOffsets(c.ctx))
	cons.Close()

	fams := c.scrape(url)
	if urp := total(fams, "kafka_server_replicamanager_underreplicatedpartitions"); urp != 0 {
		t.Fatalf("under-replicated partitions with every broker up: %v", urp)
	}
	if lag := c.checkLag(url, group, topic, partitions); lag != 18 {
		t.Fatalf("total lag %d, want 30 produced - 12 committed = 18", lag)
	}

	// Broker 3 crashes. Its replicas stay in the ISR until the controller
	// fences it after broker.session.timeout.ms (9 s).
	must(t, g.CrashBroker(3))
	mc.Advance(8 * time.Second)
	if urp := total(c.scrape(url), "kafka_server_replicamanager_underreplicatedpartitions"); urp != 0 {
		t.Fatalf("under-replicated partitions before broker.session.timeout.ms: %v", urp)
	}
	mc.Advance(time.Second)
	fams = c.scrape(url)
	urp := series(fams, "kafka_server_replicamanager_underreplicatedpartitions", "broker")
	if _, ok := urp["3"]; ok {
		t.Errorf("the crashed broker 3 still reports under-replicated partitions: %v", urp)
	}
	// Every partition has a replica on broker 3: the topic's and those of
	// __consumer_offsets, where the group committed.
	offsets, err := g.Partitions("__consumer_offsets")
	must(t, err)
	if n := total(fams, "kafka_server_replicamanager_underreplicatedpartitions"); n != float64(partitions+len(offsets)) {
		t.Fatalf("under-replicated partitions with broker 3 fenced: %v (by broker %v), want %d + %d of __consumer_offsets",
			n, urp, partitions, len(offsets))
	}
	t.Logf("broker 3 down: under-replicated partitions by leader %v", urp)

	// Producers go on; the lag grows by what they write.
	for i := range 9 {
		c.produce(prod, recordf("", "view-during-outage-%d", i))
	}
	if lag := c.checkLag(url, group, topic, partitions); lag != 27 {
		t.Fatalf("total lag with broker 3 down: %d, want 39 - 12 = 27", lag)
	}

	// Broker 3 comes back, catches up and rejoins every ISR.
	must(t, g.StartBroker(3))
	for p := range int32(partitions) {
		must(t, g.WaitForISR(c.ctx, topic, p, 1, 2, 3))
	}
	c.eventually("__consumer_offsets is fully replicated again", func() bool {
		return g.ReplicationMetrics().UnderReplicatedPartitions == 0
	})
	fams = c.scrape(url)
	if n := total(fams, "kafka_server_replicamanager_underreplicatedpartitions"); n != 0 {
		t.Fatalf("under-replicated partitions after broker 3 caught up: %v", n)
	}
	if _, ok := series(fams, "kafka_server_replicamanager_underreplicatedpartitions", "broker")["3"]; !ok {
		t.Errorf("broker 3 reports no under-replicated partition gauge after its restart")
	}
	if lag := c.checkLag(url, group, topic, partitions); lag != 27 {
		t.Fatalf("total lag after the restart: %d, want 27", lag)
	}
}

// A second consumer joining a classic group makes one rebalance (a new
// generation) with an eager assignor: the first member rejoins once.
func TestScenario12_RebalanceCountFromMetrics(t *testing.T) {
	c := newGroupCluster(t, false)
	g := c.needGregor("reading /metrics")
	url := c.metricsEndpoint(g)
	topic := c.topic("checkout", 4)
	group := c.name("billing")
	rebalances := func() float64 {
		return series(c.scrape(url), "kafka_server_group_coordinator_metrics_rebalance_total", "protocol")["classic"]
	}
	before := rebalances()

	first := c.consumer("first", group, topic, kgo.Balancers(kgo.RangeBalancer()))
	d1, err := g.WaitForStable(c.ctx, group, 1)
	must(t, err)
	if n := rebalances(); n != before+1 {
		t.Fatalf("rebalances after the first member joined: %v, want %v", n, before+1)
	}

	second := c.consumer("second", group, topic, kgo.Balancers(kgo.RangeBalancer()))
	c.waitOwnership(4, map[*groupConsumer]int{first: 2, second: 2})
	d2, err := g.WaitForStable(c.ctx, group, 2)
	must(t, err)
	if n := rebalances(); n != before+2 {
		t.Fatalf("rebalances after the second member joined: %v, want %v (generations %d -> %d)",
			n, before+2, d1.Generation, d2.Generation)
	}
	if d2.Generation != d1.Generation+1 {
		t.Errorf("generation %d -> %d, want one new generation", d1.Generation, d2.Generation)
	}
}
