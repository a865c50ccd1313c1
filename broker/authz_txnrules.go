package broker

import (
	"github.com/gregorkafka/gregor/acl"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The authorization rules of the transaction APIs that only look
// (DescribeProducers, DescribeTransactions, ListTransactions) and of the
// coordinator's own path to partition leaders (WriteTxnMarkers), as
// Kafka 4's KafkaApis applies them.
func init() {
	// Only brokers write markers: CLUSTER_ACTION on the cluster.
	authRules[int16(kmsg.WriteTxnMarkers)] = clusterOp(acl.OpClusterAction)
	// A partition's producers are read like its records: READ on the
	// topic, TOPIC_AUTHORIZATION_FAILED on each partition otherwise.
	authRules[int16(kmsg.DescribeProducers)] = topics(acl.OpRead)
	authRules[int16(kmsg.DescribeTransactions)] = authDescribeTransactions
	authRules[int16(kmsg.ListTransactions)] = authListTransactions
}

// authDescribeTransactions: DESCRIBE on each transactional id; a denied
// one is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED while the others
// are described.
func authDescribeTransactions(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.DescribeTransactionsRequest)
	var kept, denied []string
	for _, id := range req.TransactionalIDs {
		if z.allowed(acl.OpDescribe, acl.ResourceTransactionalID, id) {
			kept = append(kept, id)
		} else {
			denied = append(denied, id)
		}
	}
	if len(denied) == 0 {
		return h(r)
	}
	cp := *req
	cp.TransactionalIDs = kept
	filtered := *r
	filtered.body = &cp
	var resp *kmsg.DescribeTransactionsResponse
	if len(kept) == 0 {
		resp = responseFor(r, req.ResponseKind().(*kmsg.DescribeTransactionsResponse))
	} else {
		out, err := h(&filtered)
		if err != nil || out == nil {
			return out, err
		}
		resp = out.(*kmsg.DescribeTransactionsResponse)
	}
	for _, id := range denied {
		s := kmsg.NewDescribeTransactionsResponseTransactionState()
		s.TransactionalID = id
		s.ErrorCode = kerr.TransactionalIDAuthorizationFailed.Code
		resp.TransactionStates = append(resp.TransactionStates, s)
	}
	return resp, nil
}

// authListTransactions lists only the transactional ids the principal
// may DESCRIBE; the others are left out silently, as Kafka does.
func authListTransactions(z *authz, r *request, h handler) (kmsg.Response, error) {
	out, err := h(r)
	if err != nil || out == nil {
		return out, err
	}
	resp := out.(*kmsg.ListTransactionsResponse)
	kept := resp.TransactionStates[:0]
	for _, s := range resp.TransactionStates {
		if z.allowed(acl.OpDescribe, acl.ResourceTransactionalID, s.TransactionalID) {
			kept = append(kept, s)
		}
	}
	resp.TransactionStates = kept
	return resp, nil
}
