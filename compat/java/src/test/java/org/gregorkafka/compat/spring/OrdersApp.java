package org.gregorkafka.compat.spring;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * A Spring Boot application as a Kafka course writes one: a KafkaTemplate
 * sends orders as JSON, a @KafkaListener in the consumer group "orders-app"
 * takes them, and an order it cannot process goes, after one retry, to the
 * dead-letter topic orders-dlt.
 */
@SpringBootApplication
public class OrdersApp {
    public static final String TOPIC = "orders";
    /** The topic DeadLetterPublishingRecoverer picks by default: the "-dlt" suffix since spring-kafka 4.0. */
    public static final String DEAD_LETTERS = "orders-dlt";

    /** The orders the listener processed, for the test to take. */
    public final BlockingQueue<Order> processed = new LinkedBlockingQueue<>();

    @Bean
    NewTopic orders() {
        return TopicBuilder.name(TOPIC).partitions(3).replicas(3).build();
    }

    @Bean
    NewTopic deadLetters() {
        return TopicBuilder.name(DEAD_LETTERS).partitions(3).replicas(3).build();
    }

    /** Spring Boot gives this handler to the listener containers it builds. */
    @Bean
    DefaultErrorHandler errorHandler(KafkaTemplate<Object, Object> template) {
        return new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template), new FixedBackOff(0L, 1L));
    }

    @KafkaListener(id = "orders-app", topics = TOPIC)
    void onOrder(Order order) {
        if (order.quantity() <= 0) {
            throw new IllegalArgumentException("order " + order.id() + " has no quantity");
        }
        processed.add(order);
    }
}
