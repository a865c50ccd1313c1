"""librdkafka, through confluent-kafka-python, against a gregor cluster.

Run by librdkafka_test.go with the cluster's bootstrap address and the
name of a topic that a franz-go transactional producer has already written
(two committed transactions around an aborted one). Each check prints one
JSON line, {"feature", "ok", "detail"}, as gregor_compat.py does, and the
Go test turns every line into a subtest. librdkafka is the C client behind
kcat and every confluent-kafka binding; unlike kcat it exposes the whole
transactional producer here: init_transactions, begin, commit, abort and
send_offsets_to_transaction.
"""

import json
import sys
import time
import uuid

import confluent_kafka
from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

from checks import DEADLINE_S, RUN, check, expect, report

BOOTSTRAP = sys.argv[1]
FRANZ_TOPIC = sys.argv[2]
def topic(name):
    return f"rdk-{name}-{RUN}"


admin = AdminClient({"bootstrap.servers": BOOTSTRAP})


def create(name, partitions=1):
    for future in admin.create_topics([NewTopic(name, partitions, 3)]).values():
        future.result(DEADLINE_S)
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        t = admin.list_topics(name, timeout=DEADLINE_S).topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions and \
                all(p.leader >= 0 for p in t.partitions.values()):
            return
        time.sleep(0.1)
    raise AssertionError(f"topic {name} did not appear")


def produce(producer, name, values, partition=0, keys=None):
    """Sends values to one partition and returns the offsets the deliveries reported."""
    delivered = {}

    def on_delivery(err, msg):
        if err is not None:
            raise KafkaException(err)
        delivered[msg.value()] = msg.offset()

    for i, v in enumerate(values):
        producer.produce(name, value=v, key=keys[i] if keys else None, partition=partition, on_delivery=on_delivery)
    expect(producer.flush(DEADLINE_S) == 0, "records left unsent after flush")
    return [delivered.get(v) for v in values]


def read_to_end(name, isolation, partition=0):
    """(offset, value) of every record a fresh consumer at `isolation` reads up
    to the partition's end (the LSO for read_committed), in order."""
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"rdk-reader-{uuid.uuid4().hex[:8]}",
                         "isolation.level": isolation, "enable.auto.commit": False,
                         "enable.partition.eof": True})
    try:
        consumer.assign([TopicPartition(name, partition, OFFSET_BEGINNING)])
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    return got
                raise KafkaException(msg.error())
            got.append((msg.offset(), msg.value()))
        raise AssertionError(f"no end of partition within {DEADLINE_S}s; read {got}")
    finally:
        consumer.close()


def transactional(name, **config):
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": topic(name), **config})
    producer.init_transactions(DEADLINE_S)
    return producer


@check("produce_acks_all")
def _():
    name = topic("acks")
    create(name)
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all", "enable.idempotence": False})
    offsets = produce(producer, name, [b"v0", b"v1", b"v2"], keys=[b"k0", b"k1", b"k2"])
    expect(offsets == [0, 1, 2], f"delivery offsets {offsets}")
    got = read_to_end(name, "read_uncommitted")
    expect(got == [(0, b"v0"), (1, b"v1"), (2, b"v2")], f"read back {got}")


@check("produce_idempotent")
def _():
    name = topic("idempotent")
    create(name)
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
    vals = [b"i%d" % i for i in range(20)]
    offsets = produce(producer, name, vals)
    expect(offsets == list(range(20)), f"delivery offsets {offsets}")
    got = read_to_end(name, "read_uncommitted")
    expect(got == list(enumerate(vals)), f"read back {got}")


for codec_name in ("gzip", "snappy", "lz4", "zstd"):
    @check("compression_" + codec_name)
    def _(codec_name=codec_name):
        name = topic("codec-" + codec_name)
        create(name)
        producer = Producer({"bootstrap.servers": BOOTSTRAP, "compression.type": codec_name, "linger.ms": 50})
        vals = [(b"%s-%d " % (codec_name.encode(), i)) * 20 for i in range(10)]
        offsets = produce(producer, name, vals)
        expect(offsets == list(range(10)), f"delivery offsets {offsets}")
        got = read_to_end(name, "read_uncommitted")
        expect(got == list(enumerate(vals)), f"read back {[o for o, _ in got]}")


