package java

import (
	"strings"
	"testing"
)

// TestConfigCommandDynamicBrokerConfigs runs Kafka's kafka-configs.sh
// (org.apache.kafka.tools.ConfigCommand) against gregor for dynamic broker
// configs (KIP-226): a cluster-wide default with --entity-default, a
// per-broker value with --entity-name, their describe output with the
// sources the tool prints, a refused read-only config, and --delete-config.
func TestConfigCommandDynamicBrokerConfigs(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	k := newKafkaTools(t, c.bootstrap)
	configs := func(args ...string) string {
		return k.run(t, "", "org.apache.kafka.tools.ConfigCommand", append([]string{"--bootstrap-server", k.bootstrap}, args...)...)
	}

	out := configs("--alter", "--entity-type", "brokers", "--entity-default", "--add-config", "log.retention.ms=3600000")
	mustContain(t, out, "Completed updating default config for brokers in the cluster.")
	out = configs("--alter", "--entity-type", "brokers", "--entity-name", "2", "--add-config", "log.cleaner.backoff.ms=5000")
	mustContain(t, out, "Completed updating config for broker 2.")

	out = configs("--describe", "--entity-type", "brokers", "--entity-default")
	mustContain(t, out, "Default configs for brokers in the cluster are:")
	mustContain(t, out, "log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}")
	out = configs("--describe", "--entity-type", "brokers", "--entity-name", "2")
	mustContain(t, out, "Dynamic configs for broker 2 are:")
	mustContain(t, out, "log.cleaner.backoff.ms=5000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.backoff.ms=5000, DEFAULT_CONFIG:log.cleaner.backoff.ms=15000}")
	if strings.Contains(out, "log.retention.ms") {
		t.Errorf("broker 2's dynamic configs list the cluster-wide default:\n%s", out)
	}
	out = configs("--describe", "--entity-type", "brokers", "--entity-name", "1", "--all")
	mustContain(t, out, "log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}")

	// A topic without its own retention.ms follows the new default.
	k.run(t, "", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", k.bootstrap,
		"--create", "--topic", "logs", "--partitions", "1", "--replication-factor", "1")
	out = configs("--describe", "--entity-type", "topics", "--entity-name", "logs", "--all")
	mustContain(t, out, "retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}")

	// A read-only broker config is refused with Kafka's message; the
	// tool exits non-zero, so it runs through refused.
	stderr := k.refused(t, "org.apache.kafka.tools.ConfigCommand", "--bootstrap-server", k.bootstrap,
		"--alter", "--entity-type", "brokers", "--entity-default", "--add-config", "num.partitions=3")
	mustContain(t, stderr, "Cannot update these configs dynamically: [num.partitions]")

	out = configs("--alter", "--entity-type", "brokers", "--entity-default", "--delete-config", "log.retention.ms")
	mustContain(t, out, "Completed updating default config for brokers in the cluster.")
	out = configs("--describe", "--entity-type", "brokers", "--entity-default")
	if strings.Contains(out, "log.retention.ms") {
		t.Errorf("log.retention.ms still a cluster-wide default after --delete-config:\n%s", out)
	}
}
