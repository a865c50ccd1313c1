package broker

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// conn is one client connection. Requests are read as 4-byte
// size-prefixed frames; each is handled to completion and its response
// written before the next is handled, so responses leave in request
// order, as Kafka guarantees per connection. A separate reader goroutine
// reads and decodes ahead (frame.go), and notices a client hanging up
// while a request is parked.
//
// A connection ends in one of two ways. The client hangs up: ctx is
// canceled, so parked requests give up, but the requests already read
// are still handled (an acks=0 produce sent just before hanging up
// counts). Or the broker closes it (close: a stop, or
// connections.max.idle.ms): closed is closed too, and the requests not
// yet being handled are dropped, so that a stop never waits for a request
// that is still arriving or being decoded.
type conn struct {
	b       *Broker
	nc      net.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	closed  chan struct{}
	closeMu sync.Once
	id      int64 // numbers the cluster's connections, for the request history

	// idleMu guards the fields below: the idle timer reads them on the
	// clock's goroutine.
	idleMu     sync.Mutex
	lastActive time.Time
	idleTimer  clock.Timer
	clientID   string // of the last request; written only by serve

	// spare is a frame buffer to read the next request into. Only
	// Produce frames come back here: once a Produce request is answered
	// nothing refers to its bytes (the log copied the batches), whereas
	// other handlers may keep slices of their request (kmsg decodes bytes
	// fields without copying).
	spare chan []byte

	// session is who the client is and where it connected (session.go);
	// replaced as a whole when the client authenticates.
	session atomic.Pointer[security.Session]
	// listener is the listener the connection came in on.
	listener *brokerListener
	// sasl is the authentication state on a SASL listener (sasl.go);
	// touched only by serve's goroutine.
	sasl *saslState
	// closeAfterResponse closes the connection once the response being
	// written is out, as Kafka does after a failed authentication.
	closeAfterResponse bool
}

// maxSpareFrame bounds the buffer a connection keeps for reuse.
const maxSpareFrame = 16 << 20

func newConn(b *Broker, nc net.Conn, l *brokerListener) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	s := security.Session{Principal: security.Anonymous, ListenerName: l.spec.name,
		Protocol: l.spec.protocol, ClientHost: clientHost(nc)}
	if l.spec.tls != nil {
		nc = tls.Server(nc, l.spec.tls)
	}
	c := &conn{b: b, nc: nc, ctx: ctx, cancel: cancel, closed: make(chan struct{}), id: b.cluster.connSeq.Add(1),
		lastActive: b.cluster.clock.Now(), spare: make(chan []byte, 1), listener: l}
	if s.Protocol.UsesSASL() {
		c.sasl = &saslState{}
	}
	c.setSession(s)
	return c
}

// close closes the connection; handlers parked for it give up, and
// requests not yet being handled are dropped.
func (c *conn) close() {
	c.closeMu.Do(func() {
		close(c.closed)
		c.cancel()
		c.nc.Close()
		c.idleMu.Lock()
		if c.idleTimer != nil {
			c.idleTimer.Stop()
		}
		c.idleMu.Unlock()
	})
}

func (c *conn) serve() {
	defer c.close()
	c.armIdleTimer()
	if !c.tlsHandshake() {
		return
	}
	frames := make(chan frame, 4)
	go c.readFrames(frames)
	for {
		var f frame
		var ok bool
		select {
		case f, ok = <-frames:
		case <-c.closed:
			// Closed by the broker (a stop, connections.max.idle.ms): a
			// request still being read or decoded is dropped, so that a
			// stop waits only for a request already being handled.
			c.logClosed("connection closed by the broker")
			return
		}
		if !ok {
			c.logClosed("connection closed")
			return
		}
		if f.h.clientID != nil && *f.h.clientID != c.clientID {
			c.idleMu.Lock()
			c.clientID = *f.h.clientID
			c.idleMu.Unlock()
		}
		if f.err != nil {
			c.endReading(f.err)
			return
		}
		resp, throttle, err := c.handleWithQuotas(f)
		if err != nil {
			if errors.Is(err, context.Canceled) && c.ctx.Err() != nil {
				// A client hanging up during a long-poll fetch (or a
				// stop) ends the request: a disconnect, not a bad request.
				c.logClosed("connection closed during a request", "api", kmsg.NameForKey(f.h.key))
			} else if errors.Is(err, errInjectedClose) {
				c.logClosed("connection closed by an injected fault", "api", kmsg.NameForKey(f.h.key))
			} else {
				c.b.logger.Info("closing connection after a bad request", "remote", c.nc.RemoteAddr().String(), "client_id", c.clientID, "reason", err)
			}
			return
		}
		if throttle.before(resp) && !c.mute(throttle) {
			return
		}
		if resp != nil {
			if _, err := c.nc.Write(encodeResponse(f.h.correlationID, resp)); err != nil {
				c.logClosed("connection closed while writing a response")
				return
			}
			c.touch()
		}
		if throttle.after(resp) && !c.mute(throttle) {
			return
		}
		if c.closeAfterResponse {
			c.logClosed("connection closed after a failed authentication")
			return
		}
		c.recycle(f.buf)
	}
}

