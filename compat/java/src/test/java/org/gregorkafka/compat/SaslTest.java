package org.gregorkafka.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java client's SASL against gregor's SASL_PLAINTEXT and SASL_SSL
 * listeners, as compat/java/sasl_test.go starts them: PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER with Kafka's unsecured
 * tokens, the TLS listener trusted through a PEM truststore (the CA the
 * broker generated). The listeners come in the system properties
 * gregor.sasl.plaintext, gregor.sasl.ssl and gregor.sasl.ca; without them
 * every test skips, and the plain {@code mvn test} run leaves this class
 * out (pom.xml).
 */
class SaslTest {
    static final String USER = "alice";
    static final String PASSWORD = "alice-secret";

    static String property(String name) {
        String v = System.getProperty(name, "");
        assumeTrue(!v.isEmpty() && !v.startsWith("${"), name + " is not set: run through `go test ./compat/java -run TestJavaSASL`");
        return v;
    }

    static Stream<Arguments> listenersAndMechanisms() {
        return Stream.of("SASL_PLAINTEXT", "SASL_SSL").flatMap(protocol ->
            Stream.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER").map(m -> Arguments.of(protocol, m)));
    }

    /** Client configs for one listener and mechanism. */
    static Properties client(String protocol, String mechanism, String password) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
            property(protocol.equals("SASL_SSL") ? "gregor.sasl.ssl" : "gregor.sasl.plaintext"));
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        p.put(SaslConfigs.SASL_MECHANISM, mechanism);
        String module;
        switch (mechanism) {
            case "PLAIN":
                module = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + USER
                    + "\" password=\"" + password + "\";";
                break;
            case "OAUTHBEARER":
                // The client signs nothing: Kafka's unsecured JWS, sub=alice.
                module = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                    + " unsecuredLoginStringClaim_sub=\"" + USER + "\";";
                break;
            default:
                module = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                    + "\" password=\"" + password + "\";";
        }
        p.put(SaslConfigs.SASL_JAAS_CONFIG, module);
        if (protocol.equals("SASL_SSL")) {
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, property("gregor.sasl.ca"));
        }
        return p;
    }

    @ParameterizedTest(name = "{1} over {0}")
    @MethodSource("listenersAndMechanisms")
    void roundTrip(String protocol, String mechanism) throws Exception {
        Properties base = client(protocol, mechanism, PASSWORD);
        String topic = Gregor.topicName("sasl-" + protocol.toLowerCase() + "-" + mechanism.toLowerCase());
        try (Admin admin = Admin.create(base)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3))).all().get();
        }
        Properties pp = (Properties) base.clone();
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        RecordMetadata md;
        try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
            md = p.send(new ProducerRecord<>(topic, "k", mechanism + " over " + protocol)).get();
        }
        assertEquals(0, md.offset(), "offset of the first record");
        Properties cp = (Properties) base.clone();
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-readers");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
            c.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> got = Gregor.pollN(c, 1);
            assertEquals(mechanism + " over " + protocol, got.get(0).value());
        }
    }

    /** A wrong SCRAM password fails with Kafka's message, over TLS as in plain text. */
    @ParameterizedTest(name = "over {0}")
    @MethodSource("protocols")
    void wrongPassword(String protocol) {
        Properties pp = client(protocol, "SCRAM-SHA-512", "not-the-password");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofSeconds(20).toMillis());
        try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> p.send(new ProducerRecord<>("never-created", "k", "v")).get());
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains(
                "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"),
                e.getCause().getMessage());
        }
    }

    static Stream<String> protocols() {
        return Stream.of("SASL_PLAINTEXT", "SASL_SSL");
    }
}
