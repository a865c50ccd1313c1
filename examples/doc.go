// Package examples holds the Kafka course's scenarios as runnable tests,
// each one a real Kafka client (franz-go's kgo and kadm) talking to an
// in-process gregor cluster. The file and test names carry the scenario
// number from the course:
//
//	scenario01_basics_test.go              1  a single broker, a topic, "hello kafka" there and back
//	scenario02_partitions_offsets_test.go  2  partitions, offsets, earliest/latest, keys and murmur2
//	scenario03_acks_durability_test.go     3  acks=0, acks=1 losing a record on failover, acks=all losing none
//	scenario04_consumer_groups_test.go     4  consumers 1 -> 2 -> 3 -> 2 with each assignor; groups fan out
//	scenario05_offset_commit_test.go       5  auto-commit re-delivers after a crash, manual commit resumes exactly, auto.offset.reset
//	scenario06_key_ordering_test.go        6  key=orderId keeps each order's events in order
//	scenario07_replication_isr_test.go     7  ISR shrinks and expands, failover, min.insync.replicas
//	scenario08_rebalance_session_test.go   8  session timeout eviction, cooperative vs eager, static membership, KIP-848
//	scenario11_compression_test.go         11 every compression codec, stored as the producer sent it
//	compat_*_test.go                          Sarama, kafka-go and kcat against gregor
//	groups_clients_test.go                    consumer groups with Sarama, kafka-go's Reader and kcat -G
//	tinybroker_test.go                        the tiny broker as a program: SIGTERM, -data-dir restart
//
// Run them all with
//
//	go test ./examples
//
// or one scenario with go test ./examples -run Scenario02 -v.
//
// The same tests run unchanged against a real Kafka cluster:
//
//	KAFKA_BOOTSTRAP_SERVERS=localhost:9092 go test ./examples -run Scenario
//
// Steps that need what only gregor has (looking inside a partition's log,
// a manual clock, stopping brokers) are skipped there, with a message
// saying why. Topics get a unique suffix on a real cluster so that runs do
// not collide, and are deleted afterwards.
//
// The tiny broker in examples/tinybroker runs gregor as a program for
// clients outside Go: go run ./examples/tinybroker.
package examples
