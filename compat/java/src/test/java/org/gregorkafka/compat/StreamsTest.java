package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams application: a count per key, kept in a state store, whose
 * output topic holds the latest count of each key; at_least_once, and
 * exactly_once_v2 (KIP-447), where each task's output, changelog writes and
 * input offsets commit in one transaction and the output is read
 * read_committed.
 */
class StreamsTest {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void keyedCountWithAStateStore(@TempDir Path stateDir) throws Exception {
        keyedCount(stateDir, StreamsConfig.AT_LEAST_ONCE, "read_uncommitted");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void keyedCountExactlyOnceV2(@TempDir Path stateDir) throws Exception {
        keyedCount(stateDir, StreamsConfig.EXACTLY_ONCE_V2, "read_committed");
    }

    private static void keyedCount(Path stateDir, String guarantee, String isolation) throws Exception {
        String input = Gregor.createTopic("streams-in", 3, (short) 3);
        String output = Gregor.createTopic("streams-out", 3, (short) 3);
        Map<String, Long> want = Map.of("alice", 3L, "bob", 2L, "carol", 1L);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (String user : List.of("alice", "bob", "alice", "carol", "bob", "alice")) {
                p.send(new ProducerRecord<>(input, user, "click")).get();
            }
        }

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
            .groupByKey()
            .count(Materialized.as("clicks-per-user"))
            .toStream()
            .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        String appID = Gregor.topicName("clicks");
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, Gregor.bootstrap());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // No record cache: every update of a count goes to the output topic.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

        Map<String, Long> latest = new HashMap<>();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             KafkaConsumer<String, Long> c = new KafkaConsumer<>(Map.of(
                 ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Gregor.bootstrap(),
                 ConsumerConfig.GROUP_ID_CONFIG, Gregor.topicName("streams-reader"),
                 ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                 ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation),
                 Serdes.String().deserializer(), new LongDeserializer())) {
            streams.start();
            c.subscribe(List.of(output));
            long deadline = System.nanoTime() + Gregor.PATIENCE.toNanos() * 2;
            while (!latest.equals(want) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> latest.put(r.key(), r.value()));
            }
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
            if (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
                // The stream thread's producer is transactional: its id is the application id, the process and the thread.
                try (Admin admin = Gregor.admin()) {
                    List<String> ids = admin.listTransactions().all().get().stream().map(TransactionListing::transactionalId).toList();
                    assertTrue(ids.stream().anyMatch(id -> id.startsWith(appID + "-")), "transactional ids " + ids);
                }
            }
        }
        assertEquals(want, latest, guarantee + ": latest count per key in " + output + ", read " + isolation);
    }
}
