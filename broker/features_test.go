package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
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
		{"default", nil, map[string][2]int16{"group.version": {1, 1}, "transaction.version": {2, 2}}},
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

// updateFeatures sends one UpdateFeatures at version v and returns its
// top-level code and message.
func updateFeatures(t *testing.T, c *broker.Cluster, v int16, validateOnly bool, ups ...kmsg.UpdateFeaturesRequestFeatureUpdate) (int16, string) {
	t.Helper()
	req := kmsg.NewPtrUpdateFeaturesRequest()
	req.TimeoutMillis, req.ValidateOnly, req.FeatureUpdates = 5000, validateOnly, ups
	resp := sendTo[*kmsg.UpdateFeaturesResponse](t, pinnedClient(t, c, 57, v), 1, req)
	if len(resp.Results) != 0 {
		t.Errorf("UpdateFeatures v%d answered per-feature results %+v; Kafka 4.4 answers none", v, resp.Results)
	}
	msg := ""
	if resp.ErrorMessage != nil {
		msg = *resp.ErrorMessage
	}
	return resp.ErrorCode, msg
}

func featureUpdate(name string, level int16, typ int8) kmsg.UpdateFeaturesRequestFeatureUpdate {
	u := kmsg.NewUpdateFeaturesRequestFeatureUpdate()
	u.Feature, u.MaxVersionLevel, u.UpgradeType = name, level, typ
	u.AllowDowngrade = typ >= 2
	return u
}

// UpdateFeatures refuses what Kafka 4.4 refuses, with its code
// (INVALID_UPDATE_VERSION) and its messages, and changes nothing then;
// compat/kafkaref checked these answers against Kafka.
func TestUpdateFeaturesRefusesBadLevels(t *testing.T) {
	c := startAPICluster(t)
	prefix := "The update failed for all features since the following feature had an error: "
	for _, tc := range []struct {
		name string
		ups  []kmsg.UpdateFeaturesRequestFeatureUpdate
		msg  string
	}{
		{"above the range", []kmsg.UpdateFeaturesRequestFeatureUpdate{featureUpdate("transaction.version", 3, 1)},
			"Invalid update version 3 for feature transaction.version. Local controller 1 only supports versions 0-2"},
		{"a downgrade typed as an upgrade", []kmsg.UpdateFeaturesRequestFeatureUpdate{featureUpdate("transaction.version", 1, 1)},
			"Invalid update version 1 for feature transaction.version. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."},
		{"an unknown feature", []kmsg.UpdateFeaturesRequestFeatureUpdate{featureUpdate("transaction.version", 1, 2), featureUpdate("nope.version", 1, 1)},
			"Invalid update version 1 for feature nope.version. Local controller 1 does not support this feature."},
		{"a negative level", []kmsg.UpdateFeaturesRequestFeatureUpdate{featureUpdate("transaction.version", -1, 2)},
			"Invalid update version -1 for feature transaction.version. A feature version cannot be less than 0."},
		{"an unknown upgrade type", []kmsg.UpdateFeaturesRequestFeatureUpdate{featureUpdate("transaction.version", 1, 0)},
			"Invalid update version 1 for feature transaction.version. The controller does not support the given upgrade type."},
		{"group.version below what gregor serves", []kmsg.UpdateFeaturesRequestFeatureUpdate{featureUpdate("group.version", 0, 3)},
			"Invalid update version 0 for feature group.version. Local controller 1 only supports versions 1-1"},
	} {
		code, msg := updateFeatures(t, c, 2, false, tc.ups...)
		if code != kerr.InvalidUpdateVersion.Code || msg != prefix+tc.msg {
			t.Errorf("%s: code %d %q, want INVALID_UPDATE_VERSION %q", tc.name, code, msg, prefix+tc.msg)
		}
	}
	if got := c.FinalizedFeature("transaction.version"); got != 2 {
		t.Errorf("after refused updates transaction.version is %d, want 2", got)
	}
}

// kadm downgrades and upgrades transaction.version; validate-only
// changes nothing; each change advances the finalized features epoch;
// v0's AllowDowngrade is a safe downgrade.
func TestUpdateFeaturesChangesTransactionVersion(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	ctx := apiCtx(t)
	_, _, epoch0 := featuresOf(t, c, 3)
	res, err := adm.UpdateFeatures(ctx, true, kadm.FeatureUpdate{Feature: "transaction.version", MaxVersionLevel: 1, UpgradeType: 2})
	if err != nil || res.Error() != nil {
		t.Fatalf("validate-only downgrade: %v %v", err, res.Error())
	}
	if got := c.FinalizedFeature("transaction.version"); got != 2 {
		t.Fatalf("a validate-only update changed transaction.version to %d", got)
	}
	res, err = adm.UpdateFeatures(ctx, false, kadm.FeatureUpdate{Feature: "transaction.version", MaxVersionLevel: 1, UpgradeType: 2})
	if err != nil || res.Error() != nil {
		t.Fatalf("downgrade: %v %v", err, res.Error())
	}
	_, fin, epoch1 := featuresOf(t, c, 3)
	if fin["transaction.version"] != [2]int16{1, 1} || epoch1 <= epoch0 {
		t.Fatalf("after the downgrade: finalized %v epoch %d (was %d), want transaction.version 1 and a newer epoch", fin, epoch1, epoch0)
	}
	// Level 0 drops the feature from the finalized list.
	if code, msg := updateFeatures(t, c, 0, false, featureUpdate("transaction.version", 0, 2)); code != 0 {
		t.Fatalf("v0 downgrade to 0: code %d %q", code, msg)
	}
	if _, fin, _ := featuresOf(t, c, 3); len(fin) != 1 || fin["group.version"] != [2]int16{1, 1} {
		t.Fatalf("after the downgrade to 0: finalized %v, want only group.version", fin)
	}
	res, err = adm.UpdateFeatures(ctx, false, kadm.FeatureUpdate{Feature: "transaction.version", MaxVersionLevel: 2, UpgradeType: 1})
	if err != nil || res.Error() != nil {
		t.Fatalf("upgrade: %v %v", err, res.Error())
	}
	if got := c.FinalizedFeature("transaction.version"); got != 2 {
		t.Fatalf("after the upgrade transaction.version is %d, want 2", got)
	}
}
