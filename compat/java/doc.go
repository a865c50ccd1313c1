// Package java runs Apache Kafka's own JVM software against a gregor
// cluster: through JUnit 5 tests in src/test/java, the Java client
// (producer, consumer, AdminClient), a Kafka Streams application (a keyed
// count, at_least_once: exactly_once_v2 needs transactions, which gregor
// does not have yet) and a Spring Boot application (KafkaTemplate,
// @KafkaListener, a dead-letter topic); and Kafka's command-line tools
// (TopicCommand, ConsoleProducer, ConsumerGroupCommand, DumpLogSegments,
// ...) as a learner would type them, with their output checked here in Go.
// SaslTest.java (sasl_test.go) runs the Java client's SASL mechanisms over
// SASL_PLAINTEXT and SASL_SSL listeners, with a PEM truststore.
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
