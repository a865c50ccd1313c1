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
// only matter to transactional producers). With one, the request goes to
// the id's transaction coordinator (txns.go, package txn): the first
// producer of an id gets a producer id, each later one the next epoch,
// fencing its predecessor; v3+ carries the producer's current id and
// epoch for KIP-360 recovery. transaction.timeout.ms above
// transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT.
//
// KIP-588: before v4 a fenced producer is told INVALID_PRODUCER_EPOCH,
// from v4 PRODUCER_FENCED.

import (
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleInitProducerID) }

func handleInitProducerID(r *request, req *kmsg.InitProducerIDRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.InitProducerIDResponse))
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if req.TransactionalID != nil {
		expected := txn.ProducerIDAndEpoch{ProducerID: -1, Epoch: -1}
		if r.version >= 3 {
			expected = txn.ProducerIDAndEpoch{ProducerID: req.ProducerID, Epoch: req.ProducerEpoch}
		}
		timeout := time.Duration(req.TransactionTimeoutMillis) * time.Millisecond
		pe, err := r.broker.txns.InitProducerID(r.ctx, *req.TransactionalID, timeout, expected)
		if err != nil {
			resp.ErrorCode = fencedCode(err, r.version, 4)
			return resp, nil
		}
		resp.ProducerID, resp.ProducerEpoch = pe.ProducerID, pe.Epoch
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

// fencedCode is the error code of a coordinator error: PRODUCER_FENCED
// only from the version that knows it (KIP-588), INVALID_PRODUCER_EPOCH
// before.
func fencedCode(err error, version, fencedFrom int16) int16 {
	code := kafkaerr.Code(err)
	if code == kerr.ProducerFenced.Code && version < fencedFrom {
		return kerr.InvalidProducerEpoch.Code
	}
	return code
}
