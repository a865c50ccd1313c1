package java

import (
	"strings"
	"testing"
)

// TestConfigCommandQuotas sets, describes and removes client quotas with
// Kafka's kafka-configs.sh (ConfigCommand), as an operator would: on a
// user, on the default client-id, and on a user's client-id.
func TestConfigCommandQuotas(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	k := newKafkaTools(t, c.bootstrap)
	configs := func(args ...string) string {
		return k.run(t, "", "org.apache.kafka.tools.ConfigCommand", append([]string{"--bootstrap-server", k.bootstrap}, args...)...)
	}

	out := configs("--alter", "--entity-type", "users", "--entity-name", "alice",
		"--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152")
	mustContain(t, out, "Completed updating config for user alice.")
	out = configs("--alter", "--entity-type", "clients", "--entity-default", "--add-config", "request_percentage=50")
	mustContain(t, out, "Completed updating default config for clients in the cluster.")
	out = configs("--alter", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-name", "billing",
		"--add-config", "producer_byte_rate=4096")
	// ConfigCommand names only the user here; the describe below shows
	// the quota is on the pair.
	mustContain(t, out, "Completed updating config for user alice.")

	out = configs("--describe", "--entity-type", "users", "--entity-name", "alice")
	mustContain(t, out, "Quota configs for user-principal 'alice' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0")
	out = configs("--describe", "--entity-type", "clients", "--entity-default")
	mustContain(t, out, "Quota configs for the default client-id are request_percentage=50.0")
	out = configs("--describe", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-name", "billing")
	mustContain(t, out, "Quota configs for user-principal 'alice', client-id 'billing' are producer_byte_rate=4096.0")

	// Removing one quota leaves the other.
	out = configs("--alter", "--entity-type", "users", "--entity-name", "alice", "--delete-config", "producer_byte_rate")
	mustContain(t, out, "Completed updating config for user alice.")
	out = configs("--describe", "--entity-type", "users", "--entity-name", "alice")
	mustContain(t, out, "Quota configs for user-principal 'alice' are consumer_byte_rate=2097152.0")
	if strings.Contains(out, "producer_byte_rate") {
		t.Fatalf("producer_byte_rate still set after --delete-config:\n%s", out)
	}
}