@check("consume_assign_seek")
def _():
    # Watermarks come from ListOffsets; seek moves an assigned consumer.
    name = topic("seek")
    create(name)
    producer = Producer({"bootstrap.servers": BOOTSTRAP})
    base = 1_700_000_000_000
    produce_at = [(b"t%d" % i, base + 1000 * i) for i in range(5)]
    for v, ts in produce_at:
        producer.produce(name, value=v, partition=0, timestamp=ts)
    expect(producer.flush(DEADLINE_S) == 0, "records left unsent after flush")
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"rdk-seek-{RUN}", "enable.auto.commit": False})
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(name, 0), DEADLINE_S)
        expect((low, high) == (0, 5), f"watermarks {(low, high)}")
        consumer.assign([TopicPartition(name, 0, 4)])
        first = consumer.consume(1, DEADLINE_S)
        expect([(m.offset(), m.value()) for m in first] == [(4, b"t4")], f"at offset 4 {first}")
        consumer.seek(TopicPartition(name, 0, 1))
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 2 and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is not None and not msg.error():
                got.append((msg.offset(), msg.value()))
        expect(got == [(1, b"t1"), (2, b"t2")], f"after seek to 1 {got}")
        # offsets_for_times: the first offset at or after each timestamp.
        found = consumer.offsets_for_times([TopicPartition(name, 0, base + 2500)], DEADLINE_S)
        expect(found[0].offset == 3, f"offsets_for_times {found}")
        late = consumer.offsets_for_times([TopicPartition(name, 0, base + 10_000)], DEADLINE_S)
        expect(late[0].offset == -1, f"offsets_for_times past the end {late}")
    finally:
        consumer.close()


@check("admin_create_delete_topics")
def _():
    name = topic("admin")
    create(name, partitions=3)
    described = admin.list_topics(name, timeout=DEADLINE_S).topics[name]
    parts = sorted(described.partitions.values(), key=lambda p: p.id)
    expect([p.id for p in parts] == [0, 1, 2], f"partitions {parts}")
    for p in parts:
        expect(len(p.replicas) == 3 and p.leader in p.replicas and sorted(p.isrs) == sorted(p.replicas),
               f"partition {p.id}: leader {p.leader}, replicas {p.replicas}, ISR {p.isrs}")
    try:
        admin.create_topics([NewTopic(name, 1, 3)])[name].result(DEADLINE_S)
    except KafkaException as e:
        expect(e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS, f"creating it again: {e}")
    else:
        raise AssertionError("creating an existing topic succeeded")
    admin.delete_topics([name])[name].result(DEADLINE_S)
    deadline = time.monotonic() + DEADLINE_S
    while name in admin.list_topics(timeout=DEADLINE_S).topics and time.monotonic() < deadline:
        time.sleep(0.1)
    expect(name not in admin.list_topics(timeout=DEADLINE_S).topics, "topic still listed after delete_topics")


@check("group_commit_resume")
def _():
    name, group = topic("group"), f"rdk-group-{RUN}"
    create(name, partitions=2)
    producer = Producer({"bootstrap.servers": BOOTSTRAP})
    for p in (0, 1):
        produce(producer, name, [b"p%d-%d" % (p, i) for i in range(4)], partition=p)

    def member():
        return Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest"})

    first = member()
    try:
        first.subscribe([name])
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 6 and time.monotonic() < deadline:
            msg = first.poll(0.2)
            if msg is not None and not msg.error():
                got.append((msg.partition(), msg.offset()))
        expect(len(got) >= 6, f"consumed {got}")
        expect(sorted(tp.partition for tp in first.assignment()) == [0, 1], f"assignment {first.assignment()}")
        # Commit three records of each partition, then leave.
        first.commit(offsets=[TopicPartition(name, 0, 3), TopicPartition(name, 1, 3)], asynchronous=False)
        committed = first.committed([TopicPartition(name, 0), TopicPartition(name, 1)], DEADLINE_S)
        expect([(c.partition, c.offset) for c in committed] == [(0, 3), (1, 3)], f"committed {committed}")
    finally:
        first.close()
    second = member()
    try:
        second.subscribe([name])
        rest = []
        deadline = time.monotonic() + DEADLINE_S
        while len(rest) < 2 and time.monotonic() < deadline:
            msg = second.poll(0.2)
            if msg is not None and not msg.error():
                rest.append((msg.partition(), msg.offset(), msg.value()))
        expect(sorted(rest) == [(0, 3, b"p0-3"), (1, 3, b"p1-3")], f"resumed with {rest}")
    finally:
        second.close()


@check("txn_commit_abort")
def _():
    name = topic("txn")
    create(name)
    producer = transactional("txn-writer")
    for batch, commit in (([b"c1", b"c2"], True), ([b"aborted1", b"aborted2"], False), ([b"c3"], True)):
        producer.begin_transaction()
        produce(producer, name, batch)
        if commit:
            producer.commit_transaction(DEADLINE_S)
        else:
            producer.abort_transaction(DEADLINE_S)
    # Each transaction ends in a control record: c1 c2 | marker 2, the
    # aborted two at 3-4 | marker 5, c3 at 6 | marker 7.
    committed = read_to_end(name, "read_committed")
    expect(committed == [(0, b"c1"), (1, b"c2"), (6, b"c3")], f"read_committed {committed}")
    everything = read_to_end(name, "read_uncommitted")
    expect(everything == [(0, b"c1"), (1, b"c2"), (3, b"aborted1"), (4, b"aborted2"), (6, b"c3")],
           f"read_uncommitted {everything}")


