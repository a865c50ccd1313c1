package broker

// DescribeCluster (key 60), versions 0-1.
//
// The admin client's view of the cluster (KIP-700): the cluster id, the
// controller id and the live brokers with their addresses, without the
// topic list Metadata carries. kafka-cluster.sh and the admin clients'
// describeCluster use it.
//
// As in Kafka's KRaft brokers, the controller id is a live broker (the
// lowest, in gregor), since clients cannot reach the controller quorum.
// v1 adds endpoint_type (KIP-919): brokers answer only for BROKER (1);
// CONTROLLER (2) is MISMATCHED_ENDPOINT_TYPE and any other value
// UNSUPPORTED_ENDPOINT_TYPE, following Kafka's
// AuthHelper.computeDescribeClusterResponse. Cluster authorized
// operations are reported when asked: computed from the ACLs with an
// authorizer (authz_describe.go), every operation without one.

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 1, handleDescribeCluster) }

// Endpoint types of DescribeCluster v1+.
const (
	endpointBroker     = 1
	endpointController = 2
)

func handleDescribeCluster(r *request, req *kmsg.DescribeClusterRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeClusterResponse))
	resp.EndpointType = endpointBroker
	resp.ClusterAuthorizedOperations = notRequestedOps
	if r.version == 0 {
		req.EndpointType = endpointBroker // the field's default
	}
	switch req.EndpointType {
	case endpointBroker:
	case endpointController:
		resp.ErrorCode = kerr.MismatchedEndpointType.Code
		msg := "the request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
		resp.ErrorMessage = &msg
		return resp, nil
	default:
		resp.ErrorCode = kerr.UnsupportedEndpointType.Code
		msg := "unsupported endpoint type " + strconv.Itoa(int(req.EndpointType))
		resp.ErrorMessage = &msg
		return resp, nil
	}
	im := r.broker.cluster.ctl.current()
	resp.ClusterID = im.clusterID
	resp.ControllerID = -1
	for _, id := range im.liveBrokers() {
		if resp.ControllerID == -1 {
			resp.ControllerID = id
		}
		bi := im.brokers[id]
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Rack = bi.id, bi.rack
		rb.Host, rb.Port = r.advertised(bi)
		resp.Brokers = append(resp.Brokers, rb)
	}
	if req.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = clusterAuthorizedOps
	}
	return resp, nil
}
