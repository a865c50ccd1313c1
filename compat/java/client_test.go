package java

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// TestJavaClient runs the JUnit 5 tests in src/test/java against a
// three-broker tiny broker: the Java producer, consumer and AdminClient, a
// Kafka Streams application and a Spring Boot application.
func TestJavaClient(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	_ = os.RemoveAll("target/surefire-reports")
	out, err := mvn(t, "test", "-Dgregor.bootstrap="+c.bootstrap)
	if err != nil {
		t.Errorf("mvn test: %v\n%s", err, brokerproc.Tail(out, 20000))
		reportFailures(t)
	}
	run, skipped := junitCounts(t)
	t.Logf("JUnit: %d tests run, %d skipped", run, skipped)
	// Every JUnit test skips without gregor.bootstrap: none may skip here.
	if run == 0 || skipped > 0 {
		t.Errorf("JUnit ran %d tests and skipped %d; want all run\n%s", run, skipped, brokerproc.Tail(out, 4000))
	}
}

// junitCounts adds up the "Tests run: N, ..., Skipped: M" lines of the
// surefire reports.
func junitCounts(t *testing.T) (run, skipped int) {
	reports, _ := filepath.Glob("target/surefire-reports/*.txt")
	counts := regexp.MustCompile(`Tests run: (\d+), Failures: \d+, Errors: \d+, Skipped: (\d+)`)
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		if m := counts.FindSubmatch(b); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			s, _ := strconv.Atoi(string(m[2]))
			run += n
			skipped += s
		}
	}
	return run, skipped
}

// reportFailures logs the failing cases of each surefire report, which
// -q leaves out of Maven's own output.
func reportFailures(t *testing.T) {
	reports, _ := filepath.Glob("target/surefire-reports/*.txt")
	failed := regexp.MustCompile(`(?m)^.*(<<< FAILURE!|<<< ERROR!)[\s\S]*?(\n\n|\z)`)
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			continue
		}
		for _, m := range failed.FindAllString(string(b), -1) {
			t.Logf("%s:\n%s", filepath.Base(r), brokerproc.Tail(m, 3000))
		}
	}
}
