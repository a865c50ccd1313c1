package kafkaref

import (
	"maps"
	"slices"
	"strings"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The sequence of requests that TestRequestsAnswerAsKafkaDoes sends to
// both brokers. The topics are named conformance*, so that filters can
// tell them from other tests' topics on the shared Kafka.
const (
	topicMain  = "conformance"       // 2 partitions; records in partition 0
	topicSmall = "conformance-small" // max.message.bytes=1000
	groupMain  = "conformance-group"
	baseTime   = int64(1_700_000_000_000) // the records' CreateTime
)

func conformanceSteps() []step {
	var steps []step
	steps = append(steps, step{name: "apiversions", req: func(*side) kmsg.Request {
		r := kmsg.NewPtrApiVersionsRequest()
		r.ClientSoftwareName, r.ClientSoftwareVersion = "kafkaref", "1"
		return r
	}, flat: apiVersionsFlat})
	steps = append(steps, topicSteps()...)
	steps = append(steps, configSteps()...)
	steps = append(steps, produceSteps()...)
	steps = append(steps, fetchSteps()...)
	steps = append(steps, fetchSessionSteps()...)
	steps = append(steps, listOffsetsSteps()...)
	steps = append(steps, groupSteps()...)
	steps = append(steps, moreSteps()...)
	steps = append(steps, reassignSteps()...)
	steps = append(steps, brokerConfigSteps()...)
	steps = append(steps, adminSteps()...)
	// Last, because Kafka does not answer it and its connection is lost
	// for the steps after; a short timeout keeps the wait short.
	steps = append(steps, step{name: "produce-no-records", req: func(s *side) kmsg.Request {
		r := produce(-1, topicMain, 0, nil)(s).(*kmsg.ProduceRequest)
		r.TimeoutMillis = 500
		return r
	}})
	return steps
}

// --- Metadata, CreateTopics ---

func metadata(topics []string, autoCreate bool) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrMetadataRequest()
		if topics != nil {
			r.Topics = []kmsg.MetadataRequestTopic{}
			for _, t := range topics {
				mt := kmsg.NewMetadataRequestTopic()
				mt.Topic = kmsg.StringPtr(t)
				r.Topics = append(r.Topics, mt)
			}
		}
		r.AllowAutoTopicCreation = autoCreate
		return r
	}
}

// rememberTopicIDs keeps the topic ids of a Metadata response for Fetch.
func rememberTopicIDs(s *side, resp kmsg.Response) {
	for _, t := range resp.(*kmsg.MetadataResponse).Topics {
		if t.Topic != nil {
			s.topicIDs[*t.Topic] = t.TopicID
		}
	}
}

type newTopic struct {
	name       string
	partitions int32
	rf         int16
	configs    map[string]string
	assignment map[int32][]int32
}

func createTopics(validateOnly bool, topics ...newTopic) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrCreateTopicsRequest()
		r.TimeoutMillis, r.ValidateOnly = 30000, validateOnly
		for _, nt := range topics {
			t := kmsg.NewCreateTopicsRequestTopic()
			t.Topic, t.NumPartitions, t.ReplicationFactor = nt.name, nt.partitions, nt.rf
			for _, name := range slices.Sorted(maps.Keys(nt.configs)) {
				c := kmsg.NewCreateTopicsRequestTopicConfig()
				c.Name, c.Value = name, kmsg.StringPtr(nt.configs[name])
				t.Configs = append(t.Configs, c)
			}
			for p, replicas := range nt.assignment {
				a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
				a.Partition, a.Replicas = p, replicas
				t.ReplicaAssignment = append(t.ReplicaAssignment, a)
			}
			r.Topics = append(r.Topics, t)
		}
		return r
	}
}

