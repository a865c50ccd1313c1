package org.gregorkafka.compat.springtx;

import java.util.concurrent.ExecutionException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Sends payments inside transactions that the KafkaTransactionManager begins and ends. */
@Service
public class PaymentService {
    private final KafkaTemplate<String, String> template;

    public PaymentService(KafkaTemplate<String, String> template) {
        this.template = template;
    }

    /** Both records commit together when the method returns. */
    @Transactional
    public void pay(String id) throws ExecutionException, InterruptedException {
        template.send(PaymentsApp.TOPIC, id, id + ":debited").get();
        template.send(PaymentsApp.TOPIC, id, id + ":credited").get();
    }

    /** The first record is written (the send is acknowledged), then the method throws: the transaction rolls back. */
    @Transactional
    public void payAndFail(String id) throws ExecutionException, InterruptedException {
        template.send(PaymentsApp.TOPIC, id, id + ":debited").get();
        throw new IllegalStateException("payment " + id + " failed after its debit was sent");
    }
}
