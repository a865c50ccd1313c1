package broker

// ConsumerGroupDescribe (key 69), versions 0-1.
//
// Describes consumer-protocol (KIP-848) groups: state (Empty, Assigning,
// Reconciling, Stable), group and assignment epochs, the assignor, and
// per member its epoch, subscription and current and target assignment.
// v1 adds the member type (gregor's members are all consumer-protocol
// members). Classic groups are described by DescribeGroups.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 1, handleConsumerGroupDescribe) }

func handleConsumerGroupDescribe(r *request, req *kmsg.ConsumerGroupDescribeRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse))
	resp.Groups = r.broker.groups.ConsumerGroupDescribe(r.ctx, req.Groups)
	for i := range resp.Groups {
		resp.Groups[i].AuthorizedOperations = notRequestedOps
		if req.IncludeAuthorizedOperations && resp.Groups[i].ErrorCode == 0 {
			resp.Groups[i].AuthorizedOperations = groupAuthorizedOps
		}
	}
	return resp, nil
}
