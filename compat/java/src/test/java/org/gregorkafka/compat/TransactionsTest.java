package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

/**
 * Transactions (KIP-98, KIP-447) through the Java client: commit and abort
 * as read_committed and read_uncommitted consumers see them, a zombie
 * fenced by its successor, consume-transform-produce with the group's
 * offsets in the transaction, and the AdminClient's transaction calls
 * (KIP-664: list, describe, describe producers, abort a hanging
 * transaction, fence producers).
 */
class TransactionsTest {

    static KafkaProducer<String, String> transactional(String id) {
        return Gregor.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id));
    }

    /** Reads partition 0 of topic from the beginning up to its end for the isolation level. */
    static List<String> readAll(String topic, String isolation) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            // For read_committed the end is the last stable offset.
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<String> got = new ArrayList<>();
            long deadline = System.nanoTime() + Gregor.PATIENCE.toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
            }
            assertEquals(end, c.position(tp), isolation + " consumer reached the end of " + tp);
            return got;
        }
    }

    @Test
    void commitAndAbortAsEachIsolationLevelSeesThem() throws Exception {
        String topic = Gregor.createTopic("txn-commit-abort", 1, (short) 3);
        try (KafkaProducer<String, String> p = transactional(Gregor.topicName("txn"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "committed-1"));
            p.send(new ProducerRecord<>(topic, "k", "committed-2"));
            p.commitTransaction();

            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "aborted")).get();
            p.abortTransaction();

            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "committed-3"));
            p.commitTransaction();
        }
        assertEquals(List.of("committed-1", "committed-2", "committed-3"), readAll(topic, "read_committed"));
        assertEquals(List.of("committed-1", "committed-2", "aborted", "committed-3"), readAll(topic, "read_uncommitted"));

        // Three markers take an offset each: 2 records, marker, 1, marker, 1, marker.
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            assertEquals(7L, c.endOffsets(List.of(tp)).get(tp), "last stable offset");
        }
    }

    @Test
    void aZombieIsFencedByItsSuccessor() throws Exception {
        String topic = Gregor.createTopic("txn-zombie", 1, (short) 3);
        String id = Gregor.topicName("txn-zombie");
        try (KafkaProducer<String, String> zombie = transactional(id);
             KafkaProducer<String, String> successor = transactional(id)) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(topic, "k", "from-the-zombie")).get();

            // The successor's InitProducerId bumps the epoch and aborts the zombie's transaction.
            successor.initTransactions();
            successor.beginTransaction();
            successor.send(new ProducerRecord<>(topic, "k", "from-the-successor"));
            successor.commitTransaction();

            KafkaException e = assertThrows(KafkaException.class, zombie::commitTransaction);
            assertTrue(e instanceof ProducerFencedException || e.getCause() instanceof ProducerFencedException,
                "the zombie's commit fails with ProducerFencedException, got " + e);
        }
        assertEquals(List.of("from-the-successor"), readAll(topic, "read_committed"));
        assertEquals(List.of("from-the-zombie", "from-the-successor"), readAll(topic, "read_uncommitted"));
    }

    @Test
    void consumeTransformProduceCommitsTheGroupsOffsetsWithTheOutput() throws Exception {
        String input = Gregor.createTopic("ctp-in", 1, (short) 3);
        String output = Gregor.createTopic("ctp-out", 1, (short) 3);
        String group = Gregor.topicName("ctp-group");
        TopicPartition in = new TopicPartition(input, 0);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (int i = 0; i < 6; i++) {
                p.send(new ProducerRecord<>(input, "k" + i, "order-" + i)).get();
            }
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 3));
             KafkaProducer<String, String> p = transactional(Gregor.topicName("ctp"))) {
            c.subscribe(List.of(input));
            p.initTransactions();

            // The first three records: transformed and written, then the transaction aborted.
            transform(c, p, output, 3);
            p.flush(); // else abortTransaction may drop the batches before they are sent
            p.abortTransaction();
            try (Admin admin = Gregor.admin()) {
                assertNull(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(in),
                    "an aborted transaction commits no offset");
            }
            // Back to the last committed position (none: the beginning), then all six in two transactions.
            c.seekToBeginning(List.of(in));
            transform(c, p, output, 3);
            p.commitTransaction();
            transform(c, p, output, 3);
            p.commitTransaction();
        }
        try (Admin admin = Gregor.admin()) {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(in);
            assertNotNull(committed, "the group's offset committed by the transaction");
            assertEquals(6L, committed.offset());
        }
        assertEquals(List.of("ORDER-0", "ORDER-1", "ORDER-2", "ORDER-3", "ORDER-4", "ORDER-5"), readAll(output, "read_committed"));
        assertEquals(9, readAll(output, "read_uncommitted").size(), "the aborted three are in the log");
    }

    /** Polls n records, writes each upper-cased to output and adds the group's next offsets, in one open transaction. */
    private static void transform(KafkaConsumer<String, String> c, KafkaProducer<String, String> p, String output, int n) {
        p.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        int got = 0;
        long deadline = System.nanoTime() + Gregor.PATIENCE.toNanos();
        while (got < n && System.nanoTime() < deadline) {
            ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, String> r : records) {
                p.send(new ProducerRecord<>(output, r.key(), r.value().toUpperCase()));
                next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                got++;
            }
        }
        assertEquals(n, got, "records polled (max.poll.records=" + n + ")");
        p.sendOffsetsToTransaction(next, c.groupMetadata());
    }

    @Test
    void adminListsDescribesAndAbortsAHangingTransaction() throws Exception {
        String topic = Gregor.createTopic("txn-admin", 1, (short) 3);
        String id = Gregor.topicName("txn-admin");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Gregor.admin();
             KafkaProducer<String, String> p = transactional(id)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "hanging")).get();

            Map<String, TransactionListing> listed = admin.listTransactions(
                    new ListTransactionsOptions().filterStates(Set.of(TransactionState.ONGOING)))
                .all().get().stream().collect(Collectors.toMap(TransactionListing::transactionalId, l -> l));
            assertTrue(listed.containsKey(id), "ongoing transactions " + listed.keySet());
            assertEquals(TransactionState.ONGOING, listed.get(id).state());

            TransactionDescription d = admin.describeTransactions(List.of(id)).description(id).get();
            assertEquals(TransactionState.ONGOING, d.state());
            assertEquals(Set.of(tp), d.topicPartitions());
            assertEquals(listed.get(id).producerId(), d.producerId());
            assertTrue(d.transactionStartTimeMs().isPresent(), "an ongoing transaction has a start time");

            List<ProducerState> producers = admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers();
            assertEquals(1, producers.size(), "active producers " + producers);
            ProducerState ps = producers.get(0);
            assertEquals(d.producerId(), ps.producerId());
            assertEquals(d.producerEpoch(), ps.producerEpoch());
            assertEquals(0L, ps.currentTransactionStartOffset().orElse(-1L), "the open transaction starts at offset 0");
            assertEquals(0, ps.lastSequence());

            // kafka-transactions.sh abort: an ABORT marker written straight to the partition.
            admin.abortTransaction(new AbortTransactionSpec(tp, ps.producerId(), (short) ps.producerEpoch(),
                ps.coordinatorEpoch().orElse(0))).all().get();
            ProducerState after = admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().get(0);
            assertFalse(after.currentTransactionStartOffset().isPresent(), "no open transaction after the abort: " + after);
            try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                assertEquals(2L, c.endOffsets(List.of(tp)).get(tp), "the last stable offset passed the record and its marker");
            }
            assertEquals(List.of(), readAll(topic, "read_committed"));
        }
    }

    @Test
    void adminFencesProducers() throws Exception {
        String topic = Gregor.createTopic("txn-fence", 1, (short) 3);
        String id = Gregor.topicName("txn-fence");
        try (Admin admin = Gregor.admin();
             KafkaProducer<String, String> p = transactional(id)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k", "fenced")).get();
            int epoch = admin.describeTransactions(List.of(id)).description(id).get().producerEpoch();

            admin.fenceProducers(List.of(id)).all().get();

            TransactionDescription d = admin.describeTransactions(List.of(id)).description(id).get();
            assertTrue(d.producerEpoch() > epoch, "fencing bumped the epoch from " + epoch + " to " + d.producerEpoch());
            KafkaException e = assertThrows(KafkaException.class, p::commitTransaction);
            assertTrue(e instanceof ProducerFencedException || e.getCause() instanceof ProducerFencedException,
                "the fenced producer's commit fails with ProducerFencedException, got " + e);
        }
        assertEquals(List.of(), readAll(topic, "read_committed"));
        ExecutionException unknown = assertThrows(ExecutionException.class, () -> {
            try (Admin admin = Gregor.admin()) {
                admin.describeTransactions(List.of(Gregor.topicName("no-such-txn"))).all().get();
            }
        });
        assertInstanceOf(org.apache.kafka.common.errors.TransactionalIdNotFoundException.class, unknown.getCause());
    }
}
