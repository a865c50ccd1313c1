package examples

// Scenario 6: partition key and ordering.
//
// An order goes through created → paid → shipped → delivered, and a
// consumer must see each order's events in that sequence. Kafka only
// orders records within a partition, so the producer must send all of an
// order's events to one partition: key=orderId does that (scenario 2's
// murmur2). Events of different orders may still interleave in any way,
// which is what lets partitions be consumed in parallel.
//
// With random keys an order's events scatter over partitions, and
// partitions are read independently: by different consumers of a group,
// by fetches that return partitions in any order, by a consumer that fell
// behind on one partition. Here the partitions are read one at a time, in
// ascending and in descending order, as two consumers that happen to get
// to the partitions in a different order would see them.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

var orderSteps = []string{"created", "paid", "shipped", "delivered"}

// orderEvents returns every order's events in the sequence a shop would
// produce them: the orders interleaved, each in step order.
func orderEvents(orders int) []string {
	var events []string
	for _, step := range orderSteps {
		for o := 1; o <= orders; o++ {
			events = append(events, fmt.Sprintf("order-%d:%s", o, step))
		}
	}
	return events
}

// outOfOrder lists the orders whose events a consumer saw in a sequence
// other than created, paid, shipped, delivered.
func outOfOrder(consumed []string) []string {
	seen := map[string][]string{}
	var orders []string
	for _, e := range consumed {
		order, step, _ := strings.Cut(e, ":")
		if seen[order] == nil {
			orders = append(orders, order)
		}
		seen[order] = append(seen[order], step)
	}
	var bad []string
	for _, o := range orders {
		if !slices.Equal(seen[o], orderSteps) {
			bad = append(bad, fmt.Sprintf("%s %v", o, seen[o]))
		}
	}
	return bad
}

// produceOrders sends the events with the key keyOf picks, and returns the
// partitions each order's events went to.
func produceOrders(c *cluster, topic string, events []string, keyOf func(order string) string) map[string][]int32 {
	producer := c.client(kgo.DefaultProduceTopic(topic))
	spread := map[string][]int32{}
	for _, e := range events {
		order, _, _ := strings.Cut(e, ":")
		r := c.produce(producer, &kgo.Record{Key: []byte(keyOf(order)), Value: []byte(e)})[0]
		if !slices.Contains(spread[order], r.Partition) {
			spread[order] = append(spread[order], r.Partition)
		}
	}
	return spread
}

// readPartitionsInOrder reads the partitions one after the other.
func readPartitionsInOrder(c *cluster, topic string, partitions []int32) []string {
	var out []string
	for _, p := range partitions {
		out = append(out, values(c.readPartition(topic, p))...)
	}
	return out
}

const orderPartitions = 3

var (
	ascending  = []int32{0, 1, 2}
	descending = []int32{2, 1, 0}
)

func TestScenario06_OrderIDKeyKeepsEachOrdersEventsInOrder(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("orders", orderPartitions, 1, nil)
	events := orderEvents(6)

	spread := produceOrders(c, topic, events, func(order string) string { return order })
	t.Logf("partition of each order, as the producer was told: %v", spread)

	// What the broker stored, partition by partition: each order's
	// events all in one partition, the one murmur2 of the key picks
	// (scenario 2's hash, computed here, not by the client), with the
	// key they were sent with, and in the sequence they were produced.
	stored := map[string][]int32{}
	for p := range int32(orderPartitions) {
		records := c.readPartition(topic, p)
		for _, r := range records {
			order, _, _ := strings.Cut(string(r.Value), ":")
			if string(r.Key) != order {
				t.Fatalf("%s-%d stores %q with key %q, want key %q", topic, p, r.Value, r.Key, order)
			}
			if !slices.Contains(stored[order], p) {
				stored[order] = append(stored[order], p)
			}
		}
		if bad := outOfOrder(values(records)); len(bad) > 0 {
			t.Fatalf("partition %d stores these orders out of sequence: %v", p, bad)
		}
	}
	for o := 1; o <= 6; o++ {
		order := fmt.Sprintf("order-%d", o)
		want := int32(murmur2Partition([]byte(order), orderPartitions))
		if ps := stored[order]; len(ps) != 1 || ps[0] != want {
			t.Fatalf("%s is stored in partitions %v; key=orderId puts all of it in partition %d (murmur2)", order, ps, want)
		}
		if ps := spread[order]; len(ps) != 1 || ps[0] != want {
			t.Fatalf("the producer was told %s went to partitions %v, the broker stored it in %d", order, ps, want)
		}
	}

	// One consumer of the whole topic.
	got := values(c.consume(c.consumerFromStart(topic), len(events)))
	if bad := outOfOrder(got); len(bad) > 0 {
		t.Fatalf("with key=orderId these orders were consumed out of sequence: %v", bad)
	}
	// Partitions read in either order: still every order in sequence,
	// since each order lives in one partition.
	for _, order := range [][]int32{ascending, descending} {
		if bad := outOfOrder(readPartitionsInOrder(c, topic, order)); len(bad) > 0 {
			t.Fatalf("reading partitions %v: orders out of sequence: %v", order, bad)
		}
	}
}

func TestScenario06_RandomKeysBreakPerOrderOrdering(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("orders-random-keys", orderPartitions, 1, nil)
	events := orderEvents(6)

	// A fixed seed, so the test sees the same "random" keys every run.
	rng := rand.New(rand.NewPCG(6, 6))
	spread := produceOrders(c, topic, events, func(string) string { return strconv.FormatUint(rng.Uint64(), 36) })
	scattered := 0
	for _, ps := range spread {
		if len(ps) > 1 {
			scattered++
		}
	}
	if scattered == 0 {
		t.Fatalf("no order's events were scattered over partitions: %v", spread)
	}
	t.Logf("partitions each order's events went to: %v", spread)

	// An order spread over two partitions is read out of sequence by
	// whichever reader gets to its later event's partition first.
	var broken []string
	for _, order := range [][]int32{ascending, descending} {
		bad := outOfOrder(readPartitionsInOrder(c, topic, order))
		t.Logf("reading partitions %v: out of sequence: %v", order, bad)
		broken = append(broken, bad...)
	}
	if len(broken) == 0 {
		t.Fatalf("random keys scattered %d orders, yet every order was read in sequence", scattered)
	}
}
