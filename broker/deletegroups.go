package broker

// DeleteGroups (key 42), versions 0-2.
//
// Deletes empty groups with all their committed offsets
// (kafka-consumer-groups.sh --delete): NON_EMPTY_GROUP while the group
// has members, GROUP_ID_NOT_FOUND for an unknown group, NOT_COORDINATOR
// when asked of the wrong broker. Kafka 4 still serves v0 (KIP-896 left
// it in); v0 and v1 differ only in how a client treats throttling; v2 is
// flexible.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 2, handleDeleteGroups) }

func handleDeleteGroups(r *request, req *kmsg.DeleteGroupsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DeleteGroupsResponse))
	groups, err := r.broker.groups.DeleteGroups(r.ctx, req.Groups)
	if err != nil {
		return nil, err
	}
	resp.Groups = groups
	return resp, nil
}
