package broker

// DeleteAcls (key 31), versions 1-3 (Kafka 4 removed v0, KIP-896).
//
// Removes the ACL bindings each filter matches, in one metadata change,
// and answers per filter with the bindings it removed. A filter with an
// UNKNOWN part makes a request Kafka cannot build: the connection is
// closed, before authorization, as Kafka 4.4 does. Needs ALTER on the cluster. Without
// an authorizer every filter gets SECURITY_DISABLED, as in Kafka.

import (
	"github.com/gregorkafka/gregor/acl"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 3, handleDeleteACLs) }

func handleDeleteACLs(r *request, req *kmsg.DeleteACLsRequest) (kmsg.Response, error) {
	if err := checkDeleteFilters(req); err != nil {
		return nil, err
	}
	resp := responseFor(r, req.ResponseKind().(*kmsg.DeleteACLsResponse))
	resp.Results = make([]kmsg.DeleteACLsResponseResult, len(req.Filters))
	var filters []acl.Filter
	var at []int
	for i, rf := range req.Filters {
		res := &resp.Results[i]
		res.Default()
		if r.broker.cluster.authorizer == nil {
			res.ErrorCode, res.ErrorMessage = kerr.SecurityDisabled.Code, kmsg.StringPtr(noAuthorizer)
			continue
		}
		filters, at = append(filters, deleteFilter(rf)), append(at, i)
	}
	if len(filters) == 0 {
		return resp, nil
	}
	removed, err := r.broker.cluster.ctl.deleteACLs(filters)
	for j, i := range at {
		res := &resp.Results[i]
		if err != nil {
			res.ErrorCode, res.ErrorMessage = kafkaerr.Code(err), kmsg.StringPtr(err.Error())
			continue
		}
		for _, b := range removed[j] {
			m := kmsg.NewDeleteACLsResponseResultMatchingACL()
			m.ResourceType, m.ResourceName, m.ResourcePatternType = kmsg.ACLResourceType(b.Type), b.Name, kmsg.ACLResourcePatternType(b.PatternType)
			m.Principal, m.Host = b.Principal, b.Host
			m.Operation, m.PermissionType = kmsg.ACLOperation(b.Operation), kmsg.ACLPermissionType(b.Permission)
			res.MatchingACLs = append(res.MatchingACLs, m)
		}
	}
	return resp, nil
}

func deleteFilter(rf kmsg.DeleteACLsRequestFilter) acl.Filter {
	return acl.Filter{Type: acl.ResourceType(rf.ResourceType), Name: rf.ResourceName, PatternType: acl.PatternType(rf.ResourcePatternType),
		Principal: rf.Principal, Host: rf.Host, Operation: acl.Operation(rf.Operation), Permission: acl.Permission(rf.PermissionType)}
}

// checkDeleteFilters returns the error that closes the connection when a
// filter has an UNKNOWN part.
func checkDeleteFilters(req *kmsg.DeleteACLsRequest) error {
	for _, rf := range req.Filters {
		if err := deleteFilter(rf).Validate(); err != nil {
			return badRequestf("DeleteAcls: %v", err)
		}
	}
	return nil
}
