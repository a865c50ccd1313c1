package matrix

// The clients, in the table's column order.
const (
	java    = "Java client"
	franz   = "franz-go"
	sarama  = "Sarama"
	kafkago = "kafka-go"
	kcat    = "librdkafka (kcat)"
	rdkpy   = "librdkafka (confluent-kafka-python)"
	python  = "kafka-python"
	kafkajs = "kafkajs"
	spring  = "Spring Kafka"
	streams = "Kafka Streams"
	cli     = "Kafka CLI tools"
)

var clients = []string{java, franz, sarama, kafkago, kcat, rdkpy, python, kafkajs, spring, streams, cli}

// The features, in the table's row order.
var features = []string{
	"produce, acks 0 / 1 / all",
	"idempotent producer",
	"compression codecs",
	"assign, seek, list offsets",
	"offsets for a timestamp",
	"consumer group (classic)",
	"assignors",
	"consumer group (KIP-848)",
	"static membership",
	"commit and resume",
	"admin: topics",
	"admin: configs",
	"admin: groups and offsets",
	"admin: delete records",
	"transactions: commit, abort, read_committed",
	"transactions: a zombie fenced",
	"exactly-once consume-transform-produce",
	"admin: transactions",
	"admin: metadata quorum",
}

// cell is one claim: the client does the feature, as the tests prove. A
// test is "package TestName" or "package TestName/subtest"; the JVM cells
// name JUnit test methods, which TestJavaClient reports as its subtests
// (TestJavaClient/Class.method), and the CLI cells the Go test that runs
// the tools, with the tool classes in the note.
type cell struct {
	client, feature string
	tests           []string
	note            string
}

const (
	ex     = "./examples "
	py     = "./compat/python TestKafkaPython/"
	rdk    = "./compat/python TestLibrdkafkaPython/"
	js     = "./compat/node TestKafkaJS/"
	junit  = "./compat/java TestJavaClient/"
	kcli   = "./compat/java TestKafkaCLI"
	kcliTx = "./compat/java TestKafkaCLITransactionsAndQuorum/"
	br     = "./broker "
	scen08 = ex + "TestScenario08_"
)

