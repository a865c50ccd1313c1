package python

import (
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

// TestKafkaPython runs every kafka-python check in one Python process
// against a three-broker tiny broker and reports each as a subtest named
// after its feature.
func TestKafkaPython(t *testing.T) {
	py := python(t)
	bootstrap := brokerproc.Start(t, "../..")
	brokerproc.RunChecks(t, exec.CommandContext(t.Context(), py, "gregor_compat.py", bootstrap))
}
