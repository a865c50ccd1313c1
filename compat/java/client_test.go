package java

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestJavaClient runs the JUnit 5 tests in src/test/java (the Java
// producer, consumer and AdminClient) against a three-broker tiny broker.
func TestJavaClient(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	out, err := mvn(t, "test", "-Dgregor.bootstrap="+c.bootstrap)
	if err != nil {
		t.Errorf("mvn test: %v\n%s", err, tail(out, 20000))
		reportFailures(t)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Tests run:") {
			t.Log(strings.TrimSpace(line))
		}
	}
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
			t.Logf("%s:\n%s", filepath.Base(r), tail(m, 3000))
		}
	}
}
