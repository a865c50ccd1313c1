package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The ranges gregor serves, as Kafka 4 serves them (KIP-896 removed the
// oldest versions of several APIs), except where Kafka 3.x's older
// versions are kept for older clients.
var wantAPIRanges = map[int16][2]int16{
	0:  {3, 12}, // Produce
	1:  {4, 17}, // Fetch
	2:  {1, 10}, // ListOffsets
	3:  {0, 12}, // Metadata
	18: {0, 5},  // ApiVersions
	19: {0, 7},  // CreateTopics, from v0 as Kafka 3.x served it
	20: {0, 6},  // DeleteTopics, likewise
	21: {0, 2},  // DeleteRecords
	32: {0, 4},  // DescribeConfigs, likewise
	33: {0, 2},  // AlterConfigs
	35: {1, 4},  // DescribeLogDirs
	37: {0, 3},  // CreatePartitions
	44: {0, 1},  // IncrementalAlterConfigs
	60: {0, 1},  // DescribeCluster
}

func TestApiVersionsAdvertisedRanges(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	all, err := adm.ApiVersions(apiCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	bv, ok := all[1]
	if !ok || bv.Err != nil {
		t.Fatalf("no ApiVersions answer from broker 1: %v", bv.Err)
	}
	got := map[int16][2]int16{}
	bv.EachKeySorted(func(key, minV, maxV int16) {
		if minV > maxV {
			t.Errorf("%s: min %d above max %d", kmsg.NameForKey(key), minV, maxV)
		}
		if req := kmsg.RequestForKey(key); req == nil || req.MaxVersion() < maxV {
			t.Errorf("%s: advertised max %d beyond what the protocol defines", kmsg.NameForKey(key), maxV)
		}
		got[key] = [2]int16{minV, maxV}
	})
	for key, want := range wantAPIRanges {
		if got[key] != want {
			t.Errorf("%s: advertised %v, want %v", kmsg.NameForKey(key), got[key], want)
		}
	}
}

// KIP-511: the client sends its newest ApiVersions version before knowing
// the broker's range. A version the broker does not know gets a v0
// response with UNSUPPORTED_VERSION and the broker's ApiVersions range,
// so the client can retry.
func TestApiVersionsTooNewGetsV0Answer(t *testing.T) {
	c := startAPICluster(t)
	w := dialWire(t, c, c.Addrs()[0])
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(9)
	req.ClientSoftwareName, req.ClientSoftwareVersion = "gregor-test", "1.0"
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0) // the answer is always v0
	w.roundTrip(req, resp)
	wantCode(t, "ApiVersions v9", resp.ErrorCode, kerr.UnsupportedVersion)
	if len(resp.ApiKeys) != 1 || resp.ApiKeys[0].ApiKey != 18 || resp.ApiKeys[0].MinVersion != 0 || resp.ApiKeys[0].MaxVersion != 5 {
		t.Fatalf("api keys %+v, want only ApiVersions 0-5", resp.ApiKeys)
	}

	// The retry at the highest common version succeeds on the same
	// connection.
	req.SetVersion(5)
	resp = kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(5)
	w.roundTrip(req, resp)
	wantCode(t, "ApiVersions v5", resp.ErrorCode, nil)
	if len(resp.ApiKeys) < 9 {
		t.Fatalf("v4 answer lists %d APIs", len(resp.ApiKeys))
	}
}

// From v3 the client names its software; Kafka checks the name and
// version against [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? and answers
// INVALID_REQUEST, with no API list, when they do not match.
func TestApiVersionsV3ClientSoftwareValidation(t *testing.T) {
	c := startAPICluster(t)
	cases := []struct {
		name, version string
		want          *kerr.Error
	}{
		{"apache-kafka-java", "4.0.0", nil},
		{"franz-go", "v1.22.2", nil},
		{"a", "1", nil},
		{"", "1.0", kerr.InvalidRequest},
		{"bad name", "1.0", kerr.InvalidRequest},
		{"-leading-dash", "1.0", kerr.InvalidRequest},
		{"trailing.", "1.0", kerr.InvalidRequest},
		{"ok", "1.0_beta", kerr.InvalidRequest},
	}
	for _, tc := range cases {
		for _, v := range []int16{3, 4} {
			w := dialWire(t, c, c.Addrs()[0])
			req := kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(v)
			req.ClientSoftwareName, req.ClientSoftwareVersion = tc.name, tc.version
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.SetVersion(v)
			w.roundTrip(req, resp)
			wantCode(t, "software "+tc.name+" "+tc.version, resp.ErrorCode, tc.want)
			if tc.want != nil && len(resp.ApiKeys) != 0 {
				t.Errorf("%q/%q v%d: error answer lists %d APIs, want none", tc.name, tc.version, v, len(resp.ApiKeys))
			}
			if tc.want == nil && len(resp.ApiKeys) == 0 {
				t.Errorf("%q/%q v%d: no APIs listed", tc.name, tc.version, v)
			}
		}
	}

	// Before v3 there is no name to check.
	w := dialWire(t, c, c.Addrs()[0])
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(2)
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(2)
	w.roundTrip(req, resp)
	wantCode(t, "ApiVersions v2", resp.ErrorCode, nil)
}

// KIP-1242: from v5 a client names the cluster and broker it means to
// reach; a connection that landed elsewhere is told REBOOTSTRAP_REQUIRED.
func TestApiVersionsV5DetectsMisroutedConnections(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2))
	ask := func(addr string, clusterID *string, nodeID int32) *kmsg.ApiVersionsResponse {
		w := dialWire(t, c, addr)
		req := kmsg.NewPtrApiVersionsRequest()
		req.SetVersion(5)
		req.ClientSoftwareName, req.ClientSoftwareVersion = "gregor-test", "1.0"
		req.ClusterID, req.NodeID = clusterID, nodeID
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.SetVersion(5)
		w.roundTrip(req, resp)
		return resp
	}
	id := c.ClusterID()
	wantCode(t, "bootstrapping (no cluster id)", ask(c.Addrs()[0], nil, -1).ErrorCode, nil)
	wantCode(t, "the right broker", ask(c.Addrs()[1], &id, 2).ErrorCode, nil)
	wantCode(t, "the wrong broker", ask(c.Addrs()[0], &id, 2).ErrorCode, kerr.RebootstrapRequired)
	other := "some-other-cluster"
	wantCode(t, "the wrong cluster", ask(c.Addrs()[0], &other, 1).ErrorCode, kerr.RebootstrapRequired)
}

// Any other API at a version the broker does not serve, or an API key it
// does not know, cannot be parsed: Kafka closes the connection.
func TestUnsupportedRequestClosesConnection(t *testing.T) {
	c := startAPICluster(t)

	w := dialWire(t, c, c.Addrs()[0])
	produce := kmsg.NewPtrProduceRequest()
	produce.SetVersion(2) // removed in Kafka 4 (KIP-896)
	produce.Acks = 1
	w.send(produce)
	w.expectClosed()

	w = dialWire(t, c, c.Addrs()[0])
	leaderAndIsr := kmsg.NewPtrLeaderAndISRRequest() // key 4: controller to broker only, gone in KRaft
	leaderAndIsr.SetVersion(0)
	w.send(leaderAndIsr)
	w.expectClosed()
}
