package org.gregorkafka.compat.springtx;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.TopicBuilder;

/**
 * A Spring Boot application whose KafkaTemplate is transactional: with
 * spring.kafka.producer.transaction-id-prefix set, Spring Boot builds a
 * KafkaTransactionManager, and a @Transactional method's sends commit when
 * it returns and abort when it throws. The @KafkaListener reads with
 * isolation.level=read_committed, so it sees only committed payments.
 */
@SpringBootApplication
public class PaymentsApp {
    public static final String TOPIC = "payments";

    /** The payments the listener received, for the test to take. */
    public final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    @Bean
    NewTopic payments() {
        // One partition: the listener sees the payments in the order they were sent.
        return TopicBuilder.name(TOPIC).partitions(1).replicas(3).build();
    }

    @KafkaListener(id = "payments-app", topics = TOPIC)
    void onPayment(String payment) {
        received.add(payment);
    }
}
