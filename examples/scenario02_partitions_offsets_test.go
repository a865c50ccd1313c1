package examples

// Scenario 2: partitions and offsets.
//
// A partition is an ordered, append-only log; a topic is a set of them.
// Every record gets an offset, its position in its partition's log:
// offsets start at 0 in each partition and grow by one per record. Order
// is a property of a partition, not of a topic: a consumer of a
// one-partition topic sees records in production order, a consumer of a
// three-partition topic sees each partition in order, but the partitions
// interleave however the fetches happen to return them.
//
// Where a record goes is the producer's choice. With a key, the Java
// client's default partitioner (and franz-go's, and gregor's tests here)
// takes murmur2(key), clears the sign bit and divides by the partition
// count: the same key always lands in the same partition.

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestScenario02_OnePartitionKeepsProductionOrder(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("one-partition", 1, 1, nil)

	producer := c.client(kgo.DefaultProduceTopic(topic))
	var produced []*kgo.Record
	for i := range 10 {
		produced = append(produced, recordf(fmt.Sprintf("key-%d", i%3), "event-%d", i))
	}
	c.produce(producer, produced...)
	for i, r := range produced {
		if r.Partition != 0 || r.Offset != int64(i) {
			t.Fatalf("record %d went to partition %d offset %d, want partition 0 offset %d", i, r.Partition, r.Offset, i)
		}
	}

	got := c.consume(c.consumerFromStart(topic), len(produced))
	if !slices.Equal(values(got), values(produced)) {
		t.Fatalf("one partition, yet consumption order differs from production order:\nproduced %v\nconsumed %v", values(produced), values(got))
	}
}

func TestScenario02_ThreePartitionsKeepOrderOnlyWithinEach(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("three-partitions", 3, 1, nil)

	// Deal the records out like cards, event-0 to partition 0, event-1 to
	// partition 1, event-2 to partition 2, event-3 to partition 0, ...
	producer := c.client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var produced []*kgo.Record
	for i := range 12 {
		r := recordf("", "event-%d", i)
		r.Partition = int32(i % 3)
		produced = append(produced, r)
	}
	c.produce(producer, produced...)

	// Offsets count per partition: 0, 1, 2, 3 in each of the three.
	for i, r := range produced {
		if want := int64(i / 3); r.Offset != want {
			t.Fatalf("%s went to partition %d offset %d, want offset %d", r.Value, r.Partition, r.Offset, want)
		}
	}

	got := c.consume(c.consumerFromStart(topic), len(produced))
	sent, read := byPartition(produced), byPartition(got)
	for p := range int32(3) {
		if !slices.Equal(values(read[p]), values(sent[p])) {
			t.Fatalf("partition %d: produced %v, consumed %v: order within a partition must hold", p, values(sent[p]), values(read[p]))
		}
		for i, r := range read[p] {
			if r.Offset != int64(i) {
				t.Fatalf("partition %d: record %d has offset %d, want %d", p, i, r.Offset, i)
			}
		}
	}
	// Across partitions there is no promise: a fetch returns a
	// partition's records together, so the deal is not replayed.
	if slices.Equal(values(got), values(produced)) {
		t.Fatalf("consumed in exact production order across 3 partitions: %v", values(got))
	}
	t.Logf("produced %v", values(produced))
	t.Logf("consumed %v", values(got))
}

