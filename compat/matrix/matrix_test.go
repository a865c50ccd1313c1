package matrix

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// librdkafkaVersion matches the librdkafka version in the committed table.
var librdkafkaVersion = regexp.MustCompile(`\| librdkafka \(kcat\) \| ([^|]+) \|`)

// TestCellsAreWellFormed keeps the claims in cells.go to the table's rows
// and columns, one claim per cell, each naming at least one test.
func TestCellsAreWellFormed(t *testing.T) {
	isClient, isFeature := map[string]bool{}, map[string]bool{}
	for _, c := range clients {
		isClient[c] = true
	}
	for _, f := range features {
		isFeature[f] = true
	}
	seen := map[[2]string]bool{}
	for _, c := range cells {
		key := [2]string{c.client, c.feature}
		switch {
		case !isClient[c.client]:
			t.Errorf("cell %v: unknown client", key)
		case !isFeature[c.feature]:
			t.Errorf("cell %v: unknown feature", key)
		case seen[key]:
			t.Errorf("cell %v claimed twice", key)
		case len(c.tests) == 0:
			t.Errorf("cell %v names no test", key)
		}
		seen[key] = true
		for _, name := range c.tests {
			if _, _, ok := strings.Cut(name, " Test"); !ok {
				t.Errorf("cell %v: %q is not \"package TestName\"", key, name)
			}
		}
	}
}

// TestMatrixIsCurrent checks that the committed section is what the cells
// and the pinned versions write now. librdkafka's version is the one the
// writing machine had, so it is taken from the committed text.
func TestMatrixIsCurrent(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	committed := section(string(doc))
	if committed == "" {
		t.Fatalf("%s has no client matrix section; write it with GREGOR_MATRIX_WRITE=1 go test -run TestWriteMatrix ./compat/matrix", docPath)
	}
	m := librdkafkaVersion.FindStringSubmatch(committed)
	if m == nil {
		t.Fatal("the committed matrix has no librdkafka version row")
	}
	v, err := versions(strings.TrimSpace(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if want := render(v); committed != want {
		t.Errorf("the client matrix in %s is stale (cells or pinned versions changed); rewrite it with GREGOR_MATRIX_WRITE=1 go test -run TestWriteMatrix ./compat/matrix\n--- committed\n%s\n--- want\n%s", docPath, committed, want)
	}
}

// event is a line of `go test -json`.
type event struct {
	Action  string
	Package string
	Test    string
}

// TestWriteMatrix runs every test that a cell names, once, and writes the
// section if each cell's tests passed without a skip.
func TestWriteMatrix(t *testing.T) {
	if os.Getenv("GREGOR_MATRIX_WRITE") != "1" {
		t.Skip("set GREGOR_MATRIX_WRITE=1 to run the named tests and write the client matrix")
	}
	kcatV, err := exec.Command("kcat", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -V: %v (the librdkafka cells need kcat)", err)
	}
	lib := regexp.MustCompile(`librdkafka (\S+)`).FindSubmatch(kcatV)
	if lib == nil {
		t.Fatalf("kcat -V names no librdkafka version:\n%s", kcatV)
	}
	v, err := versions("librdkafka " + string(lib[1]) + ", kcat " + kcatVersion(string(kcatV)))
	if err != nil {
		t.Fatal(err)
	}

	pkgs, tops := map[string]bool{}, map[string]bool{}
	for _, c := range cells {
		for _, name := range c.tests {
			pkg, test, _ := strings.Cut(name, " ")
			top, _, _ := strings.Cut(test, "/")
			pkgs[pkg], tops[top] = true, true
		}
	}
	args := []string{"test", "-count=1", "-json", "-timeout=30m", "-run", "^(" + strings.Join(sorted(tops), "|") + ")$"}
	args = append(args, sorted(pkgs)...)
	results := os.Getenv("GREGOR_MATRIX_RESULTS")
	if results == "" {
		results = filepath.Join(t.TempDir(), "results.json")
	}
	out, err := os.Create(results)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Stdout = out
	runErr := cmd.Run()
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	// Outcome of each test, keyed "./pkg Test/sub" as the cells name them.
	outcome := map[string]string{}
	f, err := os.Open(results)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 1<<20), 1<<24)
	for lines.Scan() {
		var e event
		if json.Unmarshal(lines.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		if e.Action == "pass" || e.Action == "fail" || e.Action == "skip" {
			outcome["./"+strings.TrimPrefix(e.Package, "github.com/gregorkafka/gregor/")+" "+e.Test] = e.Action
		}
	}
	bad := 0
	for _, c := range cells {
		for _, name := range c.tests {
			if got := outcome[name]; got != "pass" {
				bad++
				t.Errorf("%s / %s: %s: %s", c.client, c.feature, name, or(got, "did not run"))
			}
		}
	}
	if runErr != nil && bad == 0 {
		t.Errorf("go test %s: %v (results in %s)", strings.Join(args, " "), runErr, results)
	}
	if t.Failed() {
		t.Fatalf("not writing %s; results in %s", docPath, results)
	}
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	if old := section(text); old != "" {
		text = strings.Replace(text, old, render(v), 1)
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + render(v)
	}
	if err := os.WriteFile(docPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s from %d test results (%s)", docPath, len(outcome), results)
}

func kcatVersion(v string) string {
	if m := regexp.MustCompile(`Version (\S+)`).FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return "?"
}

func sorted(set map[string]bool) []string {
	s := make([]string, 0, len(set))
	for k := range set {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return fmt.Sprint(s)
}