@check("txn_open_hides_from_read_committed")
def _():
    # An open transaction holds the LSO back: read_committed stops before
    # it, read_uncommitted reads it, and the commit releases it.
    name = topic("open")
    create(name)
    producer = transactional("open-writer")
    producer.begin_transaction()
    produce(producer, name, [b"pending"])
    before = read_to_end(name, "read_committed")
    expect(before == [], f"read_committed saw an open transaction: {before}")
    uncommitted = read_to_end(name, "read_uncommitted")
    expect(uncommitted == [(0, b"pending")], f"read_uncommitted {uncommitted}")
    producer.commit_transaction(DEADLINE_S)
    after = read_to_end(name, "read_committed")
    expect(after == [(0, b"pending")], f"read_committed after the commit {after}")


@check("txn_zombie_fenced")
def _():
    name = topic("zombie")
    create(name)
    zombie = transactional("zombie-writer")
    zombie.begin_transaction()
    produce(zombie, name, [b"from-the-zombie"])
    # The successor's InitProducerId bumps the epoch and aborts the zombie's transaction.
    successor = transactional("zombie-writer")
    successor.begin_transaction()
    produce(successor, name, [b"from-the-successor"])
    successor.commit_transaction(DEADLINE_S)
    try:
        zombie.commit_transaction(DEADLINE_S)
    except KafkaException as e:
        err = e.args[0]
        # librdkafka raises its own fatal _FENCED for the broker's
        # PRODUCER_FENCED (or INVALID_PRODUCER_EPOCH from older EndTxn versions).
        expect(err.code() == KafkaError._FENCED and err.fatal(), f"the zombie's commit failed with {err}")
    else:
        raise AssertionError("the zombie committed after its successor's InitProducerId")
    got = read_to_end(name, "read_committed")
    expect(got == [(2, b"from-the-successor")], f"read_committed {got}")
    everything = read_to_end(name, "read_uncommitted")
    expect([v for _, v in everything] == [b"from-the-zombie", b"from-the-successor"], f"read_uncommitted {everything}")


@check("txn_send_offsets")
def _():
    # consume-transform-produce: the output and the group's offsets commit
    # together, under the group metadata of a subscribed consumer (KIP-447).
    source, sink, group = topic("ctp-in"), topic("ctp-out"), f"rdk-ctp-{RUN}"
    create(source)
    create(sink)
    produce(Producer({"bootstrap.servers": BOOTSTRAP}), source, [b"a", b"b", b"c"])
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    producer = transactional("ctp-writer")
    try:
        consumer.subscribe([source])
        got = []
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < 3 and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is not None and not msg.error():
                got.append(msg.value())
        expect(got == [b"a", b"b", b"c"], f"consumed {got}")
        tp = TopicPartition(source, 0)
        for commit in (False, True):
            producer.begin_transaction()
            produce(producer, sink, [v.upper() for v in got])
            producer.send_offsets_to_transaction(consumer.position([tp]), consumer.consumer_group_metadata(),
                                                 DEADLINE_S)
            if commit:
                producer.commit_transaction(DEADLINE_S)
            else:
                producer.abort_transaction(DEADLINE_S)
                offsets = consumer.committed([tp], DEADLINE_S)
                expect(offsets[0].offset < 0, f"an aborted transaction committed {offsets}")
        offsets = consumer.committed([tp], DEADLINE_S)
        expect(offsets[0].offset == 3, f"group offsets after the commit {offsets}")
    finally:
        consumer.close()
    # The aborted round holds offsets 0-2 and its marker 3: read_committed skips them.
    out = read_to_end(sink, "read_committed")
    expect(out == [(4, b"A"), (5, b"B"), (6, b"C")], f"read_committed output {out}")


@check("txn_franz_go_abort_hidden")
def _():
    # Agreement across clients: franz-go wrote c0 c1 (commit), a0 a1
    # (abort), c2 (commit); librdkafka at read_committed must skip exactly
    # what franz-go aborted, from the AbortedTransactions gregor returns.
    committed = read_to_end(FRANZ_TOPIC, "read_committed")
    expect(committed == [(0, b"c0"), (1, b"c1"), (6, b"c2")], f"read_committed {committed}")
    everything = read_to_end(FRANZ_TOPIC, "read_uncommitted")
    expect(everything == [(0, b"c0"), (1, b"c1"), (3, b"a0"), (4, b"a1"), (6, b"c2")],
           f"read_uncommitted {everything}")


# version() is the binding's, libversion() the librdkafka its wheel bundles.
print(json.dumps({"version": "confluent-kafka %s, librdkafka %s" % (confluent_kafka.version(),
                                                                     confluent_kafka.libversion()[0])}),
      flush=True)
