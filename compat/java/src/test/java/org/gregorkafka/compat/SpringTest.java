package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.gregorkafka.compat.spring.Order;
import org.gregorkafka.compat.spring.OrdersApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.KafkaTemplate;

/** The Spring Boot application of OrdersApp, started against gregor. */
class SpringTest {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ordersFlowAndTheBadOneGoesToTheDeadLetterTopic() throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(OrdersApp.class)
                .web(WebApplicationType.NONE)
                .properties(
                    "spring.main.banner-mode=off",
                    "spring.kafka.bootstrap-servers=" + Gregor.bootstrap(),
                    "spring.kafka.consumer.group-id=orders-app",
                    "spring.kafka.consumer.auto-offset-reset=earliest",
                    "spring.kafka.producer.value-serializer=org.springframework.kafka.support.serializer.JacksonJsonSerializer",
                    "spring.kafka.consumer.value-deserializer=org.springframework.kafka.support.serializer.JacksonJsonDeserializer",
                    "spring.kafka.consumer.properties.spring.json.trusted.packages=org.gregorkafka.compat.spring")
                .run()) {
            OrdersApp app = ctx.getBean(OrdersApp.class);
            @SuppressWarnings("unchecked")
            KafkaTemplate<String, Order> template = ctx.getBean(KafkaTemplate.class);
            List<Order> orders = List.of(new Order("o-1", 2), new Order("o-2", 0), new Order("o-3", 5), new Order("o-4", 1));
            for (Order o : orders) {
                template.send(OrdersApp.TOPIC, o.id(), o).get();
            }

            Set<Order> processed = new HashSet<>();
            while (processed.size() < 3) {
                Order o = app.processed.poll(Gregor.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(o, "processed so far: " + processed);
                processed.add(o);
            }
            assertEquals(Set.of(orders.get(0), orders.get(2), orders.get(3)), processed);

            try (KafkaConsumer<String, String> c = Gregor.consumer(Map.of())) {
                c.assign(c.partitionsFor(OrdersApp.DEAD_LETTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
                ConsumerRecord<String, String> dead = Gregor.pollN(c, 1).get(0);
                assertEquals("o-2", dead.key());
                assertTrue(dead.value().contains("\"quantity\":0"), dead.value());
                Header why = dead.headers().lastHeader("kafka_dlt-exception-message");
                assertNotNull(why, "the dead letter says why");
                assertTrue(new String(why.value(), StandardCharsets.UTF_8).contains("order o-2 has no quantity"));
                assertEquals(OrdersApp.TOPIC,
                    new String(dead.headers().lastHeader("kafka_dlt-original-topic").value(), StandardCharsets.UTF_8));
            }
        }
    }
}
