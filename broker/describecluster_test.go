package broker_test

import (
	"math"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const describeClusterKey = 60

// DescribeCluster agrees with Metadata on the cluster id, the controller
// and the brokers, at both versions and from any broker.
func TestDescribeCluster(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.ClusterID("course-cluster"))
	meta, err := apiAdmin(t, c).BrokerMetadata(apiCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int16{0, 1} {
		cl := pinnedClient(t, c, describeClusterKey, v)
		for id := int32(1); id <= 3; id++ {
			resp := sendTo[*kmsg.DescribeClusterResponse](t, cl, id, kmsg.NewPtrDescribeClusterRequest())
			wantCode(t, "describe cluster", resp.ErrorCode, nil)
			if resp.ClusterID != "course-cluster" || resp.ClusterID != meta.Cluster || resp.ControllerID != meta.Controller {
				t.Fatalf("v%d from broker %d: cluster %q controller %d; metadata says %q and %d", v, id, resp.ClusterID, resp.ControllerID, meta.Cluster, meta.Controller)
			}
			if len(resp.Brokers) != len(meta.Brokers) {
				t.Fatalf("v%d: %d brokers, metadata lists %d", v, len(resp.Brokers), len(meta.Brokers))
			}
			for i, b := range resp.Brokers {
				m := meta.Brokers[i]
				if b.NodeID != m.NodeID || b.Host != m.Host || b.Port != m.Port {
					t.Fatalf("v%d broker %d: %+v, metadata %+v", v, i, b, m)
				}
			}
			if resp.ClusterAuthorizedOperations != math.MinInt32 {
				t.Fatalf("authorized operations %d reported unasked", resp.ClusterAuthorizedOperations)
			}
		}
	}
}

func TestDescribeClusterEndpointTypes(t *testing.T) {
	c := startAPICluster(t)
	cl := pinnedClient(t, c, describeClusterKey, 1)
	for _, tc := range []struct {
		endpoint int8
		want     *kerr.Error
	}{
		{1, nil},
		{2, kerr.MismatchedEndpointType},
		{7, kerr.UnsupportedEndpointType},
	} {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.EndpointType = tc.endpoint
		req.IncludeClusterAuthorizedOperations = true
		resp := sendTo[*kmsg.DescribeClusterResponse](t, cl, 1, req)
		wantCode(t, "endpoint type", resp.ErrorCode, tc.want)
		if tc.want != nil && (resp.ErrorMessage == nil || len(resp.Brokers) != 0) {
			t.Fatalf("endpoint %d: message %v, %d brokers", tc.endpoint, resp.ErrorMessage, len(resp.Brokers))
		}
		if tc.want == nil && (resp.EndpointType != 1 || resp.ClusterAuthorizedOperations == math.MinInt32) {
			t.Fatalf("endpoint type %d, authorized operations %d", resp.EndpointType, resp.ClusterAuthorizedOperations)
		}
	}
}
