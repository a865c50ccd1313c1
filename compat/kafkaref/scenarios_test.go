package kafkaref

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The examples/ scenario tests, run against the reference Kafka through
// KAFKA_BOOTSTRAP_SERVERS: a scenario that fails there asserts gregor's
// behaviour rather than Kafka's. Steps that need gregor's control surface
// (stopping brokers, the manual clock, the coordinator's events) skip
// themselves on an external cluster. Scenarios known to fail against
// Kafka are listed, with the reason, in testdata/examples-failing.txt;
// a listed scenario that passes fails this test, so the list shrinks.

const examplesFailing = "testdata/examples-failing.txt"

var testResult = regexp.MustCompile(`^--- (PASS|FAIL|SKIP): (\S+)`)

func TestExamplesPassAgainstKafka(t *testing.T) {
	k := needKafka(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on the PATH")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "test", "-count=1", "-v", "-run", "Scenario", "./examples")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "KAFKA_BOOTSTRAP_SERVERS="+k.Addr)
	out, err := cmd.CombinedOutput()
	results := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := testResult.FindStringSubmatch(sc.Text()); m != nil {
			results[m[2]] = m[1]
		}
	}
	if len(results) == 0 {
		t.Fatalf("go test ./examples ran no scenario (%v):\n%s", err, out)
	}
	known := readAllowList(t, examplesFailing)
	var passed, skipped []string
	for _, name := range slices.Sorted(maps.Keys(results)) {
		switch results[name] {
		case "PASS":
			passed = append(passed, name)
			if _, ok := known[name]; ok {
				t.Errorf("%s passes against Kafka now: remove it from %s", name, examplesFailing)
			}
		case "SKIP":
			skipped = append(skipped, name)
		case "FAIL":
			if _, ok := known[name]; !ok {
				t.Errorf("%s fails against Kafka: it asserts gregor's behaviour, not Kafka's", name)
			}
		}
	}
	for name := range known {
		if results[name] != "FAIL" && results[name] != "PASS" {
			t.Errorf("%s is listed in %s but did not run against Kafka (%q): remove or rename it", name, examplesFailing, results[name])
		}
	}
	failed := len(results) - len(passed) - len(skipped)
	t.Logf("against Kafka: %d passed, %d skipped, %d failed (err %v)\npassed: %v\nskipped: %v", len(passed), len(skipped), failed, err, passed, skipped)
	var md strings.Builder
	fmt.Fprintf(&md, "`KAFKA_BOOTSTRAP_SERVERS=<kafka> go test ./examples -run Scenario`: %d passed, %d skipped (they need gregor's control surface), %d failed.\n\n", len(passed), len(skipped), failed)
	for _, name := range slices.Sorted(maps.Keys(known)) {
		fmt.Fprintf(&md, "- fails: `%s`: %s\n", name, known[name])
	}
	addSection(sectionExamples, md.String())
	if t.Failed() {
		t.Logf("go test ./examples output:\n%s", out)
	}
}
