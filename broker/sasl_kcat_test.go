package broker

import (
	"strings"
	"testing"
)

// kcat (librdkafka) over SASL_SSL with the generated CA's PEM file, and
// over SSL with a client certificate (mTLS). Skipped where kcat is not
// installed.
func TestKcatSASLAndTLS(t *testing.T) {
	NeedKcatForTest(t)
	c := tlsCluster(t, Config("ssl.client.auth", "requested"))
	files, err := c.WriteTLSFiles(t.TempDir(), "kcat")
	if err != nil {
		t.Fatal(err)
	}
	run := func(input string, args ...string) (string, error) { return KcatForTest(t, input, args...) }
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run("SASL_SSL/"+mech, func(t *testing.T) {
			topic := "kcat-" + strings.ToLower(mech)
			common := []string{"-b", c.ListenerAddrs("SASL_SSL")[0], "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=" + mech,
				"-X", "sasl.username=alice", "-X", "sasl.password=alice-secret", "-X", "ssl.ca.location=" + files.CA}
			if out, err := run("hello\n", append(common, "-P", "-t", topic, "-X", "allow.auto.create.topics=true")...); err != nil {
				t.Fatalf("kcat -P: %v\n%s", err, out)
			}
			out, err := run("", append(common, "-C", "-t", topic, "-o", "beginning", "-e", "-X", "fetch.wait.max.ms=10")...)
			if err != nil || strings.TrimSpace(out) != "hello" {
				t.Fatalf("kcat -C: %q, %v", out, err)
			}
			bad := append([]string(nil), common...)
			bad[9] = "sasl.password=wrong"
			if out, err := run("", append(bad, "-L")...); err == nil || !strings.Contains(out, "Authentication failed") {
				t.Errorf("kcat with a wrong password: %v\n%s", err, out)
			}
		})
	}
	t.Run("mTLS", func(t *testing.T) {
		out, err := run("", "-b", c.ListenerAddrs("SSL")[0], "-X", "security.protocol=SSL", "-X", "ssl.ca.location="+files.CA,
			"-X", "ssl.certificate.location="+files.Cert, "-X", "ssl.key.location="+files.Key, "-L")
		if err != nil || !strings.Contains(out, "broker") {
			t.Fatalf("kcat -L over mTLS: %v\n%s", err, out)
		}
	})
}
