package broker

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The request history: what each broker of the cluster was asked, so
// that a test can assert on a client's conversation ("the producer sent
// exactly one InitProducerId", "the consumer committed after the
// rebalance") without a packet capture. It is a bounded ring: the oldest
// requests give way to new ones.

// historySize is how many requests the history keeps.
const historySize = 4096

// RequestRecord is one request a broker handled.
type RequestRecord struct {
	RequestInfo
	// Seq numbers the cluster's requests in the order they were
	// recorded, from 1; a test can wait for a request after a point.
	Seq int64
	// ErrorCodes are the distinct non-zero error codes answered, in the
	// order they appear in the response; empty when all went well or no
	// response was due.
	ErrorCodes []int16
	// Fault describes the injected fault or interceptor that disturbed
	// the request, "" for none.
	Fault string
}

// requestHistory is the cluster's ring of recent requests.
type requestHistory struct {
	mu      sync.Mutex
	ring    []RequestRecord
	next    int64         // Seq of the next record
	changed chan struct{} // closed and replaced at each record
}

func (h *requestHistory) add(info RequestInfo, resp kmsg.Response, fault string) {
	rec := RequestRecord{RequestInfo: info, ErrorCodes: errorCodes(resp), Fault: fault}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	rec.Seq = h.next
	if len(h.ring) < historySize {
		h.ring = append(h.ring, rec)
	} else {
		h.ring[(rec.Seq-1)%historySize] = rec
	}
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
}

// matching returns the kept records that match, oldest first, and a
// channel closed at the next record.
func (h *requestHistory) matching(match func(RequestRecord) bool) ([]RequestRecord, <-chan struct{}) {
	h.mu.Lock()
	kept := make([]RequestRecord, 0, len(h.ring))
	start := 0
	if len(h.ring) == historySize {
		start = int(h.next % historySize)
	}
	for i := range h.ring {
		kept = append(kept, h.ring[(start+i)%len(h.ring)])
	}
	if h.changed == nil {
		h.changed = make(chan struct{})
	}
	changed := h.changed
	h.mu.Unlock()
	if match == nil {
		return kept, changed
	}
	var out []RequestRecord
	for _, rec := range kept {
		if match(rec) {
			out = append(out, rec)
		}
	}
	return out, changed
}

// Requests returns the requests in the history that match (all of them
// for a nil match), oldest first.
func (c *Cluster) Requests(match func(RequestRecord) bool) []RequestRecord {
	out, _ := c.history.matching(match)
	return out
}

// WaitForRequest waits until the history holds a request that matches,
// one already recorded included, and returns the oldest such. A test
// waiting for a request after some point matches on Seq or Time.
func (c *Cluster) WaitForRequest(ctx context.Context, match func(RequestRecord) bool) (RequestRecord, error) {
	for {
		found, changed := c.history.matching(match)
		if len(found) > 0 {
			return found[0], nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return RequestRecord{}, ctx.Err()
		}
	}
}