func topicSteps() []step {
	return []step{
		{name: "createtopics-good", req: createTopics(false,
			newTopic{name: topicMain, partitions: 2, rf: 1},
			newTopic{name: topicSmall, partitions: 1, rf: 1, configs: map[string]string{"max.message.bytes": "1000"}}),
			after: waitTopics(topicMain, topicSmall)},
		{name: "createtopics-defaults", req: createTopics(false, newTopic{name: "conformance-defaults", partitions: -1, rf: -1}),
			after: waitTopics("conformance-defaults")},
		{name: "metadata-all", req: metadata(nil, false), after: rememberTopicIDs, keep: onlyConformanceTopics},
		{name: "metadata-unknown", req: metadata([]string{"conformance-nope"}, false)},
		{name: "metadata-bad-name", req: metadata([]string{"bad name!"}, false)},
		{name: "metadata-autocreate", req: metadata([]string{"conformance-auto"}, true), after: waitTopics("conformance-auto")},
		{name: "metadata-after-autocreate", req: metadata([]string{"conformance-auto"}, false)},
		{name: "createtopics-bad-name", req: createTopics(false, newTopic{name: "bad name!", partitions: 1, rf: 1})},
		{name: "createtopics-dot", req: createTopics(false, newTopic{name: ".", partitions: 1, rf: 1})},
		{name: "createtopics-long-name", req: createTopics(false, newTopic{name: "conformance-" + strings.Repeat("x", 250), partitions: 1, rf: 1})},
		{name: "createtopics-zero-partitions", req: createTopics(false, newTopic{name: "conformance-p0", partitions: 0, rf: 1})},
		{name: "createtopics-negative-partitions", req: createTopics(false, newTopic{name: "conformance-pneg", partitions: -5, rf: 1})},
		{name: "createtopics-rf-too-big", req: createTopics(false, newTopic{name: "conformance-rf3", partitions: 1, rf: 3})},
		{name: "createtopics-rf-zero", req: createTopics(false, newTopic{name: "conformance-rf0", partitions: 1, rf: 0})},
		{name: "createtopics-bad-config-value", req: createTopics(false, newTopic{name: "conformance-badcfg", partitions: 1, rf: 1, configs: map[string]string{"cleanup.policy": "nope"}})},
		{name: "createtopics-unknown-config", req: createTopics(false, newTopic{name: "conformance-unkcfg", partitions: 1, rf: 1, configs: map[string]string{"no.such.config": "1"}})},
		{name: "createtopics-bad-number", req: createTopics(false, newTopic{name: "conformance-badnum", partitions: 1, rf: 1, configs: map[string]string{"retention.ms": "soon"}})},
		// Config values at and past the edges of what Kafka accepts.
		badConfig("segment-bytes-small", "segment.bytes", "4096"),
		badConfig("segment-bytes-14", "segment.bytes", "14"),
		badConfig("segment-ms-zero", "segment.ms", "0"),
		badConfig("min-insync-zero", "min.insync.replicas", "0"),
		badConfig("retention-ms-minus-5", "retention.ms", "-5"),
		badConfig("retention-bytes-minus-5", "retention.bytes", "-5"),
		badConfig("max-message-bytes-negative", "max.message.bytes", "-1"),
		badConfig("index-interval-negative", "index.interval.bytes", "-1"),
		badConfig("segment-index-bytes-small", "segment.index.bytes", "3"),
		badConfig("timestamp-type-bogus", "message.timestamp.type", "Bogus"),
		badConfig("compression-brotli", "compression.type", "brotli"),
		badConfig("cleanup-both", "cleanup.policy", "compact,delete"),
		badConfig("cleanup-empty", "cleanup.policy", ""),
		badConfig("dirty-ratio-two", "min.cleanable.dirty.ratio", "2"),
		badConfig("local-retention-minus-3", "local.retention.ms", "-3"),
		badConfig("gzip-level-20", "compression.gzip.level", "20"),
		badConfig("zstd-level-99", "compression.zstd.level", "99"),
		badConfig("lz4-level-18", "compression.lz4.level", "18"),
		badConfig("unclean-maybe", "unclean.leader.election.enable", "maybe"),
		badConfig("broker-only-config", "num.partitions", "3"),
		{name: "createtopics-validate-only", req: createTopics(true, newTopic{name: "conformance-validate", partitions: 3, rf: 1, configs: map[string]string{"retention.ms": "1000"}})},
		{name: "metadata-after-validate-only", req: metadata([]string{"conformance-validate"}, false)},
		{name: "createtopics-exists", req: createTopics(false, newTopic{name: topicMain, partitions: 1, rf: 1})},
		{name: "createtopics-twice-in-one-request", req: createTopics(false,
			newTopic{name: "conformance-twice", partitions: 1, rf: 1}, newTopic{name: "conformance-twice", partitions: 1, rf: 1})},
		{name: "createtopics-assignment-and-count", req: createTopics(false, newTopic{name: "conformance-assign", partitions: 1, rf: 1, assignment: map[int32][]int32{0: {1}}})},
		{name: "createtopics-assignment-unknown-broker", req: createTopics(false, newTopic{name: "conformance-assign2", partitions: -1, rf: -1, assignment: map[int32][]int32{0: {7}}})},
		{name: "createtopics-assignment-good", req: createTopics(false, newTopic{name: "conformance-assign3", partitions: -1, rf: -1, assignment: map[int32][]int32{0: {1}, 1: {1}}}),
			after: waitTopics("conformance-assign3")},
	}
}

