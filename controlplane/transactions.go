package controlplane

// GET /v1/transactions: the transactional ids the coordinators know,
// with their state and partitions, optionally filtered by ?state=Ongoing
// (Kafka's state names, as ListTransactions takes them).

import (
	"fmt"
	"net/http"

	"github.com/gregorkafka/gregor/txn"
)

// Transaction is one transactional id as GET /v1/transactions shows it.
type Transaction struct {
	TransactionalID string   `json:"transactional_id"`
	ProducerID      int64    `json:"producer_id"`
	ProducerEpoch   int16    `json:"producer_epoch"`
	State           string   `json:"state"`
	TimeoutMs       int64    `json:"timeout_ms"`
	StartTimeMs     int64    `json:"start_time_ms"` // -1: no transaction started
	Partitions      []string `json:"partitions"`    // "topic-partition"
	Coordinator     int32    `json:"coordinator"`
}

func (s *server) getTransactions(w http.ResponseWriter, r *http.Request) {
	var f txn.Filter
	for _, name := range r.URL.Query()["state"] {
		st, ok := txn.ParseState(name)
		if !ok {
			reply(w, nil, &apiError{http.StatusBadRequest, fmt.Errorf("unknown transaction state %q", name)})
			return
		}
		f.States = append(f.States, st)
	}
	out := []Transaction{}
	for _, t := range s.c.Transactions(f) {
		tj := Transaction{TransactionalID: t.TransactionalID, ProducerID: t.ProducerID, ProducerEpoch: t.ProducerEpoch,
			State: t.State.String(), TimeoutMs: t.Timeout.Milliseconds(), StartTimeMs: -1, Partitions: []string{},
			Coordinator: t.Coordinator}
		if !t.StartTime.IsZero() {
			tj.StartTimeMs = t.StartTime.UnixMilli()
		}
		for _, tp := range t.Partitions {
			tj.Partitions = append(tj.Partitions, fmt.Sprintf("%s-%d", tp.Topic, tp.Partition))
		}
		out = append(out, tj)
	}
	reply(w, out, nil)
}
