package broker

// Transactions seen from Go: the open (and completed) transactions of
// every coordinator, and the story of each transactional id as events.

import (
	"context"
	"log/slog"
	"sort"
	"sync"

	"github.com/gregorkafka/gregor/txn"
)

// Transaction is one transactional id's state at its coordinator.
type Transaction struct {
	txn.Transaction
	Coordinator int32 // the broker coordinating it
}

// Transactions lists every transactional id the running coordinators
// know, by transactional id; filter (zero: everything) selects them as
// ListTransactions does.
func (c *Cluster) Transactions(filter txn.Filter) []Transaction {
	var out []Transaction
	for _, b := range c.brokers {
		if !b.Running() {
			continue
		}
		for _, t := range b.txns.List(filter) {
			out = append(out, Transaction{Transaction: t, Coordinator: b.id})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TransactionalID < out[j].TransactionalID })
	return out
}

// TxnEvent is a transaction event and the broker whose coordinator
// emitted it.
type TxnEvent struct {
	txn.Event
	Coordinator int32
}

// TransactionEvents returns the events of one transactional id (all
// ids if empty), oldest first.
func (c *Cluster) TransactionEvents(transactionalID string) []TxnEvent {
	return c.txnEvents.history(transactionalID)
}

// txnEventHistory is how many events the cluster keeps.
const txnEventHistory = 10000

type txnEventHub struct {
	logger *slog.Logger

	mu     sync.Mutex
	events []TxnEvent
	wake   chan struct{} // closed at the next event; nil until someone waits
}

// publish records an event. Coordinators call it with a shard locked,
// so it never blocks.
func (h *txnEventHub) publish(broker int32, e txn.Event) {
	h.logger.Log(context.Background(), slog.LevelInfo, "transaction event", "broker", broker,
		"transactional_id", e.TransactionalID, "type", string(e.Type), "producer_id", e.ProducerID,
		"producer_epoch", e.ProducerEpoch, "state", e.State.String(), "reason", e.Reason)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, TxnEvent{Event: e, Coordinator: broker})
	if len(h.events) > txnEventHistory+txnEventHistory/2 {
		n := len(h.events) - txnEventHistory
		h.events = append(h.events[:0:0], h.events[n:]...)
	}
	if h.wake != nil {
		close(h.wake)
		h.wake = nil
	}
}

// WaitTransactionEvent waits until an event of type typ has been
// emitted for the transactional id, or ctx ends.
func (c *Cluster) WaitTransactionEvent(ctx context.Context, transactionalID string, typ txn.EventType) error {
	for {
		h := c.txnEvents
		h.mu.Lock()
		for _, e := range h.events {
			if e.TransactionalID == transactionalID && e.Type == typ {
				h.mu.Unlock()
				return nil
			}
		}
		if h.wake == nil {
			h.wake = make(chan struct{})
		}
		wake := h.wake
		h.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (h *txnEventHub) history(transactionalID string) []TxnEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []TxnEvent
	for _, e := range h.events {
		if transactionalID == "" || e.TransactionalID == transactionalID {
			out = append(out, e)
		}
	}
	return out
}
