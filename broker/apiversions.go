package broker

// ApiVersions (key 18), versions 0-4.
//
// The first request of most clients: which APIs, at which versions, does
// this broker serve? The list comes from the registered handlers. Per
// KIP-511 a client may send a version newer than the broker knows; the
// broker then answers with version 0 and UNSUPPORTED_VERSION, still
// listing what it supports, so the client can retry with a version both
// know (see conn.handleFrame). From v3 the request names the client
// software, which must be made of letters, digits, '-' and '.'.

import (
	"regexp"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const apiVersionsKey = 18

func init() { register(0, 4, handleAPIVersions) }

var softwareNamePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func handleAPIVersions(r *request, req *kmsg.ApiVersionsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ApiVersionsResponse))
	if r.version >= 3 && (!softwareNamePattern.MatchString(req.ClientSoftwareName) || !softwareNamePattern.MatchString(req.ClientSoftwareVersion)) {
		resp.ErrorCode = kerr.InvalidRequest.Code
	}
	resp.ApiKeys = apiKeyList()
	return resp, nil
}

func apiKeyList() []kmsg.ApiVersionsResponseApiKey {
	var keys []kmsg.ApiVersionsResponseApiKey
	for _, a := range supportedAPIs() {
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MinVersion, k.MaxVersion = a.key, a.minVersion, a.maxVersion
		keys = append(keys, k)
	}
	return keys
}

// unsupportedAPIVersionsResponse is the KIP-511 answer to an ApiVersions
// request of a version this broker does not know.
func unsupportedAPIVersionsResponse() kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = apiKeyList()
	return resp
}
