package broker_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Topic config values that Kafka 4.4 accepts and refuses, found by sending
// the same CreateTopics to Kafka (compat/kafkaref): compression levels
// within each codec's range (KIP-390), and an empty cleanup.policy.
func TestCreateTopicsChecksConfigValuesAsKafkaDoes(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	for _, tc := range []struct {
		config, value string
		want          *kerr.Error // nil: accepted
	}{
		{"compression.gzip.level", "-1", nil},
		{"compression.gzip.level", "9", nil},
		{"compression.gzip.level", "0", kerr.InvalidConfig},
		{"compression.gzip.level", "20", kerr.InvalidConfig},
		{"compression.lz4.level", "17", nil},
		{"compression.lz4.level", "18", kerr.InvalidConfig},
		{"compression.zstd.level", "-131072", nil},
		{"compression.zstd.level", "22", nil},
		{"compression.zstd.level", "99", kerr.InvalidConfig},
		{"cleanup.policy", "", nil},
		{"cleanup.policy", "compact,delete", nil},
		{"cleanup.policy", "forever", kerr.InvalidConfig},
	} {
		value := tc.value
		resp, err := adm.ValidateCreateTopics(apiCtx(t), 1, 1, map[string]*string{tc.config: &value}, "checked")
		if err != nil {
			t.Fatal(err)
		}
		got := resp["checked"].Err
		if tc.want == nil && got != nil || tc.want != nil && got != tc.want {
			t.Errorf("%s=%q: got %v, want %v", tc.config, tc.value, got, tc.want)
		}
	}
}
