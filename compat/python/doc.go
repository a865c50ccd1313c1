// Package python runs kafka-python, the pure-Python Kafka client, against a
// gregor cluster: gregor_compat.py produces with acks 0, 1 and all, with
// idempotence and with every codec whose Python library is installed (gzip
// always; snappy, lz4 and zstd through python-snappy, lz4 and zstandard),
// consumes with assign and seek and with subscribe in classic groups under
// each of the client's assignors (range, roundrobin, sticky,
// cooperative-sticky), commits and resumes, asks offsets_for_times, uses
// KafkaAdminClient for topics, configs and groups, and runs transactions:
// commit and abort as read_committed and read_uncommitted consumers see
// them, a zombie fenced by its successor, and send_offsets_to_transaction
// for consume-transform-produce.
//
// The script runs once, in one Python process, against a three-broker tiny
// broker started as a subprocess on free ports; each check prints a JSON
// line and TestKafkaPython turns each line into a subtest named after the
// feature it proves, which is what compat/matrix reads.
//
// requirements.txt pins the packages; install.sh puts them in .venv here.
// Without that venv (or GREGOR_PYTHON naming a Python that imports kafka)
// the test skips with a message, so `go test ./...` passes with Go alone.
//
// The package holds only tests.
package python
