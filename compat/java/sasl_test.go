package java

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// TestJavaSASL runs SaslTest.java, the Java client's SASL (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER with unsecured tokens) over
// a SASL_PLAINTEXT and a SASL_SSL listener of a three-broker tiny
// broker; the SASL_SSL client trusts the broker's generated CA as a PEM
// truststore (ssl.truststore.type=PEM).
func TestJavaSASL(t *testing.T) {
	jvmTools(t)
	tlsDir := t.TempDir()
	b := brokerproc.StartWithArgs(t, "../..", t.TempDir(),
		"-listener", "SASL:SASL_PLAINTEXT", "-listener", "SECURE:SASL_SSL",
		"-sasl-user", "alice:alice-secret", "-tls-dir", tlsDir)
	if b.Listeners["SASL"] == "" || b.Listeners["SECURE"] == "" {
		t.Fatalf("the tiny broker printed listeners %v, want SASL and SECURE", b.Listeners)
	}
	_ = os.RemoveAll("target/surefire-reports")
	out, err := mvn(t, "test", "-Dtest=SaslTest", "-Dsurefire.failIfNoSpecifiedTests=true",
		"-Dgregor.sasl.plaintext="+b.Listeners["SASL"], "-Dgregor.sasl.ssl="+b.Listeners["SECURE"],
		"-Dgregor.sasl.ca="+filepath.Join(tlsDir, "ca.pem"))
	methods := junitResults(t)
	if err != nil && !failedAny(methods) {
		t.Errorf("mvn test -Dtest=SaslTest: %v\n%s", err, brokerproc.Tail(out, 20000))
	}
	run, skipped := reportJUnit(t, methods, true)
	t.Logf("JUnit: %d SASL tests run, %d skipped", run, skipped)
	// 2 listeners x 4 mechanisms round trips, and a wrong password on each.
	if run != 10 {
		t.Errorf("JUnit ran %d SASL tests, want 10\n%s", run, brokerproc.Tail(out, 4000))
	}
}
