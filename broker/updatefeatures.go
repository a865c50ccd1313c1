package broker

// UpdateFeatures (key 57), versions 0-2 (KIP-584, KIP-778).
//
// Raises or lowers the cluster's finalized feature levels
// (kafka-features.sh upgrade and downgrade, kadm's UpdateFeatures). Each
// update names a feature, the level to finalize and how: UPGRADE (1),
// SAFE_DOWNGRADE (2) or UNSAFE_DOWNGRADE (3); v0 has a boolean
// AllowDowngrade instead, read as SAFE_DOWNGRADE. A lower level needs
// a downgrade type. The updates of one request are applied all together
// or not at all (KRaft writes them as one batch of FeatureLevelRecords),
// and ValidateOnly (v1+) checks them without applying them.
//
// As Kafka 4.4 answers, the first update in error fails the request with
// INVALID_UPDATE_VERSION and a top-level message naming it ("The update
// failed for all features since the following feature had an error:
// ..."); the per-feature results are left empty, whatever the version.
// Needs ALTER on the cluster (authz_rules.go).

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 2, handleUpdateFeatures) }

// The upgrade types of FeatureUpdate (UpdateFeaturesRequest v1+).
const (
	featureUpgrade         = 1
	featureSafeDowngrade   = 2
	featureUnsafeDowngrade = 3
)

func handleUpdateFeatures(r *request, req *kmsg.UpdateFeaturesRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.UpdateFeaturesResponse))
	ctl := r.broker.cluster.ctl
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	cur := ctl.current().features
	next := cur
	for _, u := range req.FeatureUpdates {
		typ := u.UpgradeType
		if r.version == 0 {
			typ = featureUpgrade
			if u.AllowDowngrade {
				typ = featureSafeDowngrade
			}
		}
		if msg := checkFeatureUpdate(r.broker.id, cur, u.Feature, u.MaxVersionLevel, typ); msg != "" {
			resp.ErrorCode = kerr.InvalidUpdateVersion.Code
			m := "The update failed for all features since the following feature had an error: " + msg
			resp.ErrorMessage = &m
			return resp, nil
		}
		next = next.with(u.Feature, u.MaxVersionLevel)
	}
	if req.ValidateOnly || len(req.FeatureUpdates) == 0 {
		return resp, nil
	}
	img := ctl.current().clone()
	img.features = next
	r.broker.logger.Info("feature levels updated", "finalized", fmt.Sprint(next.levels), "epoch", next.epoch)
	if err := ctl.publish(img); err != nil {
		resp.ErrorCode = kerr.UnknownServerError.Code
		m := err.Error()
		resp.ErrorMessage = &m
	}
	return resp, nil
}

// checkFeatureUpdate returns why setting feature to level with upgrade
// type typ is refused, in Kafka's words (FeatureControlManager), or ""
// when it may be applied.
func checkFeatureUpdate(nodeID int32, cur featureLevels, name string, level int16, typ int8) string {
	invalid := func(why string) string {
		return fmt.Sprintf("Invalid update version %d for feature %s. %s", level, name, why)
	}
	if typ != featureUpgrade && typ != featureSafeDowngrade && typ != featureUnsafeDowngrade {
		return invalid("The controller does not support the given upgrade type.")
	}
	if level < 0 {
		return invalid("A feature version cannot be less than 0.")
	}
	f, ok := featureNamed(name)
	if !ok {
		return invalid(fmt.Sprintf("Local controller %d does not support this feature.", nodeID))
	}
	if level != 0 && (level < f.min || level > f.max) || level == 0 && f.min > 0 {
		return invalid(fmt.Sprintf("Local controller %d only supports versions %d-%d", nodeID, f.min, f.max))
	}
	if level < cur.level(name) && typ == featureUpgrade {
		return invalid("Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.")
	}
	return ""
}
