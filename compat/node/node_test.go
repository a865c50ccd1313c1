package node

import (
	"os"
	"os/exec"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// TestKafkaJS runs every kafkajs check in one Node process against a
// three-broker tiny broker and reports each as a subtest named after its
// feature.
func TestKafkaJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on the PATH: the kafkajs tests need Node.js and npm (apt-get install nodejs npm), then `bash compat/node/install.sh`")
	}
	if _, err := os.Stat("node_modules/kafkajs/package.json"); err != nil {
		t.Skip("kafkajs is not installed: run `bash compat/node/install.sh`")
	}
	bootstrap := brokerproc.Start(t, "../..")
	brokerproc.RunChecks(t, exec.CommandContext(t.Context(), node, "gregor_compat.js", bootstrap))
}
