// Package examples holds the Kafka course's scenarios as runnable tests,
// each one a real Kafka client (franz-go's kgo and kadm) talking to an
// in-process gregor cluster, or to a real Kafka (see below). The file and
// test names carry the scenario number from the course:
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
//	scenario12_monitoring_test.go          12 lag, under-replicated partitions and rebalances read from /metrics
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
// # Against a real Kafka
//
// The same tests run unchanged against a real Kafka 4.x cluster:
//
//	KAFKA_BOOTSTRAP_SERVERS=localhost:9092 go test -count=1 ./examples -run 'Scenario|Compat|Groups' -v
//
// KAFKA_BOOTSTRAP_SERVERS is a comma-separated list of host:port; it is
// read in one place, startCluster (cluster_test.go), which either starts
// gregor for the test or connects to the cluster named there.
// TestCompatKcat and the tiny broker tests test the tiny broker itself
// and always start it. On a real cluster:
//
//   - topic and group names get a random suffix, so that runs do not
//     collide, and topics are deleted when the test ends;
//   - steps that need gregor's control surface (looking inside a
//     partition's log, the manual clock, stopping or crashing brokers,
//     the coordinator's events) skip the rest of their test, with a
//     message naming the step and KAFKA_BOOTSTRAP_SERVERS;
//   - a test whose topics need more brokers than the cluster has skips;
//   - waits that gregor answers through its hooks (Cluster.WaitUntil,
//     WaitForStable, WaitForGroup) ask the cluster again every 50 ms
//     instead, as a real cluster announces nothing;
//   - time is real: the consumer group scenarios wait out
//     group.initial.rebalance.delay.ms (3 s unless the broker sets it to
//     0) and the 6 s sessions of scenario 5.
//
// The tiny broker can stand in for a real cluster to try the switch:
// go run ./examples/tinybroker -port 39092, then
// KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:39092.
//
// The tiny broker in examples/tinybroker runs gregor as a program for
// clients outside Go: go run ./examples/tinybroker.
package examples
