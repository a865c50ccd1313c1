// Package kafkaref runs Apache Kafka itself, from its released jars, as
// the reference that gregor is compared with.
//
// Faithfulness is gregor's product, and the only way to know what Kafka
// does is to ask Kafka. This package starts a single-node KRaft Kafka 4.x
// (one process with process.roles=broker,controller, storage formatted
// with kafka-storage's "format --standalone", listeners on free loopback
// ports) and its tests send the same requests to Kafka and to gregor:
//
//   - DescribeConfigs for the broker and for a fresh topic, every config
//     name and default value compared;
//   - a table of requests with good and bad arguments (ApiVersions,
//     Metadata, CreateTopics, Produce, Fetch, ListOffsets, the classic
//     group APIs, OffsetCommit/OffsetFetch, DeleteTopics), the responses
//     compared field by field once the fields that must differ (ids,
//     hosts, ports, timestamps, throttle times) are masked;
//   - CreateAcls, DescribeAcls and DeleteAcls, good and bad, against a
//     second Kafka started with StandardAuthorizer (acls_test.go);
//   - the examples/ scenario tests, run against Kafka through
//     KAFKA_BOOTSTRAP_SERVERS, which proves that they assert Kafka's
//     behaviour and not gregor's.
//
// Every difference that remains is listed, with its reason, in a file
// under testdata/ and in docs/not-yet.md; a test fails on a difference
// that is not listed, and on a listed one that went away.
//
// The jars come from Maven Central through the pom.xml beside this file
// (mvn dependency:build-classpath); nothing is built. The tests run only
// when GREGOR_KAFKAREF=1 is set, and then they need java (17 or later) and
// mvn on the PATH:
//
//	GREGOR_KAFKAREF=1 go test ./compat/kafkaref
//
// Without the variable they skip, so that an ordinary "go test ./..."
// starts no JVM.
package kafkaref
