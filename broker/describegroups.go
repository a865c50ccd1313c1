package broker

// DescribeGroups (key 15), versions 0-5.
//
// Describes classic groups: state, protocol type, selected protocol and
// members with client id and host, plus (for a Stable group) each
// member's subscription and assignment bytes. Unknown groups, and groups
// of the consumer protocol (described by ConsumerGroupDescribe), read as
// Dead, as in Kafka 4.0.
//
// Version notes: v1 adds throttle time; v3 authorized operations (computed
// from the ACLs with an authorizer, authz_describe.go; every operation
// without one); v4 group.instance.id; v5 is
// flexible.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 5, handleDescribeGroups) }

// groupAuthorizedOps is every group operation (READ, DESCRIBE, DELETE).
const groupAuthorizedOps = 1<<3 | 1<<6 | 1<<8

func handleDescribeGroups(r *request, req *kmsg.DescribeGroupsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeGroupsResponse))
	resp.Groups = r.broker.groups.DescribeGroups(r.ctx, req.Groups)
	for i := range resp.Groups {
		resp.Groups[i].AuthorizedOperations = notRequestedOps
		if req.IncludeAuthorizedOperations && resp.Groups[i].ErrorCode == 0 {
			resp.Groups[i].AuthorizedOperations = groupAuthorizedOps
		}
	}
	return resp, nil
}
