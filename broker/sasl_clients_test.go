package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafkago "github.com/segmentio/kafka-go"
	kgosasl "github.com/segmentio/kafka-go/sasl"
	kgoplain "github.com/segmentio/kafka-go/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Sarama and kafka-go authenticate with PLAIN natively. Their SCRAM
// support needs a SCRAM client library that gregor does not depend on,
// so these tests hand them franz-go's SCRAM client through each
// library's own SCRAM interface: the wire exchange is still driven by
// Sarama's and kafka-go's SaslHandshake and SaslAuthenticate code.

// saramaSCRAM is Sarama's SCRAMClient over a franz-go mechanism.
type saramaSCRAM struct {
	newMech func(user, pass string) sasl.Mechanism
	sess    sasl.Session
	first   []byte
	done    bool
}

func (s *saramaSCRAM) Begin(user, pass, _ string) error {
	var err error
	s.sess, s.first, err = s.newMech(user, pass).Authenticate(context.Background(), "")
	return err
}

func (s *saramaSCRAM) Step(challenge string) (string, error) {
	if s.first != nil {
		first := s.first
		s.first = nil
		return string(first), nil
	}
	done, resp, err := s.sess.Challenge([]byte(challenge))
	s.done = done
	return string(resp), err
}

func (s *saramaSCRAM) Done() bool { return s.done }

// kafkagoSCRAM is kafka-go's sasl.Mechanism over a franz-go mechanism.
type kafkagoSCRAM struct{ m sasl.Mechanism }

func (k kafkagoSCRAM) Name() string { return k.m.Name() }
func (k kafkagoSCRAM) Start(ctx context.Context) (kgosasl.StateMachine, []byte, error) {
	sess, first, err := k.m.Authenticate(ctx, "")
	return kafkagoSession{sess}, first, err
}

type kafkagoSession struct{ s sasl.Session }

func (k kafkagoSession) Next(_ context.Context, challenge []byte) (bool, []byte, error) {
	return k.s.Challenge(challenge)
}

func sha256Mech(user, pass string) sasl.Mechanism {
	return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
}
func sha512Mech(user, pass string) sasl.Mechanism {
	return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
}

func saramaRoundTrip(t *testing.T, addrs []string, topic, mechanism, pass string, tlsCfg *tls.Config) error {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cfg.Producer.Return.Successes = true
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Handshake = true
	cfg.Net.SASL.User, cfg.Net.SASL.Password = "alice", pass
	cfg.Net.SASL.Mechanism = sarama.SASLMechanism(mechanism)
	cfg.Metadata.Retry.Max = 0
	switch mechanism {
	case sarama.SASLTypeSCRAMSHA256:
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &saramaSCRAM{newMech: sha256Mech} }
	case sarama.SASLTypeSCRAMSHA512:
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &saramaSCRAM{newMech: sha512Mech} }
	}
	if tlsCfg != nil {
		cfg.Net.TLS.Enable, cfg.Net.TLS.Config = true, tlsCfg
	}
	p, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	_, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("hello")})
	if err != nil {
		return err
	}
	cons, err := sarama.NewConsumer(addrs, cfg)
	if err != nil {
		return err
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition(topic, 0, off)
	if err != nil {
		return err
	}
	defer pc.Close()
	select {
	case m := <-pc.Messages():
		if string(m.Value) != "hello" {
			t.Fatalf("Sarama consumed %q", m.Value)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Sarama consumed nothing")
	}
	return nil
}

func kafkagoRoundTrip(t *testing.T, addrs []string, topic string, m kgosasl.Mechanism, tlsCfg *tls.Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &kafkago.Transport{SASL: m, TLS: tlsCfg}
	defer tr.CloseIdleConnections()
	w := &kafkago.Writer{Addr: kafkago.TCP(addrs...), Topic: topic, Transport: tr, AllowAutoTopicCreation: true, MaxAttempts: 20,
		BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(ctx, kafkago.Message{Value: []byte("hello")}); err != nil {
		return err
	}
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: addrs, Topic: topic, MaxWait: 50 * time.Millisecond,
		Dialer: &kafkago.Dialer{SASLMechanism: m, TLS: tlsCfg, Timeout: 10 * time.Second}})
	defer r.Close()
	msg, err := r.ReadMessage(ctx)
	if err != nil {
		return err
	}
	if string(msg.Value) != "hello" {
		t.Fatalf("kafka-go consumed %q", msg.Value)
	}
	return nil
}

// Sarama and kafka-go with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, over
// SASL_PLAINTEXT and SASL_SSL.
func TestSASLWithSaramaAndKafkaGo(t *testing.T) {
	c := tlsCluster(t, Listener("SASL", "SASL_PLAINTEXT"))
	for _, l := range []struct {
		name string
		tls  *tls.Config
	}{{"SASL", nil}, {"SASL_SSL", c.TLSConfig()}} {
		addrs := c.ListenerAddrs(l.name)
		for _, mech := range []string{sarama.SASLTypePlaintext, sarama.SASLTypeSCRAMSHA256, sarama.SASLTypeSCRAMSHA512} {
			topic := strings.ToLower(l.name + "-" + mech)
			t.Run("sarama/"+l.name+"/"+mech, func(t *testing.T) {
				if err := saramaRoundTrip(t, addrs, "sarama-"+topic, mech, "alice-secret", l.tls); err != nil {
					t.Fatal(err)
				}
			})
			var m kgosasl.Mechanism = kgoplain.Mechanism{Username: "alice", Password: "alice-secret"}
			switch mech {
			case sarama.SASLTypeSCRAMSHA256:
				m = kafkagoSCRAM{sha256Mech("alice", "alice-secret")}
			case sarama.SASLTypeSCRAMSHA512:
				m = kafkagoSCRAM{sha512Mech("alice", "alice-secret")}
			}
			t.Run("kafka-go/"+l.name+"/"+mech, func(t *testing.T) {
				if err := kafkagoRoundTrip(t, addrs, "kafkago-"+topic, m, l.tls); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// A wrong password, as each library reports it: Kafka's error code and
// message reach the application.
func TestSASLWrongPasswordWithSaramaAndKafkaGo(t *testing.T) {
	c := saslCluster(t)
	addrs := c.ListenerAddrs("SASL")
	err := saramaRoundTrip(t, addrs, "sarama-wrong", sarama.SASLTypeSCRAMSHA256, "nope", nil)
	if !errors.Is(err, sarama.ErrSASLAuthenticationFailed) && (err == nil || !strings.Contains(err.Error(), "SASL Authentication failed")) {
		t.Errorf("Sarama with a wrong password: %v, want SASL_AUTHENTICATION_FAILED", err)
	}
	err = kafkagoRoundTrip(t, addrs, "kafkago-wrong", kgoplain.Mechanism{Username: "alice", Password: "nope"}, nil)
	if !errors.Is(err, kafkago.SASLAuthenticationFailed) {
		t.Errorf("kafka-go with a wrong password: %v, want SASL_AUTHENTICATION_FAILED", err)
	}
}
