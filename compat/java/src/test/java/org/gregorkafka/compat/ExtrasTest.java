package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Headers, null keys, message.max.bytes, pattern subscription, offsets set by an admin. */
class ExtrasTest {

    @Test
    void headersAndNullKeysRoundTrip() throws Exception {
        String topic = Gregor.createTopic("headers", 1, (short) 1);
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));
        headers.add("empty", new byte[0]);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            p.send(new ProducerRecord<>(topic, 0, null, null, "no key", headers)).get();
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of())) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            ConsumerRecord<String, String> r = Gregor.pollN(c, 1).get(0);
            assertNull(r.key());
            assertEquals("no key", r.value());
            assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), r.headers().lastHeader("trace-id").value());
            assertEquals(0, r.headers().lastHeader("empty").value().length);
        }
    }

    /** A batch over the broker's message.max.bytes (1 MiB by default) is refused with MESSAGE_TOO_LARGE. */
    @Test
    void aRecordOverMessageMaxBytesIsRefused() throws Exception {
        String topic = Gregor.createTopic("too-large", 1, (short) 1);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> p.send(new ProducerRecord<>(topic, "k", "x".repeat(2 << 20))).get());
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            // The producer goes on: a record under the limit still lands.
            assertEquals(0, p.send(new ProducerRecord<>(topic, "k", "x".repeat(512 << 10))).get().offset());
        }
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void patternSubscription(String protocol) throws Exception {
        String prefix = Gregor.topicName("pattern-" + protocol);
        try (Admin admin = Gregor.admin()) {
            admin.createTopics(List.of(
                new NewTopic(prefix + ".a", 1, (short) 1),
                new NewTopic(prefix + ".b", 1, (short) 1),
                new NewTopic(prefix + "-other", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (String t : List.of(prefix + ".a", prefix + ".b", prefix + "-other")) {
                p.send(new ProducerRecord<>(t, "k", t)).get();
            }
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, prefix,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500))) {
            c.subscribe(Pattern.compile(Pattern.quote(prefix) + "\\..*"));
            Set<String> values = new HashSet<>();
            for (ConsumerRecord<String, String> r : Gregor.pollN(c, 2)) {
                values.add(r.value());
            }
            assertEquals(Set.of(prefix + ".a", prefix + ".b"), values);
            assertTrue(c.poll(Duration.ofMillis(300)).isEmpty(), "nothing from " + prefix + "-other");
        }
    }

    /** KIP-848's server-side regular expression (RE2/J), which only the consumer protocol has. */
    @Test
    void serverSidePatternSubscription() throws Exception {
        String prefix = Gregor.topicName("re2j");
        try (Admin admin = Gregor.admin()) {
            admin.createTopics(List.of(
                new NewTopic(prefix + ".a", 1, (short) 1),
                new NewTopic(prefix + "-other", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (String t : List.of(prefix + ".a", prefix + "-other")) {
                p.send(new ProducerRecord<>(t, "k", t)).get();
            }
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, prefix,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"))) {
            c.subscribe(new SubscriptionPattern(prefix.replace("-", "\\-") + "\\..*"));
            assertEquals(prefix + ".a", Gregor.pollN(c, 1).get(0).value());
            assertTrue(c.poll(Duration.ofMillis(300)).isEmpty(), "nothing from " + prefix + "-other");
        }
    }

    @Test
    void offsetsSetByAnAdminAndMaxTimestamp() throws Exception {
        String topic = Gregor.createTopic("admin-offsets", 1, (short) 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (long ts : new long[] {5000, 9000, 7000}) {
                p.send(new ProducerRecord<>(topic, 0, ts, "k", "at " + ts)).get();
            }
        }
        String group = Gregor.topicName("admin-offsets");
        try (Admin admin = Gregor.admin()) {
            ListOffsetsResultInfo max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp).get();
            assertEquals(1, max.offset());
            assertEquals(9000, max.timestamp());
            assertEquals(3, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset());

            admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(2, "set by hand"))).all().get();
            OffsetAndMetadata om = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
            assertEquals(2, om.offset());
            assertEquals("set by hand", om.metadata());
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            c.subscribe(List.of(topic));
            assertEquals("at 7000", Gregor.pollN(c, 1).get(0).value());
        }
    }
}
