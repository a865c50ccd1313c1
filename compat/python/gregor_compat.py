"""kafka-python against a gregor cluster.

Run by python_test.go with the cluster's bootstrap address as the only
argument. Each check prints one JSON line, {"feature", "ok", "detail"},
and the Go test turns every line into a subtest, so that a failing check
names the feature it was meant to prove. A check asserts values, offsets
and assignments; an exception fails only that check.
"""

import json
import sys
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor
from kafka.structs import OffsetAndMetadata
from kafka import codec

from checks import DEADLINE_S, RUN, check, expect, report

BOOTSTRAP = sys.argv[1]
def topic(name):
    return f"py-{name}-{RUN}"


admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="gregor-compat")


def create(name, partitions=1, replication=3, configs=None):
    admin.create_topics([NewTopic(name, partitions, replication, topic_configs=configs or {})])
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        described = admin.describe_topics([name])
        if described and described[0].get("error_code", 0) == 0 and len(described[0]["partitions"]) == partitions:
            return described[0]
        time.sleep(0.1)
    raise AssertionError(f"topic {name} did not appear")


def consume_all(tp, want, **config):
    """The first `want` records of tp, read by an assigned consumer."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False,
                             auto_offset_reset="earliest", **config)
    try:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < want and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got.extend(records)
        return got
    finally:
        consumer.close()


@check("admin_create_describe_topics")
def _():
    name = topic("created")
    described = create(name, partitions=3, replication=3, configs={"retention.ms": "3600000"})
    parts = sorted(described["partitions"], key=lambda p: p["partition_index"])
    expect([p["partition_index"] for p in parts] == [0, 1, 2], f"partitions {parts}")
    for p in parts:
        expect(len(p["replica_nodes"]) == 3, f"replicas of {p}")
        expect(p["leader_id"] in p["replica_nodes"], f"leader of {p}")
        expect(sorted(p["isr_nodes"]) == sorted(p["replica_nodes"]), f"ISR of {p}")
    expect(name in admin.list_topics(), "list_topics misses the new topic")


def produce_and_read(feature_topic, n, **producer_config):
    """Sends n keyed records to partition 0 and returns (offsets, records read back)."""
    create(feature_topic)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, **producer_config)
    try:
        futures = [producer.send(feature_topic, key=b"k%d" % i, value=b"v%d" % i, partition=0) for i in range(n)]
        producer.flush()
        offsets = [f.get(timeout=DEADLINE_S).offset for f in futures]
    finally:
        producer.close()
    got = consume_all(TopicPartition(feature_topic, 0), n)
    expect([(r.offset, r.key, r.value) for r in got] == [(i, b"k%d" % i, b"v%d" % i) for i in range(n)],
           f"read back {[(r.offset, r.key, r.value) for r in got]}")
    return offsets


@check("produce_acks_0")
def _():
    # With acks=0 no response comes back, so the offsets the client reports
    # are its own guess; what counts is that the records are in the log.
    produce_and_read(topic("acks0"), 5, acks=0)


@check("produce_acks_1")
def _():
    offsets = produce_and_read(topic("acks1"), 5, acks=1)
    expect(offsets == [0, 1, 2, 3, 4], f"offsets {offsets}")


@check("produce_acks_all")
def _():
    offsets = produce_and_read(topic("acksall"), 5, acks="all")
    expect(offsets == [0, 1, 2, 3, 4], f"offsets {offsets}")


@check("produce_idempotent")
def _():
    offsets = produce_and_read(topic("idem"), 5, acks="all", enable_idempotence=True)
    expect(offsets == [0, 1, 2, 3, 4], f"offsets {offsets}")


for codec_name, available in [("gzip", codec.has_gzip), ("snappy", codec.has_snappy),
                              ("lz4", codec.has_lz4), ("zstd", codec.has_zstd)]:
    if not available():
        report("compression_" + codec_name, None, f"the Python package for {codec_name} is not installed")
        continue

    @check("compression_" + codec_name)
    def _(codec_name=codec_name):
        # linger.ms lets the 20 records share one compressed batch.
        offsets = produce_and_read(topic("codec-" + codec_name), 20, acks="all",
                                   compression_type=codec_name, linger_ms=50)
        expect(offsets == list(range(20)), f"offsets {offsets}")


@check("consume_assign_seek")
def _():
    name = topic("seek")
    create(name)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    for i in range(10):
        producer.send(name, value=b"r%d" % i, partition=0)
    producer.flush()
    producer.close()
    tp = TopicPartition(name, 0)
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    try:
        consumer.assign([tp])
        expect(consumer.assignment() == {tp}, f"assignment {consumer.assignment()}")
        expect(consumer.beginning_offsets([tp]) == {tp: 0}, "beginning offset")
        expect(consumer.end_offsets([tp]) == {tp: 10}, f"end offset {consumer.end_offsets([tp])}")
        consumer.seek(tp, 7)
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 3 and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got.extend(records)
        expect([(r.offset, r.value) for r in got] == [(7, b"r7"), (8, b"r8"), (9, b"r9")],
               f"after seek(7): {[(r.offset, r.value) for r in got]}")
        expect(consumer.position(tp) == 10, f"position {consumer.position(tp)}")
    finally:
        consumer.close()


@check("offsets_for_times")
def _():
    name = topic("times")
    create(name)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    for i in range(5):  # timestamps 1000, 2000, ... 5000 ms
        producer.send(name, value=b"t%d" % i, partition=0, timestamp_ms=(i + 1) * 1000)
    producer.flush()
    producer.close()
    tp = TopicPartition(name, 0)
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP)
    try:
        found = consumer.offsets_for_times({tp: 2500})
        expect(found[tp] is not None and found[tp].offset == 2 and found[tp].timestamp == 3000,
               f"offsets_for_times(2500) = {found}")
        found = consumer.offsets_for_times({tp: 1000})
        expect(found[tp].offset == 0 and found[tp].timestamp == 1000, f"offsets_for_times(1000) = {found}")
        # No record at or after the timestamp: Kafka answers offset -1, the client None.
        found = consumer.offsets_for_times({tp: 9000})
        expect(found[tp] is None, f"offsets_for_times(9000) = {found}")
    finally:
        consumer.close()


def group_assignments(name, group, assignor, members=2, partitions=4):
    """Assignments of `members` consumers subscribed to one topic in one group."""
    consumers = [KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group,
                               client_id=f"{group}-{i}", partition_assignment_strategy=[assignor],
                               enable_auto_commit=False, auto_offset_reset="earliest",
                               heartbeat_interval_ms=200, session_timeout_ms=10000)
                 for i in range(members)]
    # A leader that has no metadata for the topic yet assigns nothing; learn
    # the partitions first so that the first generation is the one checked.
    for c in consumers:
        expect(c.partitions_for_topic(name) == set(range(partitions)), f"partitions of {name}")
        c.subscribe([name])
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        for c in consumers:
            c.poll(timeout_ms=100)
        assigned = [c.assignment() for c in consumers]
        total = sum(len(a) for a in assigned)
        if all(assigned) and total == partitions and len(set().union(*assigned)) == partitions:
            return consumers, assigned
    for c in consumers:
        c.close()
    raise AssertionError(f"group {group} never settled: {[c.assignment() for c in consumers]}")


ASSIGNORS = [("range", RangePartitionAssignor), ("roundrobin", RoundRobinPartitionAssignor),
             ("sticky", StickyPartitionAssignor), ("cooperative_sticky", CooperativeStickyAssignor)]

group_topic = topic("groups")
create(group_topic, partitions=4)

for assignor_name, assignor in ASSIGNORS:
    @check("group_assignor_" + assignor_name)
    def _(assignor_name=assignor_name, assignor=assignor):
        group = f"py-{assignor_name}-{RUN}"
        consumers, assigned = group_assignments(group_topic, group, assignor)
        try:
            parts = [sorted(tp.partition for tp in a) for a in assigned]
            if assignor_name == "range":
                # Range gives each member a contiguous run, in member-id order.
                expect(sorted(parts) == [[0, 1], [2, 3]], f"range assignment {parts}")
            elif assignor_name == "roundrobin":
                expect(sorted(parts) == [[0, 2], [1, 3]], f"roundrobin assignment {parts}")
            else:
                expect(sorted(len(p) for p in parts) == [2, 2], f"{assignor_name} assignment {parts}")
            described = admin.describe_groups([group])[group]
            expect(described["group_state"] == "Stable", f"state {described['group_state']}")
            expect(described["protocol_data"] == assignor.name, f"protocol {described['protocol_data']}, want {assignor.name}")
            expect(len(described["members"]) == 2, f"members {described['members']}")
        finally:
            for c in consumers:
                c.close()


@check("group_commit_resume")
def _():
    name = topic("commit")
    create(name)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    for i in range(10):
        producer.send(name, value=b"c%d" % i, partition=0)
    producer.flush()
    producer.close()
    tp = TopicPartition(name, 0)
    group = f"py-commit-{RUN}"
    first = KafkaConsumer(name, bootstrap_servers=BOOTSTRAP, group_id=group,
                          enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 10 and time.monotonic() < deadline:
            for records in first.poll(timeout_ms=200).values():
                got.extend(records)
        expect([r.offset for r in got] == list(range(10)), f"first read {[r.offset for r in got]}")
        # Commit after the sixth record only: the next member resumes at 6.
        first.commit({tp: OffsetAndMetadata(6, "six", -1)})
        expect(first.committed(tp) == 6, f"committed {first.committed(tp)}")
    finally:
        first.close()
    offsets = admin.list_group_offsets({group: None})[group]
    expect(offsets[tp].offset == 6 and offsets[tp].metadata == "six", f"admin offsets {offsets}")
    second = KafkaConsumer(name, bootstrap_servers=BOOTSTRAP, group_id=group,
                           enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 4 and time.monotonic() < deadline:
            for records in second.poll(timeout_ms=200).values():
                got.extend(records)
        expect([(r.offset, r.value) for r in got] == [(i, b"c%d" % i) for i in range(6, 10)],
               f"resumed at {[(r.offset, r.value) for r in got]}")
    finally:
        second.close()
    listed = {g["group_id"] for g in admin.list_groups()}
    expect(group in listed, f"list_groups {listed}")
    admin.delete_groups([group])
    listed = {g["group_id"] for g in admin.list_groups()}
    expect(group not in listed, f"deleted group still listed: {listed}")


@check("admin_describe_alter_configs")
def _():
    name = topic("configs")
    create(name, configs={"retention.ms": "3600000"})
    resource = ConfigResource(ConfigResourceType.TOPIC, name)
    described = admin.describe_configs([resource])
    entries = described["topic"][name]
    expect(entries["retention.ms"]["value"] == "3600000", f"retention.ms {entries.get('retention.ms')}")
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, {"retention.ms": "7200000"})])
    entries = admin.describe_configs([resource])["topic"][name]
    expect(entries["retention.ms"]["value"] == "7200000", f"after alter: {entries.get('retention.ms')}")
    broker = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")], config_filter="all")
    expect(broker["broker"]["1"]["num.partitions"]["value"] == "1", f"num.partitions {broker['broker']['1'].get('num.partitions')}")


@check("admin_delete_topics")
def _():
    name = topic("deleted")
    create(name)
    admin.delete_topics([name])
    deadline = time.monotonic() + DEADLINE_S
    while name in admin.list_topics() and time.monotonic() < deadline:
        time.sleep(0.1)
    expect(name not in admin.list_topics(), "topic still listed after delete_topics")


def transactional(name):
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=topic(name), acks="all")
    producer.init_transactions()
    return producer


def values(records):
    return [r.value for r in records]


@check("txn_commit_abort")
def _():
    name = topic("txn")
    create(name)
    producer = transactional("txn-writer")
    try:
        for batch, commit in (([b"c1", b"c2"], True), ([b"aborted"], False), ([b"c3"], True)):
            producer.begin_transaction()
            for v in batch:
                producer.send(name, value=v, partition=0)
            producer.flush()
            if commit:
                producer.commit_transaction()
            else:
                producer.abort_transaction()
    finally:
        producer.close()
    tp = TopicPartition(name, 0)
    committed = values(consume_all(tp, 3, isolation_level="read_committed"))
    expect(committed == [b"c1", b"c2", b"c3"], f"read_committed {committed}")
    everything = values(consume_all(tp, 4, isolation_level="read_uncommitted"))
    expect(everything == [b"c1", b"c2", b"aborted", b"c3"], f"read_uncommitted {everything}")


@check("txn_zombie_fenced")
def _():
    name = topic("zombie")
    create(name)
    zombie = transactional("zombie-writer")
    try:
        zombie.begin_transaction()
        zombie.send(name, value=b"from-the-zombie", partition=0)
        zombie.flush()
        # The successor's InitProducerId bumps the epoch and aborts the zombie's transaction.
        successor = transactional("zombie-writer")
        try:
            successor.begin_transaction()
            successor.send(name, value=b"from-the-successor", partition=0)
            successor.commit_transaction()
        finally:
            successor.close()
        try:
            zombie.commit_transaction()
        except (kafka.errors.ProducerFencedError, kafka.errors.InvalidProducerEpochError):
            pass
        else:
            raise AssertionError("the zombie committed after its successor's InitProducerId")
    finally:
        zombie.close(timeout=1)
    got = values(consume_all(TopicPartition(name, 0), 1, isolation_level="read_committed"))
    expect(got == [b"from-the-successor"], f"read_committed {got}")


@check("txn_send_offsets")
def _():
    # consume-transform-produce: the output and the group's offsets commit together.
    source, sink = topic("ctp-in"), topic("ctp-out")
    create(source)
    create(sink)
    plain = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    for v in (b"a", b"b", b"c"):
        plain.send(source, value=v, partition=0)
    plain.flush()
    plain.close()
    group = f"py-ctp-{RUN}"
    tp = TopicPartition(source, 0)
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", isolation_level="read_committed")
    producer = transactional("ctp-writer")
    try:
        consumer.assign([tp])
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 3 and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got.extend(records)
        expect(values(got) == [b"a", b"b", b"c"], f"consumed {values(got)}")
        for commit in (False, True):
            producer.begin_transaction()
            for r in got:
                producer.send(sink, value=r.value.upper(), partition=0)
            producer.send_offsets_to_transaction({tp: OffsetAndMetadata(3, "", -1)}, group)
            producer.flush()
            if commit:
                producer.commit_transaction()
            else:
                producer.abort_transaction()
                offsets = admin.list_group_offsets({group: None})[group]
                expect(tp not in offsets or offsets[tp].offset == -1, f"an aborted transaction committed {offsets}")
    finally:
        producer.close()
        consumer.close()
    offsets = admin.list_group_offsets({group: None})[group]
    expect(offsets[tp].offset == 3, f"group offsets after the commit {offsets}")
    # The aborted round holds offsets 0-2 and its marker 3: read_committed skips them.
    out = [(r.offset, r.value) for r in consume_all(TopicPartition(sink, 0), 3, isolation_level="read_committed")]
    expect(out == [(4, b"A"), (5, b"B"), (6, b"C")], f"read_committed output {out}")


admin.close()
print(json.dumps({"version": kafka.__version__}), flush=True)
