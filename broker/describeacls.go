package broker

// DescribeAcls (key 29), versions 1-3 (Kafka 4 removed v0, KIP-896).
//
// Lists the ACL bindings a filter matches, grouped by resource pattern.
// A filter with an UNKNOWN part is a request Kafka cannot build: the
// connection is closed, before authorization, as Kafka 4.4 does. Needs
// DESCRIBE on the cluster. Without an authorizer the answer is
// SECURITY_DISABLED, as in Kafka.

import (
	"github.com/gregorkafka/gregor/acl"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 3, handleDescribeACLs) }

func handleDescribeACLs(r *request, req *kmsg.DescribeACLsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeACLsResponse))
	if r.broker.cluster.authorizer == nil {
		resp.ErrorCode, resp.ErrorMessage = kerr.SecurityDisabled.Code, kmsg.StringPtr("No Authorizer is configured on the broker")
		return resp, nil
	}
	f, err := describeFilter(req)
	if err != nil {
		return nil, err
	}
	// Matches come in the set's order, so bindings of one pattern are
	// adjacent.
	for _, b := range r.broker.cluster.ctl.current().acls.Match(f) {
		n := len(resp.Resources)
		if n == 0 || resp.Resources[n-1].ResourceType != kmsg.ACLResourceType(b.Type) ||
			resp.Resources[n-1].ResourceName != b.Name || resp.Resources[n-1].ResourcePatternType != kmsg.ACLResourcePatternType(b.PatternType) {
			res := kmsg.NewDescribeACLsResponseResource()
			res.ResourceType, res.ResourceName, res.ResourcePatternType = kmsg.ACLResourceType(b.Type), b.Name, kmsg.ACLResourcePatternType(b.PatternType)
			resp.Resources = append(resp.Resources, res)
			n++
		}
		a := kmsg.NewDescribeACLsResponseResourceACL()
		a.Principal, a.Host, a.Operation, a.PermissionType = b.Principal, b.Host, kmsg.ACLOperation(b.Operation), kmsg.ACLPermissionType(b.Permission)
		resp.Resources[n-1].ACLs = append(resp.Resources[n-1].ACLs, a)
	}
	return resp, nil
}

// describeFilter is the request's filter, or the error that closes the
// connection.
func describeFilter(req *kmsg.DescribeACLsRequest) (acl.Filter, error) {
	f := acl.Filter{Type: acl.ResourceType(req.ResourceType), Name: req.ResourceName, PatternType: acl.PatternType(req.ResourcePatternType),
		Principal: req.Principal, Host: req.Host, Operation: acl.Operation(req.Operation), Permission: acl.Permission(req.PermissionType)}
	if err := f.Validate(); err != nil {
		return f, badRequestf("DescribeAcls: %v", err)
	}
	return f, nil
}
