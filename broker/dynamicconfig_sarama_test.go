package broker_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
)

// Sarama's ClusterAdmin alters dynamic broker configs as Kafka's admin
// tools do: IncrementalAlterConfig on the cluster-wide default (the empty
// broker name), AlterConfig on one broker, DescribeConfig reading back
// each value with its source; a read-only config is refused with Kafka's
// message.
func TestDynamicBrokerConfigsSarama(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2))
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_0_0_0
	admin, err := sarama.NewClusterAdmin(c.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	v := func(s string) *string { return &s }
	if err := admin.IncrementalAlterConfig(sarama.BrokerResource, "", map[string]sarama.IncrementalAlterConfigsEntry{
		"log.retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: v("7200000")},
	}, false); err != nil {
		t.Fatalf("cluster-wide default: %v", err)
	}
	if err := admin.AlterConfig(sarama.BrokerResource, "2", map[string]*string{"log.cleaner.backoff.ms": v("5000")}, false); err != nil {
		t.Fatalf("broker 2: %v", err)
	}
	results, err := admin.DescribeConfigs([]*sarama.ConfigResource{{Type: sarama.BrokerResource, Name: "2",
		ConfigNames: []string{"log.retention.ms", "log.cleaner.backoff.ms", "num.partitions"}}}, sarama.DescribeConfigsOptions{})
	if err != nil || len(results) != 1 || results[0].ErrorCode != sarama.ErrNoError {
		t.Fatalf("describing broker 2: %v %+v", err, results)
	}
	entries := results[0].Configs
	want := map[string]struct {
		value    string
		source   sarama.ConfigSource
		readOnly bool
	}{
		"log.retention.ms":       {"7200000", sarama.SourceDynamicDefaultBroker, false},
		"log.cleaner.backoff.ms": {"5000", sarama.SourceDynamicBroker, false},
		"num.partitions":         {"1", sarama.SourceDefault, true},
	}
	if len(entries) != len(want) {
		t.Fatalf("described %d configs, want %d", len(entries), len(want))
	}
	for _, e := range entries {
		w := want[e.Name]
		if e.Value != w.value || e.Source != w.source || e.ReadOnly != w.readOnly {
			t.Errorf("broker 2 %s=%s from %v, read-only %v; want %s from %v, read-only %v", e.Name, e.Value, e.Source, e.ReadOnly, w.value, w.source, w.readOnly)
		}
	}
	err = admin.AlterConfig(sarama.BrokerResource, "1", map[string]*string{"num.partitions": v("3")}, false)
	if !errors.Is(err, sarama.ErrInvalidRequest) || !strings.Contains(err.Error(), "Cannot update these configs dynamically: [num.partitions]") {
		t.Fatalf("altering num.partitions: %v, want INVALID_REQUEST with Kafka's message", err)
	}
}
