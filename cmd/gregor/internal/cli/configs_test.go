package cli

import (
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

func TestConfigsTopic(t *testing.T) {
	bs := startCluster(t, broker.Topic("orders", 1, 1, nil))
	wantOutput(t, mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "orders", "--describe"),
		"Dynamic configs for topic orders are:\n")
	wantOutput(t, mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "orders",
		"--alter", "--add-config", "retention.ms=60000,cleanup.policy=[compact,delete]"),
		"Completed updating config for topic orders.\n")
	out := mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "orders", "--describe")
	wantOutput(t, out, "Dynamic configs for topic orders are:\n"+
		"  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n"+
		"  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}\n")
	mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "orders", "--alter", "--delete-config", "cleanup.policy")
	out = mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "orders", "--describe", "--all")
	if !strings.HasPrefix(out, "All configs for topic orders are:\n") || !strings.Contains(out, "\n  cleanup.policy=delete sensitive=false synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}\n") {
		t.Errorf("--describe --all after --delete-config cleanup.policy:\n%s", out)
	}
	r := gregorCmd(t, "", "configs", "--bootstrap-server", bs, "--topic", "orders", "--alter", "--add-config", "no.such.config=1")
	if r.code != exitError || !strings.Contains(r.stderr, "INVALID_CONFIG") {
		t.Errorf("an unknown config: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := gregorCmd(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "groups", "--describe"); r.code != exitUsage {
		t.Errorf("--entity-type groups: exit %d, want 2", r.code)
	}
}

func TestConfigsBroker(t *testing.T) {
	bs := startCluster(t)
	out := mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "brokers", "--entity-name", "1", "--describe", "--all")
	if !strings.HasPrefix(out, "All configs for broker 1 are:\n") || !strings.Contains(out, "\n  num.partitions=1 sensitive=false synonyms={DEFAULT_CONFIG:num.partitions=1}\n") {
		t.Errorf("broker 1 --describe --all:\n%s", out)
	}
}

// Dynamic broker configs, as kafka-configs.sh shows them: the cluster-wide
// default (--entity-default), one broker's own, and a read-only config
// refused.
func TestConfigsBrokerDynamic(t *testing.T) {
	bs := startCluster(t)
	wantOutput(t, mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "brokers", "--entity-default",
		"--alter", "--add-config", "log.retention.ms=3600000"),
		"Completed updating default config for brokers in the cluster.\n")
	wantOutput(t, mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "brokers", "--entity-default", "--describe"),
		"Default configs for brokers in the cluster are:\n"+
			"  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}\n")
	mustRun(t, "", "configs", "--bootstrap-server", bs, "--broker", "1", "--alter", "--add-config", "log.cleaner.backoff.ms=5000")
	wantOutput(t, mustRun(t, "", "configs", "--bootstrap-server", bs, "--broker", "1", "--describe"),
		"Dynamic configs for broker 1 are:\n"+
			"  log.cleaner.backoff.ms=5000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.backoff.ms=5000, DEFAULT_CONFIG:log.cleaner.backoff.ms=15000}\n")
	r := gregorCmd(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "num.partitions=3")
	if r.code != exitError || !strings.Contains(r.stderr, "Cannot update these configs dynamically: [num.partitions]") {
		t.Errorf("a read-only broker config: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := gregorCmd(t, "", "configs", "--bootstrap-server", bs, "--topic", "x", "--entity-default", "--describe"); r.code != exitUsage {
		t.Errorf("--entity-default on a topic: exit %d, want 2", r.code)
	}
}
