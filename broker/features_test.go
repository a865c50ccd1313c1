package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// featuresOf sends ApiVersions at version v and returns the supported
// ranges, the finalized levels and their epoch.
func featuresOf(t *testing.T, c *broker.Cluster, v int16) (map[string][2]int16, map[string][2]int16, int64) {
	t.Helper()
	cl := pinnedClient(t, c, 18, v)
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(v)
	req.ClientSoftwareName, req.ClientSoftwareVersion = "features-test", "1"
	resp, err := req.RequestWith(apiCtx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	sup, fin := map[string][2]int16{}, map[string][2]int16{}
	for _, f := range resp.SupportedFeatures {
		sup[f.Name] = [2]int16{f.MinVersion, f.MaxVersion}
	}
	for _, f := range resp.FinalizedFeatures {
		fin[f.Name] = [2]int16{f.MinVersionLevel, f.MaxVersionLevel}
	}
	return sup, fin, resp.FinalizedFeaturesEpoch
}

// ApiVersions v3+ lists the features gregor honours and the levels the
// cluster was formatted with: transaction.version 2 by default, as in
// Kafka 4, or the level of the TransactionVersion option.
func TestApiVersionsReportsFeatures(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []broker.Option
		want map[string][2]int16
	}{
		{"default", nil, map[string][2]int16{"group.version": {1, 1}, "transaction.version": {1, 1}}},
		{"tv1", []broker.Option{broker.TransactionVersion(1)}, map[string][2]int16{"group.version": {1, 1}, "transaction.version": {1, 1}}},
		// A feature finalized at 0 is left out, as Kafka leaves it out.
		{"tv0", []broker.Option{broker.TransactionVersion(0)}, map[string][2]int16{"group.version": {1, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startAPICluster(t, tc.opts...)
			sup, fin, epoch := featuresOf(t, c, 3)
			wantSup := map[string][2]int16{"group.version": {1, 1}, "transaction.version": {0, 2}}
			if len(sup) != len(wantSup) || sup["group.version"] != wantSup["group.version"] || sup["transaction.version"] != wantSup["transaction.version"] {
				t.Errorf("supported features %v, want %v", sup, wantSup)
			}
			if len(fin) != len(tc.want) {
				t.Errorf("finalized features %v, want %v", fin, tc.want)
			}
			for name, w := range tc.want {
				if fin[name] != w {
					t.Errorf("finalized %s = %v, want %v", name, fin[name], w)
				}
			}
			if epoch < 1 {
				t.Errorf("finalized features epoch %d, want at least 1", epoch)
			}
			if got := c.FinalizedFeature("transaction.version"); got != tc.want["transaction.version"][1] {
				t.Errorf("FinalizedFeature(transaction.version) = %d, want %d", got, tc.want["transaction.version"][1])
			}
		})
	}
}

// Before v3 ApiVersions has no feature fields.
func TestApiVersionsV2HasNoFeatures(t *testing.T) {
	c := startAPICluster(t)
	sup, fin, epoch := featuresOf(t, c, 2)
	if len(sup) != 0 || len(fin) != 0 || epoch != -1 {
		t.Errorf("v2 answered features %v %v epoch %d, want none", sup, fin, epoch)
	}
}

func TestTransactionVersionOptionRange(t *testing.T) {
	for _, l := range []int16{-1, 3} {
		if _, err := broker.New(broker.TransactionVersion(l)); err == nil {
			t.Errorf("TransactionVersion(%d) accepted", l)
		}
	}
}

// The finalized levels are cluster metadata: a cluster restarted on its
// data directory keeps the level it was formatted with, whatever the
// option says then.
func TestFeatureLevelsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	c := startAPICluster(t, broker.DataDir(dir), broker.TransactionVersion(1))
	if got := c.FinalizedFeature("transaction.version"); got != 1 {
		t.Fatalf("transaction.version %d, want 1", got)
	}
	c.Close()
	c2 := startAPICluster(t, broker.DataDir(dir))
	if got := c2.FinalizedFeature("transaction.version"); got != 1 {
		t.Fatalf("after a restart transaction.version is %d, want 1", got)
	}
}
