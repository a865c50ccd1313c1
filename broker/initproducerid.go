package broker

// InitProducerId (key 22), versions 0-5.
//
// Gives an idempotent producer (enable.idempotence=true) its producer id
// and epoch. The producer numbers its batches per partition from there,
// and partition leaders use the numbers to drop duplicates of retried
// batches and to refuse gaps (see partition/producers.go). Producer ids
// come from the controller, which hands them out in order and never twice
// (Kafka's ProducerIdControlManager), persisted with the cluster metadata
// so ids stay unique across restarts.
//
// Without a transactional id every request gets a fresh producer id with
// epoch 0, whatever producer id and epoch it carries (KIP-360 epoch bumps
// only matter to transactional producers). Transactional ids are not
// implemented yet: such requests are answered with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a message saying so, a fatal
// error for the client rather than a retry loop.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleInitProducerID) }

func handleInitProducerID(r *request, req *kmsg.InitProducerIDRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.InitProducerIDResponse))
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if req.TransactionalID != nil {
		resp.ErrorCode = kerr.TransactionalIDAuthorizationFailed.Code
		r.broker.logger.Warn("transactional producer refused: transactions are not implemented yet", "transactional_id", *req.TransactionalID)
		return resp, nil
	}
	id, err := r.broker.cluster.ctl.allocateProducerID()
	if err != nil {
		resp.ErrorCode = kerr.UnknownServerError.Code
		return resp, nil
	}
	resp.ProducerID, resp.ProducerEpoch = id, 0
	return resp, nil
}
