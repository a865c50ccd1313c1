package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Java producer: acks 0, 1 and all; idempotence; every codec. */
class ProducerTest {
    static final int RECORDS = 200;

    @ParameterizedTest(name = "acks={0}")
    @ValueSource(strings = {"0", "1", "all"})
    void acks(String acks) throws Exception {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProducerConfig.ACKS_CONFIG, acks);
        cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        List<RecordMetadata> md = produceAndCheck("acks" + acks, cfg);
        if (acks.equals("0")) {
            // With acks=0 the producer never hears an offset back.
            md.forEach(m -> assertEquals(-1, m.offset()));
        } else {
            for (int i = 0; i < RECORDS; i++) {
                assertEquals(i, md.get(i).offset(), "offset of record " + i);
            }
        }
    }

    @ParameterizedTest(name = "compression.type={0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void idempotentWithEveryCodec(String codec) throws Exception {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProducerConfig.ACKS_CONFIG, "all");
        cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        cfg.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        List<RecordMetadata> md = produceAndCheck("codec-" + codec, cfg);
        for (int i = 0; i < RECORDS; i++) {
            assertEquals(i, md.get(i).offset(), "offset of record " + i);
        }
    }

    /** Produces RECORDS records to a new one-partition topic, then reads them back in order. */
    private static List<RecordMetadata> produceAndCheck(String prefix, Map<String, Object> cfg) throws Exception {
        String topic = Gregor.createTopic(prefix, 1, (short) 3);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (KafkaProducer<String, String> p = Gregor.producer(cfg)) {
            for (int i = 0; i < RECORDS; i++) {
                futures.add(p.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
            }
            p.flush();
        }
        List<RecordMetadata> md = new ArrayList<>();
        for (Future<RecordMetadata> f : futures) {
            md.add(f.get());
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of())) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            List<ConsumerRecord<String, String>> got = Gregor.pollN(c, RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                ConsumerRecord<String, String> r = got.get(i);
                assertEquals(i, r.offset());
                assertEquals("k" + i, r.key());
                assertEquals("v" + i, r.value());
                assertTrue(r.timestamp() > 0, "timestamp set");
            }
        }
        return md;
    }
}
