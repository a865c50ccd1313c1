// Package node runs kafkajs, the pure-JavaScript Kafka client for Node.js,
// against a gregor cluster: gregor_compat.js produces with acks 0, 1 and
// all (-1), idempotently, and with gzip and snappy (kafkajs-snappy; kafkajs
// has no built-in lz4 or zstd), consumes through a group and seeks, asks
// offsets by timestamp, forms a group with kafkajs's round-robin assigner
// (its only one), commits and resumes, uses the admin client for
// topics, partitions, configs, records and groups, and runs transactions:
// commit and abort as read_committed and read_uncommitted consumers see
// them, a zombie fenced by its successor, and sendOffsets for
// consume-transform-produce. kafkajs has no assign(): every consumer is a
// group member.
//
// The script runs once, in one Node process, against a three-broker tiny
// broker started as a subprocess on free ports; each check prints a JSON
// line and TestKafkaJS turns each line into a subtest named after the
// feature it proves, which is what compat/matrix reads.
//
// package-lock.json pins the packages; install.sh runs `npm ci`. Without
// node or node_modules the test skips with a message, so `go test ./...`
// passes with Go alone.
//
// The package holds only tests.
package node
