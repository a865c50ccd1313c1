package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** The AdminClient calls a Kafka course uses. */
class AdminTest {

    @Test
    void createDescribeDeleteTopics() throws Exception {
        String topic = Gregor.topicName("admin-topic");
        try (Admin admin = Gregor.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3)
                .configs(Map.of("retention.ms", "3600000")))).all().get();
            ExecutionException dup = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3))).all().get());
            assertInstanceOf(TopicExistsException.class, dup.getCause());

            assertTrue(admin.listTopics().names().get().contains(topic));
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertEquals(3, d.partitions().size());
            d.partitions().forEach(p -> {
                assertEquals(3, p.replicas().size(), "replicas of " + p);
                assertEquals(3, p.isr().size(), "isr of " + p);
                assertEquals(p.replicas().get(0), p.leader(), "preferred leader leads " + p);
            });

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
            d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertEquals(5, d.partitions().size());

            admin.deleteTopics(List.of(topic)).all().get();
            assertFalse(admin.listTopics().names().get().contains(topic));
            ExecutionException gone = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of(topic)).allTopicNames().get());
            assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
        }
    }

    @Test
    void describeAndAlterTopicConfigs() throws Exception {
        String topic = Gregor.createTopic("admin-config", 1, (short) 1);
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Gregor.admin()) {
            Config before = admin.describeConfigs(List.of(res)).all().get().get(res);
            ConfigEntry cleanup = before.get("cleanup.policy");
            assertEquals("delete", cleanup.value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, cleanup.source());

            admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "60000"), AlterConfigOp.OpType.SET))))
                .all().get();
            ConfigEntry retention = admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms");
            assertEquals("60000", retention.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());

            admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE))))
                .all().get();
            retention = admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms");
            assertEquals("604800000", retention.value());
        }
    }

    @Test
    void describeBrokerConfigs() throws Exception {
        try (Admin admin = Gregor.admin()) {
            ConfigResource b1 = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config c = admin.describeConfigs(List.of(b1)).all().get().get(b1);
            assertEquals("1", c.get("default.replication.factor").value());
            assertEquals(3, admin.describeCluster().nodes().get().size());
        }
    }

    @Test
    void consumerGroupsAndTheirOffsets() throws Exception {
        String topic = Gregor.createTopic("admin-group", 2, (short) 1);
        String group = Gregor.topicName("admin-group");
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>(topic, i % 2, "k", "v" + i)).get();
            }
        }
        try (Admin admin = Gregor.admin()) {
            try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of(
                    ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
                c.subscribe(List.of(topic));
                Gregor.pollN(c, 5);
                c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(2)));

                Collection<GroupListing> groups = admin.listGroups().all().get();
                assertTrue(groups.stream().anyMatch(g -> g.groupId().equals(group)), "listed: " + groups);
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                assertEquals(GroupState.STABLE, d.groupState());
                assertEquals(1, d.members().size());
                Set<TopicPartition> owned = d.members().iterator().next().assignment().topicPartitions();
                assertEquals(Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)), owned);
            }
            Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertEquals(2, offsets.get(new TopicPartition(topic, 0)).offset());
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertEquals(GroupState.EMPTY, d.groupState());
            admin.deleteConsumerGroups(List.of(group)).all().get();
            assertFalse(admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals(group)));
        }
    }

    @Test
    void deleteRecords() throws Exception {
        String topic = Gregor.createTopic("admin-delete", 1, (short) 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> p = Gregor.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>(topic, 0, "k", "v" + i)).get();
            }
        }
        try (Admin admin = Gregor.admin()) {
            var lowWatermark = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4)))
                .lowWatermarks().get(tp).get().lowWatermark();
            assertEquals(4, lowWatermark);
        }
        try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of())) {
            c.assign(List.of(tp));
            assertEquals(4L, c.beginningOffsets(List.of(tp)).get(tp));
            assertEquals("v4", Gregor.pollN(c, 6).get(0).value());
        }
    }

    @Test
    void electPreferredLeaders() throws Exception {
        String topic = Gregor.createTopic("admin-elect", 2, (short) 3);
        Set<TopicPartition> parts = Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        try (Admin admin = Gregor.admin()) {
            // The preferred replicas already lead, so Kafka answers ELECTION_NOT_NEEDED for each.
            var result = admin.electLeaders(ElectionType.PREFERRED, parts).partitions().get();
            assertEquals(parts, result.keySet());
            Set<String> errors = result.values().stream()
                .map(e -> e.map(x -> x.getClass().getSimpleName()).orElse("none"))
                .collect(Collectors.toSet());
            assertEquals(Set.of("ElectionNotNeededException"), errors);
        }
    }
}
