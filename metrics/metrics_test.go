package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/metrics"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// scrape reads /metrics as Prometheus does.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// sum adds the values of a family's series whose labels include match.
func sum(fams map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	var total float64
	f := fams[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.Metric {
		for k, v := range match {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

// serve starts the cluster's HTTP port, as the tiny broker's --http-port.
func serve(t *testing.T, c *broker.Cluster) string {
	t.Helper()
	url, err := c.ListenHTTP("127.0.0.1:0", metrics.Handler(c))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

func client(t *testing.T, c *broker.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produce(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, n int) {
	t.Helper()
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(i)), Value: []byte("value")})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// Reference: kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions.
// A crashed broker leaves every ISR once broker.session.timeout.ms (9 s)
// passes; the leaders of the 3 partitions then report them under
// replicated, until the broker is back and has caught up.
func TestUnderReplicatedPartitionsFollowABrokerCrash(t *testing.T) {
	ctx := t.Context()
	mc := clock.NewManual(time.Time{})
	c := gregor.Start(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("inventory", 3, 3, nil))
	url := serve(t, c)
	produce(t, ctx, client(t, c), "inventory", 30)

	const urp = "kafka_server_replicamanager_underreplicatedpartitions"
	if got := sum(scrape(t, url), urp, nil); got != 0 {
		t.Fatalf("%s before any failure: %v", urp, got)
	}
	if err := c.CrashBroker(3); err != nil {
		t.Fatal(err)
	}
	mc.Advance(9 * time.Second)
	fams := scrape(t, url)
	if got := sum(fams, urp, nil); got != 3 {
		t.Fatalf("%s after broker 3 was fenced: %v, want 3 (every partition)", urp, got)
	}
	if got := sum(fams, urp, map[string]string{"broker": "3"}); got != 0 || len(fams[urp].Metric) != 2 {
		t.Fatalf("a stopped broker reports no metrics: %d series, broker 3 at %v", len(fams[urp].Metric), got)
	}
	if got := sum(fams, "kafka_server_replicamanager_isrshrinks_total", nil); got != 3 {
		t.Fatalf("ISR shrinks: %v, want 3", got)
	}
	if got := sum(fams, "kafka_controller_kafkacontroller_activecontrollercount", nil); got != 1 {
		t.Fatalf("active controllers: %v, want 1", got)
	}

	if err := c.StartBroker(3); err != nil {
		t.Fatal(err)
	}
	for p := range int32(3) {
		if err := c.WaitForISR(ctx, "inventory", p, 1, 2, 3); err != nil {
			t.Fatal(err)
		}
	}
	fams = scrape(t, url)
	if got := sum(fams, urp, nil); got != 0 {
		t.Fatalf("%s after broker 3 caught up: %v", urp, got)
	}
	if got := sum(fams, "kafka_server_replicamanager_isrexpands_total", nil); got != 3 {
		t.Fatalf("ISR expansions: %v, want 3", got)
	}
}

// Reference: BrokerTopicMetrics MessagesInPerSec, BytesInPerSec,
// BytesOutPerSec and RequestMetrics RequestsPerSec.
func TestMessagesInCountRecordsProduced(t *testing.T) {
	ctx := t.Context()
	c := gregor.Start(t, broker.Brokers(2), broker.Topic("orders", 4, 2, nil), broker.Topic("other", 1, 1, nil))
	url := serve(t, c)
	cl := client(t, c, kgo.ProducerLinger(0))
	produce(t, ctx, cl, "orders", 57)
	produce(t, ctx, cl, "orders", 3)
	produce(t, ctx, cl, "other", 5)

	fams := scrape(t, url)
	orders := map[string]string{"topic": "orders"}
	if got := sum(fams, "kafka_server_brokertopicmetrics_messagesin_total", orders); got != 60 {
		t.Fatalf("messages in for orders: %v, want the 60 records produced", got)
	}
	if got := sum(fams, "kafka_server_brokertopicmetrics_messagesin_total", map[string]string{"topic": "other"}); got != 5 {
		t.Fatalf("messages in for other: %v, want 5", got)
	}
	if got := sum(fams, "kafka_server_brokertopicmetrics_bytesin_total", orders); got <= 60*5 {
		t.Fatalf("bytes in for orders: %v, want more than the values' 300 bytes", got)
	}
	produceRequests := sum(fams, "kafka_network_requestmetrics_requests_total", map[string]string{"request": "Produce"})
	if produceRequests < 3 {
		t.Fatalf("Produce requests: %v, want at least 3", produceRequests)
	}
	if got := sum(fams, "kafka_network_requestmetrics_totaltimems", map[string]string{"request": "Produce"}); got != produceRequests {
		t.Fatalf("latency histogram counts %v Produce requests, the counter %v", got, produceRequests)
	}

	cons := client(t, c, kgo.ConsumeTopics("other"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for n := 0; n < 5; {
		fs := cons.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		n += fs.NumRecords()
	}
	fams = scrape(t, url)
	bytesIn := sum(fams, "kafka_server_brokertopicmetrics_bytesin_total", map[string]string{"topic": "other"})
	if got := sum(fams, "kafka_server_brokertopicmetrics_bytesout_total", map[string]string{"topic": "other"}); got != bytesIn {
		t.Fatalf("bytes out for other after reading it once: %v, want the %v bytes produced", got, bytesIn)
	}
	if got := sum(fams, "kafka_network_requestmetrics_requests_total", map[string]string{"request": "FetchConsumer"}); got < 1 {
		t.Fatalf("FetchConsumer requests after consuming: %v", got)
	}
	// The same numbers from Go.
	var fromGo int64
	for _, tt := range c.TrafficMetrics().Topics {
		if tt.Topic == "orders" {
			fromGo += tt.MessagesIn
		}
	}
	if fromGo != 60 {
		t.Fatalf("TrafficMetrics: %d messages in for orders", fromGo)
	}
}

// The lag series are kafka-consumer-groups.sh's LAG column, which kadm
// computes as the listed end offset minus the committed offset.
func TestConsumerLagMatchesKadm(t *testing.T) {
	ctx := t.Context()
	c := gregor.Start(t, broker.Topic("events", 3, 1, nil))
	url := serve(t, c)
	cl := client(t, c, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p, n := range []int{10, 4, 7} {
		for range n {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "events", Partition: int32(p), Value: []byte("e")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := kadm.NewClient(cl)
	var commits kadm.Offsets
	for p, at := range []int64{3, 4, 0} {
		commits.Add(kadm.Offset{Topic: "events", Partition: int32(p), At: at, LeaderEpoch: -1})
	}
	if err := adm.CommitAllOffsets(ctx, "readers", commits); err != nil {
		t.Fatal(err)
	}
	lags, err := adm.Lag(ctx, "readers")
	if err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, url)
	want := lags["readers"].Lag
	if len(want) == 0 {
		t.Fatalf("kadm computed no lag: %+v", lags["readers"])
	}
	for _, l := range want.Sorted() {
		labels := map[string]string{"group": "readers", "topic": l.Topic, "partition": fmt.Sprint(l.Partition)}
		if got := sum(fams, "kafka_consumergroup_lag", labels); got != float64(l.Lag) {
			t.Errorf("lag of %s-%d: %v, kadm says %d", l.Topic, l.Partition, got, l.Lag)
		}
	}
	if got := sum(fams, "kafka_consumergroup_lag", map[string]string{"group": "readers"}); got != float64(want.Total()) || got != 7+0+7 {
		t.Fatalf("total lag %v, kadm %d, want 14", got, want.Total())
	}
	if got := sum(fams, "kafka_server_group_coordinator_metrics_group_count", map[string]string{"state": "Empty"}); got != 1 {
		t.Fatalf("Empty groups: %v, want 1", got)
	}
}
