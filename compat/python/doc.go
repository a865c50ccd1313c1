// Package python runs two Python clients against a gregor cluster.
//
// gregor_compat.py drives kafka-python, the pure-Python client: it
// produces with acks 0, 1 and all, with idempotence and with every codec
// whose Python library is installed (gzip always; snappy, lz4 and zstd
// through python-snappy, lz4 and zstandard), consumes with assign and seek
// and with subscribe in classic groups under each of the client's
// assignors (range, roundrobin, sticky, cooperative-sticky), commits and
// resumes, asks offsets_for_times, uses KafkaAdminClient for topics,
// configs and groups, and runs transactions: commit and abort as
// read_committed and read_uncommitted consumers see them, a zombie fenced
// by its successor, and send_offsets_to_transaction for
// consume-transform-produce.
//
// gregor_librdkafka.py drives librdkafka, the C client behind kcat and
// every confluent-kafka binding, through confluent-kafka-python, whose
// wheel bundles librdkafka with all four codecs. kcat can commit a
// transaction but abort one only by being interrupted; the binding has the
// whole transactional producer (init_transactions, begin_transaction,
// commit_transaction, abort_transaction, send_offsets_to_transaction with
// a subscribed consumer's consumer_group_metadata, KIP-447). Its checks:
// commit and abort at both isolation levels, asserting offsets as well as
// values (each transaction ends in a control record, which takes an offset
// no consumer returns); an open transaction holding read_committed back at
// the last stable offset; a zombie failing with librdkafka's fatal _FENCED
// once its successor's InitProducerId bumped the epoch;
// consume-transform-produce whose aborted round neither shows in the
// output nor commits the group's offsets; and, for agreement across
// clients, a topic that franz-go wrote before the script started (two
// committed transactions around an aborted one) read by librdkafka at
// read_committed without the aborted records, which it can skip only from
// the AbortedTransactions gregor's Fetch returns. Beside these, the usual
// basics: acks=all and idempotent produce, each codec, assign, seek,
// watermarks and offsets_for_times, a classic group that commits and
// resumes, and AdminClient creating and deleting topics.
//
// Each script runs once, in one Python process, against a three-broker
// tiny broker started as a subprocess on free ports; each check prints a
// JSON line and TestKafkaPython and TestLibrdkafkaPython turn each line
// into a subtest named after the feature it proves, which is what
// compat/matrix reads.
//
// requirements.txt pins the packages (kafka-python and confluent-kafka);
// install.sh puts them in .venv here. Without that venv (or GREGOR_PYTHON
// naming a Python that imports kafka, or confluent_kafka) each test skips
// with a message, so `go test ./...` passes with Go alone.
//
// Both scripts report through checks.py, the one JSON line per check
// the Go tests read. The package holds only tests.
package python
