package cli

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/metrics"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Scenario 12 of the course: the LAG column of gregor consumer-groups
// --describe is the kafka_consumergroup_lag series of /metrics, partition
// by partition, with a series for each partition the group committed.
func TestConsumerGroupsDescribeLagMatchesMetrics(t *testing.T) {
	c := gregor.Start(t, broker.Brokers(3), broker.Topic("views", 3, 3, nil))
	bs := strings.Join(c.Addrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("views"),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range 30 {
		if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte("view-" + strconv.Itoa(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "views", "--group", "dashboard",
		"--from-beginning", "--max-messages", "12")

	srv := httptest.NewServer(metrics.Handler(c))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	lag := map[string]string{} // partition -> value
	if f := fams["kafka_consumergroup_lag"]; f != nil {
		for _, m := range f.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["group"] == "dashboard" && labels["topic"] == "views" {
				lag[labels["partition"]] = strconv.FormatFloat(m.Gauge.GetValue(), 'f', -1, 64)
			}
		}
	}

	out := mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--describe", "--group", "dashboard")
	rows, committed := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line) // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
		rows++
		got, ok := lag[f[2]]
		switch {
		case f[5] == "-" && ok:
			t.Errorf("partition %s: LAG -, but /metrics has %s", f[2], got)
		case f[5] != "-" && got != f[5]:
			t.Errorf("partition %s: LAG %s, /metrics %q", f[2], f[5], got)
		case f[5] != "-":
			committed++
		}
	}
	// A group without members shows its committed partitions only.
	if rows == 0 || committed != len(lag) {
		t.Errorf("describe printed %d rows, %d with a lag; /metrics has %d series:\n%s", rows, committed, len(lag), out)
	}
	t.Logf("gregor consumer-groups --describe:\n%s/metrics lag by partition: %v", out, lag)
}
