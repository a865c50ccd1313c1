package broker

// FindCoordinator (key 10), versions 0-6.
//
// Which broker coordinates a consumer group (key type 0) or a
// transactional id (key type 1)? For a group it is the leader of the
// group's partition of __consumer_offsets (see groups.go); the topic is
// created on the first lookup. Clients send every group request
// (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, ...) to that broker, and look it up again when a request
// answers NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE.
//
// v4 (KIP-699) looks up several keys at once and answers per key; before
// v4 one key, with the error (and from v1 its message) at the top level
// and node id -1 on error. v6 adds share coordinators (KIP-932), which
// gregor does not have: such keys get INVALID_REQUEST, as in a Kafka
// without share groups. A transactional id's coordinator is the leader
// of its partition of __transaction_state (txns.go), created on the
// first lookup.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 6, handleFindCoordinator) }

const (
	coordinatorTypeGroup       = 0
	coordinatorTypeTransaction = 1
	coordinatorTypeShare       = 2
)

func handleFindCoordinator(r *request, req *kmsg.FindCoordinatorRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.FindCoordinatorResponse))
	if r.version >= 4 {
		for _, key := range req.CoordinatorKeys {
			c := kmsg.NewFindCoordinatorResponseCoordinator()
			c.Key = key
			node, err := r.broker.findCoordinator(r.version, req.CoordinatorType, key)
			if err != nil {
				c.NodeID, c.Port = -1, -1
				c.ErrorCode, c.ErrorMessage = kafkaerr.Code(err), kafkaerr.Message(err)
			} else {
				c.NodeID = node.id
				c.Host, c.Port = r.advertised(node)
			}
			resp.Coordinators = append(resp.Coordinators, c)
		}
		return resp, nil
	}
	keyType := req.CoordinatorType
	if r.version == 0 {
		keyType = coordinatorTypeGroup
	}
	node, err := r.broker.findCoordinator(r.version, keyType, req.CoordinatorKey)
	if err != nil {
		resp.NodeID, resp.Port = -1, -1
		resp.ErrorCode = kafkaerr.Code(err)
		if r.version >= 1 {
			resp.ErrorMessage = kafkaerr.Message(err)
		}
		return resp, nil
	}
	resp.NodeID = node.id
	resp.Host, resp.Port = r.advertised(node)
	return resp, nil
}

func (b *Broker) findCoordinator(version int16, keyType int8, key string) (*brokerImage, error) {
	switch keyType {
	case coordinatorTypeGroup:
		return b.groupCoordinatorNode(key)
	case coordinatorTypeTransaction:
		return b.txnCoordinatorNode(key)
	case coordinatorTypeShare:
		return nil, kafkaerr.New(kerr.InvalidRequest, "share groups (KIP-932) are not enabled")
	default:
		return nil, kafkaerr.New(kerr.InvalidRequest, "unknown coordinator type %d", keyType)
	}
}
