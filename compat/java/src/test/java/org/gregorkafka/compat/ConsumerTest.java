package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Java consumer: assign, seek, offsetsForTimes, groups of both protocols, commits. */
class ConsumerTest {
    static final int PARTITIONS = 3;
    static final int PER_PARTITION = 10;

    /** A topic with PER_PARTITION records in each partition, value "p-i", timestamps 1000*(i+1). */
    private static String filledTopic(String prefix) throws Exception {
        String topic = Gregor.createTopic(prefix, PARTITIONS, (short) 3);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (int part = 0; part < PARTITIONS; part++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    p.send(new ProducerRecord<>(topic, part, 1000L * (i + 1), "k", part + "-" + i)).get();
                }
            }
        }
        return topic;
    }

    @Test
    void assignSeekAndOffsetsForTimes() throws Exception {
        String topic = filledTopic("assign");
        TopicPartition tp = new TopicPartition(topic, 1);
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of())) {
            c.assign(List.of(tp));
            assertEquals(0L, c.beginningOffsets(List.of(tp)).get(tp));
            assertEquals((long) PER_PARTITION, c.endOffsets(List.of(tp)).get(tp));

            c.seek(tp, 7);
            List<ConsumerRecord<String, String>> got = Gregor.pollN(c, PER_PARTITION - 7);
            assertEquals("1-7", got.get(0).value());
            assertEquals(7, got.get(0).offset());
            assertEquals(1000L * 8, got.get(0).timestamp());

            // The first record whose timestamp is at or after 4500 is the fifth (offset 4, ts 5000).
            Map<TopicPartition, OffsetAndTimestamp> byTime = c.offsetsForTimes(Map.of(tp, 4500L));
            assertEquals(4, byTime.get(tp).offset());
            assertEquals(5000L, byTime.get(tp).timestamp());
            // Past the last timestamp there is no such record.
            assertNull(c.offsetsForTimes(Map.of(tp, 999_999L)).get(tp));

            c.seekToBeginning(List.of(tp));
            assertEquals(0, c.position(tp));
            c.seekToEnd(List.of(tp));
            assertEquals(PER_PARTITION, c.position(tp));
        }
    }

    /** One consumer per assignor (classic protocol) or server-side assignor (consumer protocol). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "classic:range", "classic:roundrobin", "classic:sticky", "classic:cooperative-sticky",
        "consumer:uniform", "consumer:range"})
    void subscribeAndCommit(String protocolAndAssignor) throws Exception {
        String[] pa = protocolAndAssignor.split(":");
        String topic = filledTopic("sub-" + pa[0] + "-" + pa[1]);
        String group = Gregor.topicName("group-" + pa[0] + "-" + pa[1]);
        Map<String, Object> cfg = groupConfig(pa[0], pa[1], group);
        cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);

        // Two members share the three partitions; together they read everything once.
        try (KafkaConsumer<String, String> a = Gregor.consumer(cfg);
             KafkaConsumer<String, String> b = Gregor.consumer(cfg)) {
            a.subscribe(List.of(topic));
            b.subscribe(List.of(topic));
            // Poll both until the partitions are split between them and each has read its own to the end.
            Set<String> values = new HashSet<>();
            long deadline = System.nanoTime() + Gregor.PATIENCE.toNanos();
            while (!(splitAndCaughtUp(a, b)) && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                b.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
            }
            assertEquals(PARTITIONS * PER_PARTITION, values.size(), "distinct records consumed by the group");
            Set<TopicPartition> all = new HashSet<>(a.assignment());
            all.addAll(b.assignment());
            assertEquals(PARTITIONS, all.size(), "a=" + a.assignment() + " b=" + b.assignment());
            assertEquals(PARTITIONS, a.assignment().size() + b.assignment().size(), "no partition owned twice");
            a.commitSync();
            b.commitSync();
        }
        try (Admin admin = Gregor.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            for (int part = 0; part < PARTITIONS; part++) {
                OffsetAndMetadata om = committed.get(new TopicPartition(topic, part));
                assertNotNull(om, "committed offset of partition " + part);
                assertEquals(PER_PARTITION, om.offset());
            }
        }
    }

    private static boolean splitAndCaughtUp(KafkaConsumer<String, String> a, KafkaConsumer<String, String> b) {
        if (a.assignment().isEmpty() || b.assignment().isEmpty()
                || a.assignment().size() + b.assignment().size() != PARTITIONS) {
            return false;
        }
        for (KafkaConsumer<String, String> c : List.of(a, b)) {
            for (TopicPartition tp : c.assignment()) {
                if (c.position(tp, Gregor.PATIENCE) != PER_PARTITION) {
                    return false;
                }
            }
        }
        return true;
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void autoCommitAndResume(String protocol) throws Exception {
        String topic = filledTopic("auto-" + protocol);
        String group = Gregor.topicName("auto-" + protocol);
        Map<String, Object> cfg = groupConfig(protocol, null, group);
        cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        cfg.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 100);
        try (KafkaConsumer<String, String> c = Gregor.consumer(cfg)) {
            c.subscribe(List.of(topic));
            Gregor.pollN(c, PARTITIONS * PER_PARTITION);
        } // close commits what was consumed
        // More records, then a new member of the same group starts where the first stopped.
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            p.send(new ProducerRecord<>(topic, 0, "k", "after")).get();
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(cfg)) {
            c.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> got = Gregor.pollN(c, 1);
            assertEquals("after", got.get(0).value());
            assertEquals(PER_PARTITION, got.get(0).offset());
        }
    }

    /** A static member (group.instance.id) that leaves and comes back keeps its partitions. */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void staticMembership(String protocol) throws Exception {
        String topic = filledTopic("static-" + protocol);
        String group = Gregor.topicName("static-" + protocol);
        Map<String, Object> cfg = groupConfig(protocol, null, group);
        cfg.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-1");
        Set<TopicPartition> first;
        try (KafkaConsumer<String, String> c = Gregor.consumer(cfg)) {
            c.subscribe(List.of(topic));
            Gregor.pollN(c, PARTITIONS * PER_PARTITION);
            first = new HashSet<>(c.assignment());
            c.commitSync();
        }
        assertEquals(PARTITIONS, first.size());
        try (Admin admin = Gregor.admin()) {
            var desc = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertEquals(group, desc.groupId());
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(cfg)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Gregor.PATIENCE.toNanos();
            while (c.assignment().isEmpty() && System.nanoTime() < deadline) {
                assertTrue(c.poll(Duration.ofMillis(100)).isEmpty(), "nothing left to read");
            }
            assertEquals(first, c.assignment());
        }
    }

    private static Map<String, Object> groupConfig(String protocol, String assignor, String group) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        cfg.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        if (assignor != null && protocol.equals("classic")) {
            String cls = switch (assignor) {
                case "range" -> "org.apache.kafka.clients.consumer.RangeAssignor";
                case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
                case "sticky" -> "org.apache.kafka.clients.consumer.StickyAssignor";
                case "cooperative-sticky" -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
                default -> throw new IllegalArgumentException(assignor);
            };
            cfg.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, cls);
        } else if (assignor != null) {
            cfg.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, assignor);
        }
        return cfg;
    }
}