var cells = []cell{
	{java, "produce, acks 0 / 1 / all", []string{junit + "ProducerTest.acks"}, ""},
	{java, "idempotent producer", []string{junit + "ProducerTest.idempotentWithEveryCodec"}, ""},
	{java, "compression codecs", []string{junit + "ProducerTest.idempotentWithEveryCodec"}, "none, gzip, snappy, lz4, zstd"},
	{java, "assign, seek, list offsets", []string{junit + "ConsumerTest.assignSeekAndOffsetsForTimes"}, ""},
	{java, "offsets for a timestamp", []string{junit + "ConsumerTest.assignSeekAndOffsetsForTimes"}, ""},
	{java, "consumer group (classic)", []string{junit + "ConsumerTest.subscribeAndCommit"}, ""},
	{java, "assignors", []string{junit + "ConsumerTest.subscribeAndCommit"}, "range, roundrobin, sticky, cooperative-sticky"},
	{java, "consumer group (KIP-848)", []string{junit + "ConsumerTest.subscribeAndCommit"}, "group.protocol=consumer"},
	{java, "static membership", []string{junit + "ConsumerTest.staticMembership"}, ""},
	{java, "commit and resume", []string{junit + "ConsumerTest.subscribeAndCommit", junit + "ConsumerTest.autoCommitAndResume"}, ""},
	{java, "admin: topics", []string{junit + "AdminTest.createDescribeDeleteTopics"}, ""},
	{java, "admin: configs", []string{junit + "AdminTest.describeAndAlterTopicConfigs", junit + "AdminTest.describeBrokerConfigs"}, ""},
	{java, "admin: groups and offsets", []string{junit + "AdminTest.consumerGroupsAndTheirOffsets"}, ""},
	{java, "admin: delete records", []string{junit + "AdminTest.deleteRecords"}, ""},
	{java, "transactions: commit, abort, read_committed", []string{junit + "TransactionsTest.commitAndAbortAsEachIsolationLevelSeesThem"}, ""},
	{java, "transactions: a zombie fenced", []string{junit + "TransactionsTest.aZombieIsFencedByItsSuccessor", junit + "TransactionsTest.adminFencesProducers"}, "ProducerFencedException"},
	{java, "exactly-once consume-transform-produce", []string{junit + "TransactionsTest.consumeTransformProduceCommitsTheGroupsOffsetsWithTheOutput"}, "sendOffsetsToTransaction"},
	{java, "admin: transactions", []string{junit + "TransactionsTest.adminListsDescribesAndAbortsAHangingTransaction", junit + "TransactionsTest.adminFencesProducers"}, "list, describe, describe producers, abort, fence"},
	{java, "admin: metadata quorum", []string{junit + "QuorumTest.describeMetadataQuorum"}, ""},

	{franz, "produce, acks 0 / 1 / all", []string{ex + "TestScenario03_AcksZeroDoesNotWaitForTheBroker", ex + "TestScenario03_AcksOneLosesWhatOnlyTheLeaderHad", ex + "TestScenario03_AcksAllSurvivesAnyOneBroker"}, ""},
	{franz, "compression codecs", []string{ex + "TestScenario11_EveryCodecRoundTripsAndIsStoredAsSent"}, ""},
	{franz, "assign, seek, list offsets", []string{ex + "TestScenario02_ListOffsetsEarliestAndLatestPerPartition"}, ""},
	{franz, "consumer group (classic)", []string{ex + "TestScenario04_ConsumerGroupRebalancing", ex + "TestScenario04_GroupsFanOut"}, ""},
	{franz, "assignors", []string{scen08 + "CooperativeRevokesOnlyMovedPartitions"}, "cooperative-sticky"},
	{franz, "consumer group (KIP-848)", []string{scen08 + "ConsumerProtocol"}, ""},
	{franz, "static membership", []string{scen08 + "StaticMembershipRestartWithoutRebalance"}, ""},
	{franz, "commit and resume", []string{ex + "TestScenario05_ManualCommitResumesExactly", ex + "TestScenario05_AutoCommitRedeliversAfterCrash"}, ""},
	{franz, "admin: configs", []string{ex + "TestScenario11_TopicCompressionTypeRecompresses"}, "kadm, compression.type"},
	{franz, "transactions: commit, abort, read_committed", []string{ex + "TestScenario10_Transactions/aborted_records_are_invisible_to_read_committed", br + "TestTransactionsCommitAndAbortWithKgo"}, ""},
	{franz, "transactions: a zombie fenced", []string{ex + "TestScenario10_Transactions/a_second_producer_fences_the_first", br + "TestSecondProducerFencesTheFirst"}, ""},
	{franz, "exactly-once consume-transform-produce", []string{br + "TestGroupTransactSessionCopiesExactlyOnce"}, "GroupTransactSession"},
	{franz, "admin: transactions", []string{br + "TestTransactionsCommitAndAbortWithKgo", br + "TestDescribeProducersShowsOpenTransaction"}, "kadm: list, describe, describe producers"},

	{sarama, "produce, acks 0 / 1 / all", []string{ex + "TestCompatSarama"}, "acks=all"},
	{sarama, "compression codecs", []string{ex + "TestCompatSaramaCompression"}, ""},
	{sarama, "assign, seek, list offsets", []string{ex + "TestCompatSarama"}, ""},
	{sarama, "consumer group (classic)", []string{ex + "TestGroupsSarama"}, ""},
	{sarama, "commit and resume", []string{ex + "TestGroupsSarama"}, "auto-commit"},
	{sarama, "admin: topics", []string{ex + "TestCompatSaramaAdmin"}, ""},
	{sarama, "transactions: commit, abort, read_committed", []string{br + "TestSaramaTransactionalProducerCommitsAndAborts"}, "the producer; read back with franz-go"},

	{kafkago, "produce, acks 0 / 1 / all", []string{ex + "TestCompatKafkaGoClient"}, "acks=all"},
	{kafkago, "compression codecs", []string{ex + "TestCompatKafkaGoWriterReader"}, ""},
	{kafkago, "consumer group (classic)", []string{ex + "TestGroupsKafkaGo"}, ""},
	{kafkago, "commit and resume", []string{ex + "TestGroupsKafkaGo"}, "CommitMessages"},
	{kafkago, "admin: topics", []string{ex + "TestCompatKafkaGoConnCreatesTopics"}, "Conn, version 0 requests"},

	{kcat, "produce, acks 0 / 1 / all", []string{ex + "TestCompatKcat"}, ""},
	{kcat, "compression codecs", []string{ex + "TestCompatKcat"}, "keys and codecs"},
	{kcat, "consumer group (classic)", []string{ex + "TestGroupsKcat"}, ""},

	{rdkpy, "produce, acks 0 / 1 / all", []string{rdk + "produce_acks_all"}, "acks=all"},
	{rdkpy, "idempotent producer", []string{rdk + "produce_idempotent"}, ""},
	{rdkpy, "compression codecs", []string{rdk + "compression_gzip", rdk + "compression_snappy", rdk + "compression_lz4", rdk + "compression_zstd"}, "gzip, snappy, lz4, zstd"},
	{rdkpy, "assign, seek, list offsets", []string{rdk + "consume_assign_seek"}, "get_watermark_offsets"},
	{rdkpy, "offsets for a timestamp", []string{rdk + "consume_assign_seek"}, ""},
	{rdkpy, "consumer group (classic)", []string{rdk + "group_commit_resume"}, ""},
	{rdkpy, "commit and resume", []string{rdk + "group_commit_resume"}, ""},
	{rdkpy, "admin: topics", []string{rdk + "admin_create_delete_topics"}, "AdminClient"},
	{rdkpy, "transactions: commit, abort, read_committed", []string{rdk + "txn_commit_abort", rdk + "txn_open_hides_from_read_committed", rdk + "txn_franz_go_abort_hidden"}, "read_committed also hides what franz-go aborted"},
	{rdkpy, "transactions: a zombie fenced", []string{rdk + "txn_zombie_fenced"}, "fatal _FENCED"},
	{rdkpy, "exactly-once consume-transform-produce", []string{rdk + "txn_send_offsets"}, "send_offsets_to_transaction with consumer_group_metadata"},

	{python, "produce, acks 0 / 1 / all", []string{py + "produce_acks_0", py + "produce_acks_1", py + "produce_acks_all"}, ""},
	{python, "idempotent producer", []string{py + "produce_idempotent"}, ""},
	{python, "compression codecs", []string{py + "compression_gzip", py + "compression_snappy", py + "compression_lz4", py + "compression_zstd"}, "gzip, snappy, lz4, zstd"},
	{python, "assign, seek, list offsets", []string{py + "consume_assign_seek"}, ""},
	{python, "offsets for a timestamp", []string{py + "offsets_for_times"}, ""},
	{python, "consumer group (classic)", []string{py + "group_assignor_range"}, ""},
	{python, "assignors", []string{py + "group_assignor_range", py + "group_assignor_roundrobin", py + "group_assignor_sticky", py + "group_assignor_cooperative_sticky"}, "range, roundrobin, sticky, cooperative-sticky"},
	{python, "commit and resume", []string{py + "group_commit_resume"}, ""},
	{python, "admin: topics", []string{py + "admin_create_describe_topics", py + "admin_delete_topics"}, ""},
	{python, "admin: configs", []string{py + "admin_describe_alter_configs"}, ""},
	{python, "admin: groups and offsets", []string{py + "group_commit_resume", py + "group_assignor_range"}, "list, describe, offsets, delete"},
	{python, "transactions: commit, abort, read_committed", []string{py + "txn_commit_abort"}, ""},
	{python, "transactions: a zombie fenced", []string{py + "txn_zombie_fenced"}, ""},
	{python, "exactly-once consume-transform-produce", []string{py + "txn_send_offsets"}, "send_offsets_to_transaction"},

	{kafkajs, "produce, acks 0 / 1 / all", []string{js + "produce_acks_0", js + "produce_acks_1", js + "produce_acks_all"}, ""},
	{kafkajs, "idempotent producer", []string{js + "produce_idempotent"}, ""},
	{kafkajs, "compression codecs", []string{js + "compression_gzip", js + "compression_snappy"}, "gzip, snappy (kafkajs has no lz4 or zstd of its own)"},
	{kafkajs, "assign, seek, list offsets", []string{js + "consume_seek"}, "seek in a group: kafkajs has no assign"},
	{kafkajs, "offsets for a timestamp", []string{js + "offsets_for_times"}, ""},
	{kafkajs, "consumer group (classic)", []string{js + "group_assignor_roundrobin"}, ""},
	{kafkajs, "assignors", []string{js + "group_assignor_roundrobin"}, "round robin, its only one"},
	{kafkajs, "commit and resume", []string{js + "group_commit_resume"}, ""},
	{kafkajs, "admin: topics", []string{js + "admin_create_describe_topics", js + "admin_create_partitions", js + "admin_delete_topics"}, ""},
	{kafkajs, "admin: configs", []string{js + "admin_describe_alter_configs"}, ""},
	{kafkajs, "admin: groups and offsets", []string{js + "group_commit_resume", js + "group_assignor_roundrobin"}, ""},
	{kafkajs, "admin: delete records", []string{js + "admin_delete_records"}, ""},
	{kafkajs, "transactions: commit, abort, read_committed", []string{js + "txn_commit_abort"}, ""},
	{kafkajs, "transactions: a zombie fenced", []string{js + "txn_zombie_fenced"}, ""},
	{kafkajs, "exactly-once consume-transform-produce", []string{js + "txn_send_offsets"}, "sendOffsets"},

	{spring, "produce, acks 0 / 1 / all", []string{junit + "SpringTest.ordersFlowAndTheBadOneGoesToTheDeadLetterTopic"}, "KafkaTemplate"},
	{spring, "consumer group (classic)", []string{junit + "SpringTest.ordersFlowAndTheBadOneGoesToTheDeadLetterTopic"}, "@KafkaListener, dead-letter topic"},
	{spring, "transactions: commit, abort, read_committed", []string{junit + "SpringTransactionsTest.aRolledBackTransactionIsInvisibleToTheListener"}, "@Transactional, KafkaTransactionManager, a read_committed @KafkaListener"},
	{streams, "consumer group (classic)", []string{junit + "StreamsTest.keyedCountWithAStateStore"}, "keyed count, state store, repartition topic"},
	{streams, "admin: topics", []string{junit + "StreamsTest.keyedCountWithAStateStore"}, "internal topics"},
	{streams, "exactly-once consume-transform-produce", []string{junit + "StreamsTest.keyedCountExactlyOnceV2"}, "processing.guarantee=exactly_once_v2"},

	{cli, "produce, acks 0 / 1 / all", []string{kcli}, "ConsoleProducer, ProducerPerformance"},
	{cli, "assign, seek, list offsets", []string{kcli}, "ConsoleConsumer, GetOffsetShell"},
	{cli, "consumer group (classic)", []string{kcli}, "ConsumerGroupCommand"},
	{cli, "admin: topics", []string{kcli}, "TopicCommand"},
	{cli, "admin: configs", []string{kcli}, "ConfigCommand"},
	{cli, "admin: groups and offsets", []string{kcli}, "ConsumerGroupCommand"},
	{cli, "admin: delete records", []string{kcli}, "DeleteRecordsCommand"},
	{cli, "admin: transactions", []string{kcliTx + "TransactionsCommand"}, "list, describe, describe-producers, find-hanging, abort"},
	{cli, "admin: metadata quorum", []string{kcliTx + "MetadataQuorumCommand"}, "describe --status, --replication"},
}
