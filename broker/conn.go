package broker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// conn is one client connection. Requests are read as 4-byte
// size-prefixed frames; each is handled to completion and its response
// written before the next is handled, so responses leave in request
// order, as Kafka guarantees per connection. A separate reader goroutine
// reads ahead (and notices a client hanging up while a request is parked).
type conn struct {
	b        *Broker
	nc       net.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	closeMu  sync.Once
	clientID string

	idleMu     sync.Mutex
	lastActive time.Time
	idleTimer  clock.Timer

	// spare is a frame buffer to read the next request into. Only
	// Produce frames come back here: once a Produce request is answered
	// nothing refers to its bytes (the log copied the batches), whereas
	// other handlers may keep slices of their request (kmsg decodes bytes
	// fields without copying).
	spare chan []byte
}

// maxSpareFrame bounds the buffer a connection keeps for reuse.
const maxSpareFrame = 16 << 20

func newConn(b *Broker, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{b: b, nc: nc, ctx: ctx, cancel: cancel, lastActive: b.cluster.clock.Now(),
		spare: make(chan []byte, 1)}
}

// close closes the connection; handlers parked for it give up.
func (c *conn) close() {
	c.closeMu.Do(func() {
		c.cancel()
		c.nc.Close()
		c.idleMu.Lock()
		if c.idleTimer != nil {
			c.idleTimer.Stop()
		}
		c.idleMu.Unlock()
	})
}

// frame is a request read off the wire, or the error that ended reading.
type frame struct {
	buf []byte
	err error
}

func (c *conn) serve() {
	defer c.close()
	c.armIdleTimer()
	frames := make(chan frame, 4)
	go c.readFrames(frames)
	for f := range frames {
		if f.err != nil {
			if !errors.Is(f.err, io.EOF) && !errors.Is(f.err, net.ErrClosed) && c.ctx.Err() == nil {
				c.b.logger.Debug("closing connection", "remote", c.nc.RemoteAddr().String(), "reason", f.err)
			}
			return
		}
		c.touch()
		out, err := c.handleFrame(f.buf)
		if err != nil {
			c.b.logger.Info("closing connection after a bad request", "remote", c.nc.RemoteAddr().String(), "client_id", c.clientID, "reason", err)
			return
		}
		if out != nil {
			if _, err := c.nc.Write(out); err != nil {
				return
			}
		}
		c.recycle(f.buf)
	}
}

// recycle offers a handled frame's buffer for the next request, if it
// held a Produce request (see conn.spare).
func (c *conn) recycle(buf []byte) {
	if len(buf) < 2 || int16(binary.BigEndian.Uint16(buf)) != kmsg.Produce.Int16() || cap(buf) > maxSpareFrame {
		return
	}
	select {
	case c.spare <- buf:
	default:
	}
}

// frameBuffer returns a buffer of size bytes for the next frame: the spare
// one when it is large enough. Producers send requests of similar sizes,
// so after the first one a steady producer reuses the same memory rather
// than having fresh pages faulted in for every request.
func (c *conn) frameBuffer(size int) []byte {
	select {
	case buf := <-c.spare:
		if cap(buf) >= size {
			return buf[:size]
		}
	default:
	}
	return make([]byte, size)
}

// readFrames reads whole frames until the connection fails, enforcing
// socket.request.max.bytes as Kafka's socket server does: a larger size
// closes the connection without reading the body.
func (c *conn) readFrames(out chan<- frame) {
	defer close(out)
	// Once nothing more can be read the client is gone (Kafka clients
	// never half-close): requests parked for it give up, as their
	// responses could not be delivered anyway.
	defer c.cancel()
	maxSize := c.b.config.Int("socket.request.max.bytes")
	var sizeBuf [4]byte
	for {
		if _, err := io.ReadFull(c.nc, sizeBuf[:]); err != nil {
			c.deliver(out, frame{err: err})
			return
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		if size < 0 || int(size) > maxSize {
			c.deliver(out, frame{err: fmt.Errorf("request size %d is outside 0..socket.request.max.bytes (%d)", size, maxSize)})
			return
		}
		buf, err := c.readBody(int(size))
		if err != nil {
			c.deliver(out, frame{err: err})
			return
		}
		if !c.deliver(out, frame{buf: buf}) {
			return
		}
	}
}

// eagerBodyBytes is the largest request body whose buffer is allocated
// as soon as its size is read.
const eagerBodyBytes = 1 << 20

// readBody reads a request body of size bytes. A body larger than
// eagerBodyBytes, unless the spare buffer holds it, gets a buffer that
// grows as its bytes arrive, so that a client announcing a request of
// socket.request.max.bytes and sending nothing more does not make the
// broker allocate it, once per connection.
func (c *conn) readBody(size int) ([]byte, error) {
	if size <= eagerBodyBytes {
		buf := c.frameBuffer(size)
		_, err := io.ReadFull(c.nc, buf)
		return buf, err
	}
	var start []byte
	select {
	case start = <-c.spare:
	default:
	}
	return readGrowing(c.nc, size, start[:0])
}

// readGrowing reads size bytes into buf (empty, any capacity), growing it
// by doubling as the bytes arrive.
func readGrowing(r io.Reader, size int, buf []byte) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, min(size, eagerBodyBytes))
	}
	for len(buf) < size {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), size-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), size)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < size {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

func (c *conn) deliver(out chan<- frame, f frame) bool {
	select {
	case out <- f:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// handleFrame decodes and handles one request and returns the encoded
// response frame (nil when none is due). An error closes the connection.
func (c *conn) handleFrame(buf []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.b.logger.Error("request handler failed", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out, err = nil, fmt.Errorf("internal error handling the request")
		}
	}()
	h, err := parseRequestHeader(buf)
	if err != nil {
		return nil, err
	}
	if h.clientID != nil {
		c.clientID = *h.clientID
	}
	a := apis[h.key]
	if a == nil {
		return nil, fmt.Errorf("unknown API key %d", h.key)
	}
	if h.version < a.minVersion || h.version > a.maxVersion {
		if h.key == apiVersionsKey {
			// KIP-511: answer an unknown ApiVersions version with v0 and
			// the list of what is supported, so the client can pick.
			return encodeResponse(h.correlationID, unsupportedAPIVersionsResponse()), nil
		}
		return nil, fmt.Errorf("unsupported version %d of API %d (supported %d-%d)", h.version, h.key, a.minVersion, a.maxVersion)
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
			return nil, fmt.Errorf("request header: %w", err)
		}
	}
	// (kmsg v1.15 decodes a flexible request's tagged fields one
	// announced tag at a time, even past the end of the bytes: a request
	// announcing billions of tags keeps this goroutine busy for seconds
	// before it fails. See slowDecodes in fuzz_test.go.)
	if err := body.ReadFrom(rest); err != nil {
		return nil, fmt.Errorf("malformed %s v%d request: %w", kmsg.NameForKey(h.key), h.version, err)
	}
	r := &request{ctx: c.ctx, broker: c.b, conn: c, key: h.key, version: h.version,
		correlationID: h.correlationID, clientID: h.clientID, body: body}
	resp, err := a.handle(r)
	if err != nil || resp == nil {
		return nil, err
	}
	return encodeResponse(h.correlationID, resp), nil
}

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
