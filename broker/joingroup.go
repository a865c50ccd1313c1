package broker

// JoinGroup (key 11), versions 0-9.
//
// A consumer joins a classic group (see package group, join.go): the
// request parks until the join phase ends for everyone, then every
// member learns the new generation id and the leader also gets the
// members' subscriptions to compute the assignment. Only the group's
// coordinator answers (NOT_COORDINATOR elsewhere).
//
// Version notes: v1 adds the rebalance timeout (v0 uses the session
// timeout for both); v4 requires a member id (MEMBER_ID_REQUIRED,
// KIP-394); v5 adds group.instance.id (static membership, KIP-345); v6 is
// flexible; v7 returns the protocol type; v8 carries the client's reason
// for joining; v9 lets a static leader skip the assignment (KIP-814).
// Kafka 4.0.0 dropped v0-v1 and 4.0.1 restored them (KAFKA-19444),
// which clients such as kafka-go still use.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 9, handleJoinGroup) }

func handleJoinGroup(r *request, req *kmsg.JoinGroupRequest) (kmsg.Response, error) {
	resp, err := r.broker.groups.JoinGroup(r.ctx, clientOf(r), req)
	if err != nil {
		return nil, err
	}
	return responseFor(r, resp), nil
}
