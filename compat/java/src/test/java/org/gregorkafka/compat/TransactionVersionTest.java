package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.junit.jupiter.api.Test;

/**
 * The Java producer's two transaction protocols against gregor: transaction
 * version 2 (KIP-890 part 2, what the cluster is formatted with), where every
 * commit and abort bumps the producer epoch, and transaction version 1, after
 * the Admin client downgrades the {@code transaction.version} feature, where
 * the epoch stays. Both commit and abort, and a read_committed consumer sees
 * only the committed records.
 */
class TransactionVersionTest {

    private static short finalizedTransactionVersion(Admin admin) throws Exception {
        FinalizedVersionRange r = admin.describeFeatures().featureMetadata().get()
                .finalizedFeatures().get("transaction.version");
        return r == null ? 0 : r.maxVersionLevel();
    }

    private static void setTransactionVersion(Admin admin, short level, FeatureUpdate.UpgradeType type) throws Exception {
        admin.updateFeatures(Map.of("transaction.version", new FeatureUpdate(level, type)),
                new UpdateFeaturesOptions()).all().get();
    }

    /** Commits, aborts and commits again; returns the producer epoch the coordinator then holds. */
    private static short commitAbortCommit(String topic, String txnId) throws Exception {
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, 0, "k", "c1"));
            p.send(new ProducerRecord<>(topic, 1, "k", "c2"));
            p.commitTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, 0, "k", "a1"));
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, 0, "k", "c3"));
            p.commitTransaction();
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.GROUP_ID_CONFIG, Gregor.topicName("tv-reader")))) {
            c.subscribe(List.of(topic));
            List<String> got = Gregor.pollN(c, 3).stream().map(ConsumerRecord::value).sorted().toList();
            assertEquals(List.of("c1", "c2", "c3"), got, "read_committed records");
        }
        try (Admin admin = Gregor.admin()) {
            TransactionDescription d = admin.describeTransactions(List.of(txnId)).description(txnId).get();
            return (short) d.producerEpoch();
        }
    }

    @Test
    void transactionVersion2BumpsTheEpochOnEveryEndTxn() throws Exception {
        try (Admin admin = Gregor.admin()) {
            assertEquals(2, finalizedTransactionVersion(admin), "transaction.version a new cluster finalizes");
        }
        String topic = Gregor.createTopic("tv2", 2, (short) 3);
        // InitProducerId gives epoch 0; commit, abort, commit bump it to 3.
        assertEquals(3, commitAbortCommit(topic, Gregor.topicName("tv2-txn")), "producer epoch after three transactions");
    }

    @Test
    void transactionVersion1KeepsTheEpoch() throws Exception {
        try (Admin admin = Gregor.admin()) {
            setTransactionVersion(admin, (short) 1, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE);
            try {
                assertEquals(1, finalizedTransactionVersion(admin), "transaction.version after the downgrade");
                String topic = Gregor.createTopic("tv1", 2, (short) 3);
                assertEquals(0, commitAbortCommit(topic, Gregor.topicName("tv1-txn")), "producer epoch after three transactions");
            } finally {
                setTransactionVersion(admin, (short) 2, FeatureUpdate.UpgradeType.UPGRADE);
            }
        }
    }

    @Test
    void updateFeaturesRefusesAnUnsupportedLevel() throws Exception {
        try (Admin admin = Gregor.admin()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> setTransactionVersion(admin, (short) 3, FeatureUpdate.UpgradeType.UPGRADE));
            assertEquals(InvalidUpdateVersionException.class, e.getCause().getClass(), e.toString());
            assertEquals(2, finalizedTransactionVersion(admin), "transaction.version after a refused update");
        }
    }
}
