package python

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// python is the interpreter with kafka-python: GREGOR_PYTHON, or the venv
// that install.sh makes. It skips the test if there is none.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("GREGOR_PYTHON")
	if py == "" {
		py = ".venv/bin/python"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no Python with kafka-python at %s: run `bash compat/python/install.sh` (needs python3 and pip) or set GREGOR_PYTHON", py)
	}
	if out, err := exec.Command(py, "-c", "import kafka").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import kafka-python: %v\n%s\nrun `bash compat/python/install.sh`", py, err, out)
	}
	return py
}

// result is one line of gregor_compat.py's output. OK is null for a check
// that could not run here (a codec whose library is missing).
type result struct {
	Feature string `json:"feature"`
	OK      *bool  `json:"ok"`
	Detail  string `json:"detail"`
	Version string `json:"version"`
}

// TestKafkaPython runs every kafka-python check in one Python process and
// reports each as a subtest named after its feature.
func TestKafkaPython(t *testing.T) {
	py := python(t)
	bootstrap := brokerproc.Start(t, "../..")
	cmd := exec.CommandContext(t.Context(), py, "gregor_compat.py", bootstrap)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("gregor_compat.py: %v\n%s", err, brokerproc.Tail(stderr.String(), 8000))
	}
	features, version := 0, ""
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		var r result
		if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
			t.Errorf("not a result line: %q", lines.Text())
			continue
		}
		if r.Version != "" {
			version = r.Version
			continue
		}
		features++
		t.Run(r.Feature, func(t *testing.T) {
			switch {
			case r.OK == nil:
				t.Skip(r.Detail)
			case !*r.OK:
				t.Error(r.Detail)
			}
		})
	}
	// The version line comes last: without it the script stopped early.
	if version == "" || features == 0 {
		t.Fatalf("gregor_compat.py did not finish (%d checks reported)\n%s", features, brokerproc.Tail(stderr.String(), 8000))
	}
	t.Logf("kafka-python %s: %d checks", version, features)
}
