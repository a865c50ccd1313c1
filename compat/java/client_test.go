package java

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// TestJavaClient runs the JUnit 5 tests in src/test/java against a
// three-broker tiny broker: the Java producer, consumer and AdminClient,
// transactions, a Kafka Streams application and two Spring Boot
// applications. Each JUnit test method is reported as a subtest named
// Class.method (a parameterized method's invocations together), so that
// a failure, and a cell of the compatibility matrix, names the method.
func TestJavaClient(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	_ = os.RemoveAll("target/surefire-reports")
	out, err := mvn(t, "test", "-Dgregor.bootstrap="+c.bootstrap)
	methods := junitResults(t)
	if err != nil && !failedAny(methods) {
		// Maven failed before or outside the tests (compilation, a crashed fork).
		t.Errorf("mvn test: %v\n%s", err, brokerproc.Tail(out, 20000))
	}
	run, skipped := reportJUnit(t, methods, false)
	t.Logf("JUnit: %d tests run, %d skipped", run, skipped)
	// Every JUnit test skips without gregor.bootstrap: none may skip here.
	if run == 0 || skipped > 0 {
		t.Errorf("JUnit ran %d tests and skipped %d; want all run\n%s", run, skipped, brokerproc.Tail(out, 4000))
	}
}

// reportJUnit makes each JUnit class a subtest that fails where a case
// failed or errored, and counts the cases run and skipped. A skipped case
// skips its subtest, or fails it when skipFails.
func reportJUnit(t *testing.T, methods []junitMethod, skipFails bool) (run, skipped int) {
	t.Helper()
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			for _, c := range m.cases {
				run++
				switch {
				case c.Failure != nil:
					t.Errorf("%s failed: %s\n%s", c.Name, c.Failure.Message, brokerproc.Tail(c.Failure.Text, 3000))
				case c.Error != nil:
					t.Errorf("%s errored: %s\n%s", c.Name, c.Error.Message, brokerproc.Tail(c.Error.Text, 3000))
				case c.Skipped != nil:
					skipped++
					if skipFails {
						t.Errorf("%s skipped: %s", c.Name, c.Skipped.Message)
					} else {
						t.Skipf("%s skipped: %s", c.Name, c.Skipped.Message)
					}
				}
			}
		})
	}
	return run, skipped
}

// junitCase is a <testcase> of a surefire XML report.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitProblem `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// junitMethod is one test method and its cases: one, or one per
// invocation of a parameterized test ("acks(String)[2]").
type junitMethod struct {
	name  string // Class.method
	cases []junitCase
}

// junitResults reads target/surefire-reports/TEST-*.xml, methods sorted
// by name.
func junitResults(t *testing.T) []junitMethod {
	t.Helper()
	reports, _ := filepath.Glob("target/surefire-reports/TEST-*.xml")
	byName := map[string]*junitMethod{}
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		var suite struct {
			Cases []junitCase `xml:"testcase"`
		}
		if err := xml.Unmarshal(b, &suite); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		for _, c := range suite.Cases {
			class := c.ClassName[strings.LastIndex(c.ClassName, ".")+1:]
			method, _, _ := strings.Cut(c.Name, "(")
			name := class + "." + method
			if byName[name] == nil {
				byName[name] = &junitMethod{name: name}
			}
			byName[name].cases = append(byName[name].cases, c)
		}
	}
	methods := make([]junitMethod, 0, len(byName))
	for _, m := range byName {
		methods = append(methods, *m)
	}
	slices.SortFunc(methods, func(a, b junitMethod) int { return strings.Compare(a.name, b.name) })
	return methods
}

func failedAny(methods []junitMethod) bool {
	for _, m := range methods {
		for _, c := range m.cases {
			if c.Failure != nil || c.Error != nil {
				return true
			}
		}
	}
	return false
}
