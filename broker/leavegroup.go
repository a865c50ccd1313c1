package broker

// LeaveGroup (key 13), versions 0-5.
//
// Members leave a classic group on purpose (see package group,
// leave.go), so the group rebalances at once instead of after their
// session timeout.
//
// Version notes: v3 leaves several members at once, each by member id or
// group.instance.id, with an error per member (before v3 one member id
// and one error); v4 is flexible; v5 carries the reason.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 5, handleLeaveGroup) }

func handleLeaveGroup(r *request, req *kmsg.LeaveGroupRequest) (kmsg.Response, error) {
	return responseFor(r, r.broker.groups.LeaveGroup(r.ctx, req)), nil
}
