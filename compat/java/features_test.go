package java

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/compat/internal/brokerproc"
)

// TestFeatureCommand runs kafka-features.sh (FeatureCommand) against
// gregor: describe lists the features gregor supports with their
// finalized levels, downgrade and upgrade change transaction.version,
// and a level gregor does not support is refused.
func TestFeatureCommand(t *testing.T) {
	jvmTools(t)
	c := startCluster(t)
	k := newKafkaTools(t, c.bootstrap)
	const class = "org.apache.kafka.tools.FeatureCommand"
	describe := func() map[string]string {
		t.Helper()
		out := k.run(t, "", class, "--bootstrap-server", k.bootstrap, "describe")
		line := regexp.MustCompile(`(?m)^Feature: (\S+)\s+SupportedMinVersion: (\S+)\s+SupportedMaxVersion: (\S+)\s+FinalizedVersionLevel: (\S+)\s+Epoch: (\d+)\s*$`)
		got := map[string]string{}
		for _, m := range line.FindAllStringSubmatch(out, -1) {
			got[m[1]] = m[2] + " " + m[3] + " " + m[4]
		}
		if len(got) != strings.Count(strings.TrimSpace(out), "\n")+1 {
			t.Errorf("describe printed lines that are not features:\n%s", out)
		}
		return got
	}
	want := map[string]string{"group.version": "1 1 1", "transaction.version": "0 2 2"}
	if got := describe(); !equalMaps(got, want) {
		t.Errorf("describe: %v, want %v", got, want)
	}
	out := k.run(t, "", class, "--bootstrap-server", k.bootstrap, "downgrade", "--feature", "transaction.version=1")
	if !strings.Contains(out, "transaction.version was downgraded to 1.") {
		t.Errorf("downgrade printed %q", out)
	}
	if got := describe()["transaction.version"]; got != "0 2 1" {
		t.Errorf("after the downgrade transaction.version is %q, want supported 0-2, finalized 1", got)
	}
	out = k.run(t, "", class, "--bootstrap-server", k.bootstrap, "upgrade", "--feature", "transaction.version=2")
	if !strings.Contains(out, "transaction.version was upgraded to 2.") {
		t.Errorf("upgrade printed %q", out)
	}
	out = k.refused(t, class, "--bootstrap-server", k.bootstrap, "upgrade", "--feature", "transaction.version=3")
	if !strings.Contains(out, "Invalid update version 3 for feature transaction.version") {
		t.Errorf("an upgrade to 3 printed %q, want Kafka's INVALID_UPDATE_VERSION message", brokerproc.Tail(out, 2000))
	}
	if got := describe()["transaction.version"]; got != "0 2 2" {
		t.Errorf("at the end transaction.version is %q, want finalized 2", got)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
