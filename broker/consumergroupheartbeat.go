package broker

// ConsumerGroupHeartbeat (key 68), versions 0-1.
//
// The whole of the KIP-848 consumer protocol in one request: a member
// joins (epoch 0), heartbeats its subscription and owned partitions, and
// is answered with its epoch and assignment as the coordinator's
// server-side assignor and reconciliation move it along; epoch -1 leaves,
// -2 is a static member's temporary leave (see package group,
// consumer_heartbeat.go). v1 (Kafka 4.0) requires the member to bring
// its own member id and adds regular expression subscriptions.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 1, handleConsumerGroupHeartbeat) }

func handleConsumerGroupHeartbeat(r *request, req *kmsg.ConsumerGroupHeartbeatRequest) (kmsg.Response, error) {
	return responseFor(r, r.broker.groups.ConsumerGroupHeartbeat(r.ctx, clientOf(r), req)), nil
}
