// Package java runs Apache Kafka's own JVM software against a gregor
// cluster: through JUnit 5 tests in src/test/java, the Java client
// (producer, consumer, AdminClient; transactions in TransactionsTest:
// commit and abort under both isolation levels, a fenced zombie,
// consume-transform-produce with sendOffsetsToTransaction, and the
// KIP-664 admin calls), a Kafka Streams application (a keyed count,
// at_least_once and exactly_once_v2) and two Spring Boot applications
// (KafkaTemplate, @KafkaListener and a dead-letter topic; a @Transactional
// KafkaTemplate under a KafkaTransactionManager, read by a read_committed
// listener); and Kafka's command-line tools
// (TopicCommand, ConsoleProducer, ConsumerGroupCommand, DumpLogSegments,
// TransactionsCommand, MetadataQuorumCommand, ...) as a learner would type
// them, with their output checked here in Go. SaslTest.java (sasl_test.go)
// runs the Java client's SASL mechanisms over SASL_PLAINTEXT and SASL_SSL
// listeners, with a PEM truststore.
//
// TestJavaClient runs the JUnit tests in one Maven run and reports each
// test method as a subtest, TestJavaClient/Class.method, from the
// surefire XML reports; compat/matrix's JVM cells name those subtests.
//
// pom.xml pins Kafka's artifacts. The tests build examples/tinybroker, start
// it as a subprocess with three brokers on free ports and a data directory,
// and hand its bootstrap servers to Maven (-Dgregor.bootstrap) and to the
// tools (--bootstrap-server). Without `java` or `mvn` on the PATH they skip
// with a message, so `go test ./...` passes with Go alone; .ci/run installs
// a JDK and Maven and fetches the jars before the tests.
//
// The package holds only tests.
package java
