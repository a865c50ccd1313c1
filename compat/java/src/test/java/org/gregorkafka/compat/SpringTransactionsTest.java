package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gregorkafka.compat.springtx.PaymentService;
import org.gregorkafka.compat.springtx.PaymentsApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.transaction.KafkaTransactionManager;

/** PaymentsApp: a @Transactional KafkaTemplate and a read_committed @KafkaListener. */
class SpringTransactionsTest {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aRolledBackTransactionIsInvisibleToTheListener() throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(PaymentsApp.class)
                .web(WebApplicationType.NONE)
                .properties(
                    "spring.main.banner-mode=off",
                    "spring.kafka.bootstrap-servers=" + Gregor.bootstrap(),
                    "spring.kafka.producer.transaction-id-prefix=payments-tx-",
                    "spring.kafka.consumer.group-id=payments-app",
                    "spring.kafka.consumer.auto-offset-reset=earliest",
                    "spring.kafka.consumer.isolation-level=read-committed")
                .run()) {
            assertNotNull(ctx.getBean(KafkaTransactionManager.class), "Spring Boot made a KafkaTransactionManager");
            PaymentService payments = ctx.getBean(PaymentService.class);
            PaymentsApp app = ctx.getBean(PaymentsApp.class);

            payments.pay("p-1");
            IllegalStateException failed = assertThrows(IllegalStateException.class, () -> payments.payAndFail("p-2"));
            assertTrue(failed.getMessage().contains("p-2"));
            payments.pay("p-3");

            // The listener's fourth record is p-3's last: the rolled-back debit of p-2, written before it, never came.
            List<String> got = new ArrayList<>();
            while (got.size() < 4) {
                String p = app.received.poll(Gregor.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(p, "received so far: " + got);
                got.add(p);
            }
            assertEquals(List.of("p-1:debited", "p-1:credited", "p-3:debited", "p-3:credited"), got);
            assertEquals(0, app.received.size(), "nothing after p-3: " + app.received);
        }
        // The rolled-back debit is in the log all the same, between the two transactions.
        assertEquals(List.of("p-1:debited", "p-1:credited", "p-2:debited", "p-3:debited", "p-3:credited"),
            TransactionsTest.readAll(PaymentsApp.TOPIC, "read_uncommitted"));
    }
}
