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
// INVALID_PRODUCER_EPOCH before, KIP-588). v5 (KIP-890 part 2) answers
// the producer id and epoch to continue with; gregor serves transaction
// version 1, so they are the request's own.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleEndTxn) }

func handleEndTxn(r *request, req *kmsg.EndTxnRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.EndTxnResponse))
	err := r.broker.txns.EndTxn(r.ctx, req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit)
	resp.ErrorCode = fencedCode(err, r.version, 2)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if err == nil {
		resp.ProducerID, resp.ProducerEpoch = req.ProducerID, req.ProducerEpoch
	}
	return resp, nil
}
