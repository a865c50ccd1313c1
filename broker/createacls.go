package broker

// CreateAcls (key 30), versions 1-3 (Kafka 4 removed v0, KIP-896).
//
// Adds ACL bindings to the cluster metadata; each creation is answered
// on its own: INVALID_REQUEST with Kafka's message for a binding that
// cannot be created (a CLUSTER resource not named kafka-cluster, an
// empty name, a principal without a colon). A request with an ANY,
// UNKNOWN or MATCH code in any creation is one Kafka cannot build: every
// creation gets UNKNOWN_SERVER_ERROR, as Kafka 4.4 answers. Creating an existing binding succeeds and stores it
// once. Needs ALTER on the cluster (authz_rules.go). Without an
// authorizer every creation gets SECURITY_DISABLED, as in Kafka.

import (
	"github.com/gregorkafka/gregor/acl"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 3, handleCreateACLs) }

const noAuthorizer = "No Authorizer is configured."

func handleCreateACLs(r *request, req *kmsg.CreateACLsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.CreateACLsResponse))
	resp.Results = make([]kmsg.CreateACLsResponseResult, len(req.Creations))
	var valid []acl.Binding
	var validAt []int
	if r.broker.cluster.authorizer != nil && !decodableCreations(req.Creations) {
		// Kafka fails to build such a request (CreateAclsRequest.validate)
		// and answers every creation with UNKNOWN_SERVER_ERROR.
		for i := range resp.Results {
			resp.Results[i].Default()
			resp.Results[i].ErrorCode = kerr.UnknownServerError.Code
		}
		return resp, nil
	}
	for i, c := range req.Creations {
		res := &resp.Results[i]
		res.Default()
		if r.broker.cluster.authorizer == nil {
			res.ErrorCode, res.ErrorMessage = kerr.SecurityDisabled.Code, kmsg.StringPtr(noAuthorizer)
			continue
		}
		b := acl.Binding{
			Pattern: acl.Pattern{Type: acl.ResourceType(c.ResourceType), Name: c.ResourceName, PatternType: acl.PatternType(c.ResourcePatternType)},
			Entry:   acl.Entry{Principal: c.Principal, Host: c.Host, Operation: acl.Operation(c.Operation), Permission: acl.Permission(c.PermissionType)},
		}
		if err := b.Validate(); err != nil {
			res.ErrorCode, res.ErrorMessage = kerr.InvalidRequest.Code, kmsg.StringPtr(err.Error())
			continue
		}
		res.ErrorMessage = kmsg.StringPtr("") // as Kafka answers a success
		valid, validAt = append(valid, b), append(validAt, i)
	}
	if err := r.broker.cluster.ctl.createACLs(valid); err != nil {
		for _, i := range validAt {
			resp.Results[i].ErrorCode, resp.Results[i].ErrorMessage = kafkaerr.Code(err), kmsg.StringPtr(err.Error())
		}
	}
	return resp, nil
}

// decodableCreations reports whether every creation names a concrete
// resource type, pattern type, operation and permission: no UNKNOWN, ANY
// or MATCH.
func decodableCreations(cs []kmsg.CreateACLsRequestCreation) bool {
	for _, c := range cs {
		rt, pt, op, perm := acl.ResourceType(c.ResourceType), acl.PatternType(c.ResourcePatternType), acl.Operation(c.Operation), acl.Permission(c.PermissionType)
		if !rt.Known() || rt == acl.ResourceAny || (pt != acl.PatternLiteral && pt != acl.PatternPrefixed) ||
			!op.Known() || op == acl.OpAny || (perm != acl.PermissionAllow && perm != acl.PermissionDeny) {
			return false
		}
	}
	return true
}