// badConfig validates (only) a topic with one config set: Kafka's
// validators and gregor's must agree on what is legal.
func badConfig(name, config, value string) step {
	return step{name: "createtopics-config-" + name, req: createTopics(true,
		newTopic{name: "conformance-cfg", partitions: 1, rf: 1, configs: map[string]string{config: value}})}
}

// --- DescribeConfigs ---

func describeConfigs(synonyms bool, resources ...kmsg.DescribeConfigsRequestResource) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDescribeConfigsRequest()
		r.Resources, r.IncludeSynonyms = resources, synonyms
		return r
	}
}

func configResource(kind kmsg.ConfigResourceType, name string, configs ...string) kmsg.DescribeConfigsRequestResource {
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = kind, name, configs
	return r
}

func configSteps() []step {
	return []step{
		{name: "describeconfigs-broker-some", req: describeConfigs(false, configResource(4, "1", "num.partitions", "log.retention.hours", "message.max.bytes", "no.such.config"))},
		{name: "describeconfigs-broker-synonyms", req: describeConfigs(true, configResource(4, "1", "log.retention.hours", "log.segment.bytes"))},
		{name: "describeconfigs-other-broker", req: describeConfigs(false, configResource(4, "2", "num.partitions"))},
		{name: "describeconfigs-broker-not-a-number", req: describeConfigs(false, configResource(4, "one", "num.partitions"))},
		{name: "describeconfigs-topic-some", req: describeConfigs(false, configResource(2, topicSmall, "max.message.bytes", "retention.ms", "segment.bytes", "cleanup.policy", "no.such.config"))},
		{name: "describeconfigs-topic-synonyms", req: describeConfigs(true, configResource(2, topicSmall, "max.message.bytes", "retention.ms", "segment.ms"))},
		{name: "describeconfigs-topic-unknown", req: describeConfigs(false, configResource(2, "conformance-nope"))},
		{name: "describeconfigs-topic-bad-name", req: describeConfigs(false, configResource(2, "bad name!"))},
		{name: "describeconfigs-unknown-type", req: describeConfigs(false, configResource(3, "x"))},
	}
}

// --- Produce ---

// batch is one uncompressed v2 batch of values, the first at baseTime
// plus first milliseconds, one millisecond apart.
func batch(first int64, values ...string) []byte {
	var rs []record.Record
	for i, v := range values {
		rs = append(rs, record.Record{Timestamp: baseTime + first + int64(i), Key: []byte("k"), Value: []byte(v)})
	}
	b, err := record.Build(record.BatchOptions{}, rs)
	if err != nil {
		panic(err)
	}
	return b
}

