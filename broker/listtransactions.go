package broker

// ListTransactions (key 66), versions 0-2 (KIP-664, KIP-994, KIP-1152).
//
// The transactional ids this broker coordinates, filtered by state
// names (unknown names are echoed in UnknownStateFilters and match
// nothing), by producer id, from v1 by how long the transaction has
// been open (DurationFilterMillis, -1 for none), and from v2 by a
// regular expression on the transactional id (RE2 syntax, where Kafka
// uses Java's; an invalid one is INVALID_REGULAR_EXPRESSION).

import (
	"regexp"
	"time"

	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 2, handleListTransactions) }

func handleListTransactions(r *request, req *kmsg.ListTransactionsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ListTransactionsResponse))
	var f txn.Filter
	unknownOnly := false
	for _, name := range req.StateFilters {
		s, ok := txn.ParseState(name)
		if !ok {
			resp.UnknownStateFilters = append(resp.UnknownStateFilters, name)
			continue
		}
		f.States = append(f.States, s)
	}
	if len(req.StateFilters) > 0 && len(f.States) == 0 {
		unknownOnly = true
	}
	f.ProducerIDs = req.ProducerIDFilters
	if r.version >= 1 && req.DurationFilterMillis >= 0 {
		f.MinDuration = time.Duration(req.DurationFilterMillis) * time.Millisecond
		if f.MinDuration == 0 {
			f.MinDuration = time.Nanosecond // "open at least 0ms": only open transactions
		}
	}
	var re *regexp.Regexp
	if r.version >= 2 && req.TransactionalIDPattern != nil && *req.TransactionalIDPattern != "" {
		var err error
		if re, err = regexp.Compile(*req.TransactionalIDPattern); err != nil {
			resp.ErrorCode = kerr.InvalidRegularExpression.Code
			return resp, nil
		}
	}
	if unknownOnly {
		return resp, nil
	}
	for _, t := range r.broker.txns.List(f) {
		if re != nil && !re.MatchString(t.TransactionalID) {
			continue
		}
		st := kmsg.NewListTransactionsResponseTransactionState()
		st.TransactionalID, st.ProducerID, st.TransactionState = t.TransactionalID, t.ProducerID, t.State.String()
		resp.TransactionStates = append(resp.TransactionStates, st)
	}
	return resp, nil
}
