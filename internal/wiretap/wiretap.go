// Package wiretap records the requests a Kafka client writes, decoded,
// so that a test can check what a client really sent: whether a consumer
// used incremental fetch sessions (KIP-227), or which bytes a producer's
// record batch held before the broker stored it.
//
// A Tap wraps the client's dialer (kgo.Dialer). Each connection's writes
// are cut into request frames, as a broker reads them: a 4-byte size,
// the request header (api key, version, correlation id, client id and,
// for flexible versions, tagged fields) and the body, which kmsg decodes.
package wiretap

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Dialer is the shape of net.Dialer.DialContext and of kgo.Dialer's
// argument.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// Tap keeps every request written through the connections it dialed.
type Tap struct {
	dial Dialer

	mu      sync.Mutex
	reqs    []kmsg.Request
	changed chan struct{} // closed and replaced when a request is recorded
}

// New returns a Tap that dials with dial (a nil dial is net.Dialer's).
func New(dial Dialer) *Tap {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return &Tap{dial: dial, changed: make(chan struct{})}
}

// DialContext dials like the wrapped dialer and records what the
// connection writes.
func (t *Tap) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nc, err := t.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, tap: t}, nil
}

// Requests returns the requests recorded so far, in the order each
// connection wrote them.
func (t *Tap) Requests() []kmsg.Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]kmsg.Request(nil), t.reqs...)
}

// WaitFor returns the first recorded request for which match is true,
// waiting for more requests until one matches or ctx ends.
func (t *Tap) WaitFor(ctx context.Context, match func(kmsg.Request) bool) (kmsg.Request, error) {
	seen := 0
	for {
		t.mu.Lock()
		reqs, changed := t.reqs[seen:], t.changed
		seen = len(t.reqs)
		t.mu.Unlock()
		for _, r := range reqs {
			if match(r) {
				return r, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (t *Tap) record(req kmsg.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reqs = append(t.reqs, req)
	close(t.changed)
	t.changed = make(chan struct{})
}

// Fetches returns the Fetch requests recorded so far.
func (t *Tap) Fetches() []*kmsg.FetchRequest {
	var out []*kmsg.FetchRequest
	for _, r := range t.Requests() {
		if f, ok := r.(*kmsg.FetchRequest); ok {
			out = append(out, f)
		}
	}
	return out
}

// Produces returns the Produce requests recorded so far.
func (t *Tap) Produces() []*kmsg.ProduceRequest {
	var out []*kmsg.ProduceRequest
	for _, r := range t.Requests() {
		if p, ok := r.(*kmsg.ProduceRequest); ok {
			out = append(out, p)
		}
	}
	return out
}

type conn struct {
	net.Conn
	tap *Tap

	mu      sync.Mutex
	pending []byte // written bytes not yet a whole frame
}

func (c *conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, p[:n]...)
	for len(c.pending) >= 4 {
		size := int(binary.BigEndian.Uint32(c.pending))
		if len(c.pending) < 4+size {
			break
		}
		if req := decode(bytes.Clone(c.pending[4 : 4+size])); req != nil { // kmsg keeps slices of the frame
			c.tap.record(req)
		}
		c.pending = c.pending[4+size:]
	}
	return n, err
}

// decode reads one request frame, or returns nil for a frame it cannot
// read (which a client would not send).
func decode(frame []byte) kmsg.Request {
	if len(frame) < 10 {
		return nil
	}
	key := int16(binary.BigEndian.Uint16(frame))
	version := int16(binary.BigEndian.Uint16(frame[2:]))
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil
	}
	req.SetVersion(version)
	rest := frame[8:] // after the api key, version and correlation id
	idLen := int(int16(binary.BigEndian.Uint16(rest)))
	rest = rest[2:]
	if idLen > 0 {
		if idLen > len(rest) {
			return nil
		}
		rest = rest[idLen:]
	}
	if req.IsFlexible() {
		var ok bool
		if rest, ok = skipTags(rest); !ok {
			return nil
		}
	}
	if err := req.ReadFrom(rest); err != nil {
		return nil
	}
	return req
}

// skipTags skips a header's tagged fields: a count, then for each a tag
// and a length-prefixed value, all unsigned varints.
func skipTags(b []byte) ([]byte, bool) {
	n, used := binary.Uvarint(b)
	if used <= 0 {
		return nil, false
	}
	b = b[used:]
	for range n {
		if _, used = binary.Uvarint(b); used <= 0 {
			return nil, false
		}
		b = b[used:]
		size, used := binary.Uvarint(b)
		if used <= 0 || uint64(len(b)-used) < size {
			return nil, false
		}
		b = b[used+int(size):]
	}
	return b, true
}
