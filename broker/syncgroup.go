package broker

// SyncGroup (key 14), versions 0-5.
//
// After JoinGroup every member asks for its assignment; the leader's
// request carries everyone's (see package group, sync.go). Followers park
// until the leader's assignment is stored in __consumer_offsets.
//
// Version notes: v3 adds group.instance.id; v4 is flexible; v5 requires
// the protocol type and name, which must match the group's
// (INCONSISTENT_GROUP_PROTOCOL).

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 5, handleSyncGroup) }

func handleSyncGroup(r *request, req *kmsg.SyncGroupRequest) (kmsg.Response, error) {
	resp, err := r.broker.groups.SyncGroup(r.ctx, req)
	if err != nil {
		return nil, err
	}
	return responseFor(r, resp), nil
}