// Like kafka-get-offsets.sh (GetOffsetShell) --time -2 (earliest) and
// --time -1 (latest): kadm's ListStartOffsets and ListEndOffsets send a
// ListOffsets request with those timestamps. The earliest offset is the
// log start offset, the latest is the high watermark: the offset the next
// record will get.
func TestScenario02_ListOffsetsEarliestAndLatestPerPartition(t *testing.T) {
	c := startCluster(t)
	topic := c.createTopic("offsets", 3, 1, nil)

	checkOffsets := func(when string, wantLatest [3]int64) {
		t.Helper()
		earliest, err := c.admin.ListStartOffsets(c.ctx, topic)
		if err != nil {
			t.Fatalf("listing earliest offsets: %v", err)
		}
		latest, err := c.admin.ListEndOffsets(c.ctx, topic)
		if err != nil {
			t.Fatalf("listing latest offsets: %v", err)
		}
		for p := range int32(3) {
			e, eok := earliest.Lookup(topic, p)
			l, lok := latest.Lookup(topic, p)
			if !eok || !lok || e.Err != nil || l.Err != nil {
				t.Fatalf("%s: partition %d: earliest %+v, latest %+v", when, p, e, l)
			}
			if e.Offset != 0 || l.Offset != wantLatest[p] {
				t.Fatalf("%s: partition %d: earliest %d, latest %d; want 0 and %d", when, p, e.Offset, l.Offset, wantLatest[p])
			}
		}
	}
	checkOffsets("new topic", [3]int64{0, 0, 0})

	producer := c.client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	counts := [3]int64{5, 0, 2} // partition 1 stays empty
	for p, n := range counts {
		for i := range n {
			r := recordf("", "p%d-%d", p, i)
			r.Partition = int32(p)
			c.produce(producer, r)
			if r.Offset != i {
				t.Fatalf("record %d of partition %d got offset %d", i, p, r.Offset)
			}
		}
	}
	checkOffsets("after producing 5, 0 and 2 records", counts)
}

func TestScenario02_SameKeySamePartition(t *testing.T) {
	c := startCluster(t)
	const partitions = 3
	topic := c.createTopic("keyed", partitions, 1, nil)

	// franz-go's default partitioner hashes keys as Kafka's does.
	producer := c.client(kgo.DefaultProduceTopic(topic))
	kafkaPartitioner := kgo.StickyKeyPartitioner(nil).ForTopic(topic)
	keys := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	partitionOf := map[string]int32{}
	for round := range 5 {
		for _, k := range keys {
			r := c.produce(producer, recordf(k, "%s-%d", k, round))[0]
			want := int32(murmur2Partition([]byte(k), partitions))
			if r.Partition != want {
				t.Fatalf("key %q went to partition %d; murmur2 says %d", k, r.Partition, want)
			}
			if kp := kafkaPartitioner.Partition(r, partitions); int32(kp) != want {
				t.Fatalf("key %q: kgo's Kafka partitioner says %d, murmur2 says %d", k, kp, want)
			}
			if first, seen := partitionOf[k]; seen && first != r.Partition {
				t.Fatalf("key %q went to partition %d, earlier to %d", k, r.Partition, first)
			}
			partitionOf[k] = r.Partition
		}
	}
	t.Logf("partition of each key: %v", partitionOf)

	// What the consumer sees agrees: each key's records in one
	// partition, in production order.
	got := c.consume(c.consumerFromStart(topic), 5*len(keys))
	perKey := map[string][]string{}
	for _, r := range got {
		if r.Partition != partitionOf[string(r.Key)] {
			t.Fatalf("consumed %s from partition %d, but it was produced to %d", r.Value, r.Partition, partitionOf[string(r.Key)])
		}
		perKey[string(r.Key)] = append(perKey[string(r.Key)], string(r.Value))
	}
	for _, k := range keys {
		want := []string{k + "-0", k + "-1", k + "-2", k + "-3", k + "-4"}
		if !slices.Equal(perKey[k], want) {
			t.Fatalf("key %q consumed as %v, want %v", k, perKey[k], want)
		}
	}
}

// murmur2 is the 32-bit MurmurHash2 the Java client's Utils.murmur2 computes
// over a record key (seed 0x9747b28c), as the default partitioner uses it.
func murmur2(data []byte) int32 {
	const m = 0x5bd1e995
	h := uint32(0x9747b28c) ^ uint32(len(data))
	body := len(data) &^ 3
	for i := 0; i < body; i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= m
		k ^= k >> 24
		k *= m
		h = h*m ^ k
	}
	switch tail := data[body:]; len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// murmur2Partition is BuiltInPartitioner.partitionForKey: the hash with
// its sign bit cleared (Utils.toPositive), modulo the partition count.
func murmur2Partition(key []byte, partitions int) int {
	return int(murmur2(key)&0x7fffffff) % partitions
}

// The hash must agree with Kafka's bit for bit, or keys would land in
// different partitions depending on the producer's language. These are
// the values Kafka's own UtilsTest checks.
func TestScenario02_Murmur2MatchesKafka(t *testing.T) {
	for key, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := murmur2([]byte(key)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", key, got, want)
		}
	}
}
