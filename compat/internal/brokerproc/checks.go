package brokerproc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// check is one line of a check script's output: {"feature", "ok",
// "detail"}, with ok null for a check that could not run here (a codec
// whose library is missing); the last line is {"version"}, the client's.
type check struct {
	Feature string `json:"feature"`
	OK      *bool  `json:"ok"`
	Detail  string `json:"detail"`
	Version string `json:"version"`
}

// RunChecks runs a check script in one process and reports each of its
// lines as a subtest named after the feature it proves, so that `go test
// -json` records, feature by feature, what the client proved (compat/matrix
// reads exactly that). It returns the client version the script printed.
func RunChecks(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	if cmd == nil {
		t.Fatal("brokerproc.RunChecks: no command")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("%s: %v\n%s", cmd.Args, err, Tail(stderr.String(), 8000))
	}
	features, version := 0, ""
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		var c check
		if err := json.Unmarshal(lines.Bytes(), &c); err != nil {
			t.Errorf("not a check line: %q", lines.Text())
			continue
		}
		if c.Version != "" {
			version = c.Version
			continue
		}
		features++
		t.Run(c.Feature, func(t *testing.T) {
			switch {
			case c.OK == nil:
				t.Skip(c.Detail)
			case !*c.OK:
				t.Error(c.Detail)
			}
		})
	}
	// The version line comes last: without it the script stopped early.
	if version == "" || features == 0 {
		t.Fatalf("%s did not finish (%d checks reported)\n%s", cmd.Args, features, Tail(stderr.String(), 8000))
	}
	t.Logf("client version %s: %d checks", version, features)
	return version
}
