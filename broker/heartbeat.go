package broker

// Heartbeat (key 12), versions 0-4.
//
// A classic group member's liveness signal (see package group,
// heartbeat.go): it keeps the member's session alive and tells it, with
// REBALANCE_IN_PROGRESS, when to rejoin.
//
// Version notes: v3 adds group.instance.id; v4 is flexible.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 4, handleHeartbeat) }

func handleHeartbeat(r *request, req *kmsg.HeartbeatRequest) (kmsg.Response, error) {
	return responseFor(r, r.broker.groups.Heartbeat(r.ctx, req)), nil
}