func produce(acks int16, topic string, partition int32, records []byte) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrProduceRequest()
		r.Acks, r.TimeoutMillis = acks, 10000
		t := kmsg.NewProduceRequestTopic()
		t.Topic = topic
		p := kmsg.NewProduceRequestTopicPartition()
		p.Partition, p.Records = partition, records
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func produceSteps() []step {
	corrupt := batch(0, "corrupt")
	corrupt[len(corrupt)-1] ^= 0xff // the CRC covers the records
	return []step{
		{name: "produce-good", req: produce(-1, topicMain, 0, batch(0, "a", "b", "c"))},
		{name: "produce-good-again", req: produce(1, topicMain, 0, batch(3, "d"))},
		{name: "produce-unknown-topic", req: produce(-1, "conformance-nope", 0, batch(0, "x"))},
		{name: "produce-unknown-partition", req: produce(-1, topicMain, 9, batch(0, "x"))},
		{name: "produce-bad-acks", req: produce(2, topicMain, 0, batch(0, "x"))},
		{name: "produce-corrupt", req: produce(-1, topicMain, 0, corrupt)},
		{name: "produce-too-large", req: produce(-1, topicSmall, 0, batch(0, strings.Repeat("z", 2000)))},
		{name: "produce-small-ok", req: produce(-1, topicSmall, 0, batch(0, "small"))},
	}
}

// --- Fetch ---

func fetch(topic string, partition int32, offset int64) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := kmsg.NewPtrFetchRequest()
		r.MaxWaitMillis, r.MinBytes, r.MaxBytes = 0, 1, 1<<20
		t := kmsg.NewFetchRequestTopic()
		t.Topic, t.TopicID = topic, s.topicIDs[topic]
		p := kmsg.NewFetchRequestTopicPartition()
		p.Partition, p.FetchOffset, p.PartitionMaxBytes = partition, offset, 1<<20
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func fetchSteps() []step {
	return []step{
		{name: "fetch-from-start", req: fetch(topicMain, 0, 0)},
		{name: "fetch-middle-of-batch", req: fetch(topicMain, 0, 1)},
		{name: "fetch-at-end", req: fetch(topicMain, 0, 4)},
		{name: "fetch-out-of-range", req: fetch(topicMain, 0, 100)},
		{name: "fetch-negative-offset", req: fetch(topicMain, 0, -1)},
		{name: "fetch-empty-partition", req: fetch(topicMain, 1, 0)},
		{name: "fetch-unknown-partition", req: fetch(topicMain, 9, 0)},
		{name: "fetch-unknown-topic", req: fetch("conformance-nope", 0, 0)},
	}
}

// --- ListOffsets ---

func listOffsets(topic string, partition int32, timestamp int64) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrListOffsetsRequest()
		t := kmsg.NewListOffsetsRequestTopic()
		t.Topic = topic
		p := kmsg.NewListOffsetsRequestTopicPartition()
		p.Partition, p.Timestamp = partition, timestamp
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func listOffsetsSteps() []step {
	var steps []step
	for _, tc := range []struct {
		name      string
		partition int32
	}{{"nonempty", 0}, {"empty", 1}} {
		for _, ts := range []struct {
			name string
			ts   int64
		}{
			{"earliest", -2}, {"latest", -1}, {"max-timestamp", -3}, {"earliest-local", -4},
			{"timestamp-before", baseTime - 1}, {"timestamp-exact", baseTime + 1}, {"timestamp-after", baseTime + 100},
		} {
			steps = append(steps, step{name: "listoffsets-" + tc.name + "-" + ts.name, req: listOffsets(topicMain, tc.partition, ts.ts)})
		}
	}
	return append(steps,
		step{name: "listoffsets-unknown-partition", req: listOffsets(topicMain, 9, -1)},
		step{name: "listoffsets-unknown-topic", req: listOffsets("conformance-nope", 0, -1)},
	)
}
