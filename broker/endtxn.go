package broker

// EndTxn (key 26), versions 0-5.
//
// Commits or aborts the producer's transaction. The coordinator writes
// PrepareCommit or PrepareAbort to __transaction_state and answers once
// it is replicated; the markers to the transaction's partitions and the
// Complete state follow in the background (package txn, endtxn.go).
// Errors: INVALID_TXN_STATE with no transaction open or for the opposite
// of a decision already taken, CONCURRENT_TRANSACTIONS while the
// previous decision completes, INVALID_PRODUCER_ID_MAPPING for an
// unknown producer id, PRODUCER_FENCED for a stale epoch (v2+;
// INVALID_PRODUCER_EPOCH before, KIP-588).
//
// v5 is transaction version 2 (KIP-890 part 2): the coordinator bumps
// the producer epoch on every commit and abort, writes the markers with
// the bumped epoch, and answers the producer id and epoch to continue
// with (a new producer id at epoch 0 when the epoch is exhausted). A
// client that sends v4 or older keeps transaction version 1: the same
// epoch for every transaction, and the request's own id and epoch
// answered (package txn, endtxn.go and endtxn_v2.go).

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleEndTxn) }

func handleEndTxn(r *request, req *kmsg.EndTxnRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.EndTxnResponse))
	if r.version >= 5 {
		next, err := r.broker.txns.EndTxnV2(r.ctx, req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit)
		resp.ErrorCode = fencedCode(err, r.version, 2)
		resp.ProducerID, resp.ProducerEpoch = next.ProducerID, next.Epoch
		return resp, nil
	}
	err := r.broker.txns.EndTxn(r.ctx, req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit)
	resp.ErrorCode = fencedCode(err, r.version, 2)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if err == nil {
		resp.ProducerID, resp.ProducerEpoch = req.ProducerID, req.ProducerEpoch
	}
	return resp, nil
}
