// Package cli is the gregor command: Kafka's command-line tools, each a
// subcommand in its own file, with the flags and output formats of the
// Kafka 4 script it stands for, so that a course's commands work after
// replacing kafka-topics.sh with gregor topics.
//
//	gregor broker             kafka-server-start.sh: the tiny broker (examples/tinybroker), -http-port for metrics
//	gregor topics             kafka-topics.sh (TopicCommand): --create --list --describe --alter --delete
//	gregor console-producer   kafka-console-producer.sh: stdin lines, parse.key, key.separator, acks, compression
//	gregor console-consumer   kafka-console-consumer.sh: --from-beginning, --partition/--offset, --group, print.*
//	gregor get-offsets        kafka-get-offsets.sh (GetOffsetShell): --time -1/-2/-3/<ms>, topic:partition:offset
//	gregor consumer-groups    kafka-consumer-groups.sh: --list --describe --reset-offsets --delete --delete-offsets
//	gregor configs            kafka-configs.sh (ConfigCommand): --describe, --alter --add-config/--delete-config, brokers --entity-default
//	gregor producer-perf-test kafka-producer-perf-test.sh (ProducerPerformance)
//	gregor consumer-perf-test kafka-consumer-perf-test.sh (ConsumerPerformance)
//	gregor dump-log           kafka-dump-log.sh (DumpLogSegments): --files, --print-data-log, index checks (package dumplog)
//
// Every subcommand but dump-log, which reads files, is a Kafka client
// (franz-go's kgo and kadm), so it works against a real Kafka cluster as
// well as against gregor. Flags
// take one or two dashes (--bootstrap-server, -bootstrap-server); Kafka's
// repeatable flags (--property, --config, --producer-property) repeat.
//
// Exit codes are for scripts: 0 on success, 1 when the cluster refused or
// could not be reached (Kafka's tools exit 1 as well), 2 for a wrong flag
// or a wrong combination of flags, after the usage. Errors that Kafka's
// tools word in a way scripts match ("Topic 'x' already exists.") keep
// Kafka's words. Before anything else a subcommand dials the bootstrap
// servers itself, so an unreachable cluster is one clear line within
// --connect-timeout instead of a client retrying in the background.
//
// With GREGOR_KAFKAREF=1, TestSameOutputAgainstKafka runs one session of
// topics, console-producer, console-consumer, consumer-groups,
// get-offsets, configs and dump-log against Apache Kafka 4.4
// (compat/kafkaref) and against gregor, and requires the same output with
// ids and timestamps masked.
//
// Run is the whole command as a function of its arguments and streams,
// so tests run subcommands in-process against a cluster from
// gregor.Start, as a shell would run them.
//
// Every subcommand but broker and dump-log is a Kafka client; broker runs the cluster
// itself, with the tiny broker's flags (package internal/tinybroker).
//
// Not here yet: dump-log's record decoders (--offsets-decoder,
// --transaction-log-decoder, which say so), and the tools' options for security (--command-config) and for partition
// reassignment.
package cli