// endReading logs why reading stopped: a client hanging up, or a frame
// that could not be read or parsed.
func (c *conn) endReading(err error) {
	switch {
	case isBadRequest(err):
		c.b.logger.Info("closing connection after a bad request", "remote", c.nc.RemoteAddr().String(), "client_id", c.clientID, "reason", err)
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || c.ctx.Err() != nil:
		c.logClosed("connection closed")
	default:
		c.logClosed("closing connection", "reason", err)
	}
}

func (c *conn) logClosed(msg string, args ...any) {
	c.b.logger.Debug(msg, append([]any{"remote", c.nc.RemoteAddr().String(), "client_id", c.clientID}, args...)...)
}

// handle runs a decoded request's handler and returns the response to
// send, nil when none is due. A panic is recovered and closes only this
// connection.
func (c *conn) handle(f frame) (resp kmsg.Response, err error) {
	if f.direct != nil {
		return f.direct, nil
	}
	defer func() {
		if p := recover(); p != nil {
			c.b.logger.Error("request handler failed", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, err = nil, fmt.Errorf("internal error handling the request")
		}
	}()
	if resp, err, gated := c.saslGate(f.req); gated {
		return resp, err
	}
	return c.dispatch(f.req, c.authorizing(f.h.key, apis[f.h.key].handle))
}

// badRequest is what is wrong with a frame that is not a request the
// broker serves: the connection is closed, as Kafka closes it.
type badRequest struct{ err error }

func (e badRequest) Error() string { return e.err.Error() }
func (e badRequest) Unwrap() error { return e.err }

func badRequestf(format string, args ...any) error { return badRequest{fmt.Errorf(format, args...)} }

func isBadRequest(err error) bool {
	var br badRequest
	return errors.As(err, &br)
}

// decodeFrame decodes one request frame. An error in the frame (a
// badRequest) closes the connection.
func (c *conn) decodeFrame(buf []byte) (f frame) {
	f.buf = buf
	defer func() {
		if p := recover(); p != nil {
			c.b.logger.Error("request decoding failed", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			f = frame{err: badRequestf("internal error decoding the request")}
		}
	}()
	if hook := testHookDecoding.Load(); hook != nil {
		(*hook)()
	}
	h, err := parseRequestHeader(buf)
	if err != nil {
		return frame{err: badRequest{err}}
	}
	f.h = h
	bad := func(format string, args ...any) frame { return frame{h: h, err: badRequestf(format, args...)} }
	a := apis[h.key]
	if a == nil {
		return bad("unknown API key %d", h.key)
	}
	if h.version < a.minVersion || h.version > a.maxVersion {
		if h.key == apiVersionsKey {
			// KIP-511: answer an unknown ApiVersions version with v0 and
			// the list of what is supported, so the client can pick.
			f.direct = unsupportedAPIVersionsResponse()
			return f
		}
		return bad("unsupported version %d of API %d (supported %d-%d)", h.version, h.key, a.minVersion, a.maxVersion)
	}
	body := kmsg.RequestForKey(h.key)
	if d, ok := body.(interface{ Default() }); ok {
		// Fields a version lacks take the defaults of Kafka's message
		// definitions (current_leader_epoch -1 before Fetch v9, ...),
		// as Kafka's generated readers do.
		d.Default()
	}
	body.SetVersion(h.version)
	rest := buf[h.bodyStart:]
	if body.IsFlexible() {
		if rest, err = skipTaggedFields(rest); err != nil {
			return bad("request header: %w", err)
		}
	}
	if err := body.ReadFrom(rest); err != nil {
		return bad("malformed %s v%d request: %w", kmsg.NameForKey(h.key), h.version, err)
	}
	f.req = &request{ctx: c.ctx, broker: c.b, conn: c, key: h.key, version: h.version,
		correlationID: h.correlationID, clientID: h.clientID, body: body, size: len(buf)}
	return f
}

// testHookDecoding, when set by a test, runs as each frame starts to be
// decoded, on the connection's reader goroutine.
var testHookDecoding atomic.Pointer[func()]

type requestHeader struct {
	key           int16
	version       int16
	correlationID int32
	clientID      *string
	bodyStart     int // where the tagged fields (flexible) or body begin
}

// parseRequestHeader reads request header v1: api key, api version,
// correlation id and the nullable client id. (Header v2, for flexible
// versions, adds tagged fields after it, skipped by the caller.)
func parseRequestHeader(b []byte) (requestHeader, error) {
	var h requestHeader
	if len(b) < 10 {
		return h, fmt.Errorf("request of %d bytes is too short for a header", len(b))
	}
	h.key = int16(binary.BigEndian.Uint16(b[0:]))
	h.version = int16(binary.BigEndian.Uint16(b[2:]))
	h.correlationID = int32(binary.BigEndian.Uint32(b[4:]))
	n := int16(binary.BigEndian.Uint16(b[8:]))
	h.bodyStart = 10
	if n >= 0 {
		if len(b) < 10+int(n) {
			return h, fmt.Errorf("client id of %d bytes overruns the request", n)
		}
		s := string(b[10 : 10+int(n)])
		h.clientID = &s
		h.bodyStart += int(n)
	} else if n != -1 {
		return h, fmt.Errorf("invalid client id length %d", n)
	}
	return h, nil
}

func skipTaggedFields(b []byte) ([]byte, error) {
	n, used := binary.Uvarint(b)
	if used <= 0 {
		return nil, errors.New("truncated tagged fields")
	}
	b = b[used:]
	for i := uint64(0); i < n; i++ {
		if _, used = binary.Uvarint(b); used <= 0 {
			return nil, errors.New("truncated tag")
		}
		b = b[used:]
		size, used := binary.Uvarint(b)
		if used <= 0 || size > uint64(len(b)-used) {
			return nil, errors.New("truncated tag value")
		}
		b = b[used+int(size):]
	}
	return b, nil
}

// encodeResponse frames a response: size, correlation id, the flexible
// header's empty tagged fields (except for ApiVersions, whose response
// header is always v0 so that any client can read it), then the body.
func encodeResponse(correlationID int32, resp kmsg.Response) []byte {
	buf := make([]byte, 8, responseSizeHint(resp))
	binary.BigEndian.PutUint32(buf[4:], uint32(correlationID))
	if resp.IsFlexible() && resp.Key() != apiVersionsKey {
		buf = append(buf, 0)
	}
	buf = resp.AppendTo(buf)
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	return buf
}

// responseSizeHint guesses the encoded size of a response so that it is
// encoded into one allocation. Only Fetch responses are large: they carry
// record batches, which would otherwise be copied again each time the
// buffer doubled.
func responseSizeHint(resp kmsg.Response) int {
	const small = 64
	f, ok := resp.(*kmsg.FetchResponse)
	if !ok {
		return small
	}
	// Beyond the batches, each partition's fixed fields and each topic's
	// name or id take well under this.
	const perTopic, perPartition = 64, 64
	n := small
	for i := range f.Topics {
		n += perTopic
		for j := range f.Topics[i].Partitions {
			n += perPartition + len(f.Topics[i].Partitions[j].RecordBatches)
		}
	}
	return n
}

// touch records activity for connections.max.idle.ms.
func (c *conn) touch() {
	c.idleMu.Lock()
	c.lastActive = c.b.cluster.clock.Now()
	c.idleMu.Unlock()
}

// armIdleTimer closes the connection once it has been idle for
// connections.max.idle.ms by the cluster clock. The timer is not reset on
// every request; when it fires early it re-arms for the remaining time.
func (c *conn) armIdleTimer() {
	idle := time.Duration(c.b.config.Long("connections.max.idle.ms")) * time.Millisecond
	if idle <= 0 {
		return
	}
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	if c.ctx.Err() != nil {
		return
	}
	wait := idle - c.b.cluster.clock.Now().Sub(c.lastActive)
	if wait <= 0 {
		c.b.logger.Debug("closing idle connection", "remote", c.nc.RemoteAddr().String(), "client_id", c.clientID)
		go c.close()
		return
	}
	c.idleTimer = c.b.cluster.clock.AfterFunc(wait, c.armIdleTimer)
}
