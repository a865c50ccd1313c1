package broker_test

import (
	"slices"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Regression: a KIP-848 regex subscription is resolved by the coordinator
// against every topic, internal ones included, as Kafka's
// GroupMetadataManager.refreshRegularExpressions does (it scans all topic
// names of the metadata image). A member whose regex names
// __consumer_offsets is assigned its partitions; gregor used to leave
// internal topics out, so the member got "orders" only.
func TestConsumerRegexMatchesInternalTopics(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 1, 1, nil), consumerProtocolConfig(),
		broker.Config("offsets.topic.num.partitions", "2"))
	ctx := groupTestContext(t)
	groupClient(t, c, kgo.ClientID("reader"), kgo.ConsumerGroup("g-regex"),
		kgo.ConsumeRegex(), kgo.ConsumeTopics("^(__consumer_offsets|orders)$"),
		kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()))
	d, err := c.WaitForOwner(ctx, "g-regex", "reader", "__consumer_offsets", 0, 1)
	if err != nil {
		t.Fatalf("%v\n%s", err, eventsOf(c, "g-regex"))
	}
	m := d.Members[0]
	if got := m.Assignment["orders"]; !slices.Equal(got, []int32{0}) {
		t.Fatalf("reader owns %v, want orders-0 besides __consumer_offsets 0 and 1\n%s", m.Assignment, eventsOf(c, "g-regex"))
	}
}
