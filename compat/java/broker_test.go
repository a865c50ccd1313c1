package java

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// jvmTools skips the test unless java and mvn are on the PATH.
func jvmTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on the PATH: the JVM compatibility tests need a JDK and Maven (apt-get install default-jdk-headless maven; .ci/run does it)", tool)
		}
	}
}

// cluster is a tiny broker running as a subprocess.
type cluster struct {
	bootstrap string // host:port of broker 1
	dataDir   string // its -data-dir: broker-N/<topic>-<partition>/...
}

// startCluster starts three tiny brokers on free ports, logs on disk
// (brokerproc), and keeps broker 1's address and the data directory.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{dataDir: t.TempDir()}
	c.bootstrap, _, _ = strings.Cut(brokerproc.StartWithDataDir(t, "../..", c.dataDir), ",")
	return c
}

func mvn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "mvn", append([]string{"-B", "-q", "-Dstyle.color=never"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "MAVEN_OPTS=-XX:TieredStopAtLevel=1")
	out, err := cmd.CombinedOutput()
	// Maven 3.8 prints colour resets even in batch mode.
	return strings.ReplaceAll(string(out), "\x1b[0m", ""), err
}
