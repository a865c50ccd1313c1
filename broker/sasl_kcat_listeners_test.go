package broker

import (
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/security"
)

// kcat (librdkafka) on the listeners the configs make: a first listener
// that is SASL_SSL (its bootstrap address and every broker it lists
// speak SASL_SSL, SCRAM-SHA-512 round-trips a record), and OAUTHBEARER
// with librdkafka's unsecured JWTs over SASL_PLAINTEXT, which Kafka's
// unsecured validator accepts, as gregor's does.
func TestKcatFirstListenerSASLSSLAndOAuthBearer(t *testing.T) {
	NeedKcatForTest(t)
	c := startConnTestCluster(t, Brokers(2), TLS(nil, nil), SASLUser("alice", "alice-secret"),
		Config("listeners", "SASL_SSL://:0,SASL_PLAINTEXT://:0"), Config("inter.broker.listener.name", "SASL_SSL"),
		Listener("PLAINTEXT", security.Plaintext))
	files, err := c.WriteTLSFiles(t.TempDir(), "kcat")
	if err != nil {
		t.Fatal(err)
	}
	run := func(input string, args ...string) (string, error) { return KcatForTest(t, input, args...) }
	t.Run("SASL_SSL first listener", func(t *testing.T) {
		common := []string{"-b", c.Addrs()[0], "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512",
			"-X", "sasl.username=alice", "-X", "sasl.password=alice-secret", "-X", "ssl.ca.location=" + files.CA}
		out, err := run("", append(common, "-L")...)
		if err != nil {
			t.Fatalf("kcat -L: %v\n%s", err, out)
		}
		for _, addr := range c.Addrs() {
			if !strings.Contains(out, addr) {
				t.Errorf("kcat -L lists no broker at the SASL_SSL address %s:\n%s", addr, out)
			}
		}
		if out, err := run("over SASL_SSL\n", append(common, "-P", "-t", "kcat-first", "-X", "allow.auto.create.topics=true")...); err != nil {
			t.Fatalf("kcat -P: %v\n%s", err, out)
		}
		out, err = run("", append(common, "-C", "-t", "kcat-first", "-o", "beginning", "-e", "-X", "fetch.wait.max.ms=10")...)
		if err != nil || strings.TrimSpace(out) != "over SASL_SSL" {
			t.Fatalf("kcat -C: %q, %v", out, err)
		}
	})
	t.Run("OAUTHBEARER unsecured", func(t *testing.T) {
		out, err := run("", "-b", c.ListenerAddrs("SASL_PLAINTEXT")[0], "-X", "security.protocol=SASL_PLAINTEXT",
			"-X", "sasl.mechanisms=OAUTHBEARER", "-X", "enable.sasl.oauthbearer.unsecure.jwt=true",
			"-X", "sasl.oauthbearer.config=principal=alice", "-L")
		if err != nil || !strings.Contains(out, c.ListenerAddrs("SASL_PLAINTEXT")[1]) {
			t.Fatalf("kcat -L with an unsecured OAUTHBEARER token: %v\n%s", err, out)
		}
	})
}
