package broker

// ApiVersions (key 18), versions 0-5.
//
// The first request of most clients: which APIs, at which versions, does
// this broker serve? The list comes from the registered handlers, so it
// cannot disagree with them.
//
// KIP-511: a client may send a version newer than the broker knows (it
// cannot know the broker's range before asking). The broker then answers
// with version 0 and UNSUPPORTED_VERSION, listing only its own
// ApiVersions range, so the client can retry with a version both know
// (see conn.handleFrame). From v3 the request names the client software;
// a name or version not made of letters, digits, '-' and '.' (starting
// and ending with a letter or digit) is INVALID_REQUEST with no list.
// Both error answers follow Kafka's ApiVersionsRequest.getErrorResponse.
//
// KIP-1242 (v5): a client that already knows the cluster names the
// cluster id and node id it means to reach, so that a connection routed
// to the wrong broker (a stale DNS entry, a proxy) is caught at once: a
// mismatch is REBOOTSTRAP_REQUIRED, and the client rediscovers the
// cluster from its bootstrap servers.
//
// From v3 the answer also carries the feature flags (KIP-584): the
// features this broker supports and the cluster's finalized levels with
// their epoch (features.go).

import (
	"regexp"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const apiVersionsKey = 18

func init() { register(0, 5, handleAPIVersions) }

var softwareNamePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func handleAPIVersions(r *request, req *kmsg.ApiVersionsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ApiVersionsResponse))
	if r.version >= 3 && (!softwareNamePattern.MatchString(req.ClientSoftwareName) || !softwareNamePattern.MatchString(req.ClientSoftwareVersion)) {
		resp.ErrorCode = kerr.InvalidRequest.Code
		return resp, nil
	}
	if r.version >= 5 && req.ClusterID != nil &&
		(*req.ClusterID != r.broker.cluster.ClusterID() || req.NodeID != r.broker.id) {
		r.broker.logger.Debug("rejecting a misrouted connection (KIP-1242)", "client_id", r.conn.clientID,
			"cluster_id", *req.ClusterID, "node_id", req.NodeID)
		resp.ErrorCode = kerr.RebootstrapRequired.Code
		return resp, nil
	}
	for _, a := range supportedAPIs() {
		resp.ApiKeys = append(resp.ApiKeys, apiKeyRange(a))
	}
	if r.version >= 3 {
		addFeatures(resp, r.broker.cluster.ctl.current().features)
	}
	return resp, nil
}

// addFeatures reports the supported features and the cluster's finalized
// levels (features.go), in ApiVersions' tagged fields of v3+. A
// finalized level is reported as Kafka does since KIP-778: the minimum
// level equal to the maximum.
func addFeatures(resp *kmsg.ApiVersionsResponse, fl featureLevels) {
	for _, f := range features {
		sf := kmsg.NewApiVersionsResponseSupportedFeature()
		sf.Name, sf.MinVersion, sf.MaxVersion = f.name, f.min, f.max
		resp.SupportedFeatures = append(resp.SupportedFeatures, sf)
	}
	resp.FinalizedFeaturesEpoch = fl.epoch
	for _, name := range fl.sortedNames() {
		ff := kmsg.NewApiVersionsResponseFinalizedFeature()
		ff.Name = name
		ff.MinVersionLevel, ff.MaxVersionLevel = fl.level(name), fl.level(name)
		resp.FinalizedFeatures = append(resp.FinalizedFeatures, ff)
	}
}

func apiKeyRange(a *api) kmsg.ApiVersionsResponseApiKey {
	k := kmsg.NewApiVersionsResponseApiKey()
	k.ApiKey, k.MinVersion, k.MaxVersion = a.key, a.minVersion, a.maxVersion
	return k
}

// unsupportedAPIVersionsResponse is the KIP-511 answer to an ApiVersions
// request of a version this broker does not know.
func unsupportedAPIVersionsResponse() kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = []kmsg.ApiVersionsResponseApiKey{apiKeyRange(apis[apiVersionsKey])}
	return resp
}
