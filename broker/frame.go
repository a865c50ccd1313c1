package broker

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Reading request frames off the wire. A frame is a 4-byte size and that
// many bytes of request; socket.request.max.bytes bounds the size, as in
// Kafka's socket server. A connection's reader goroutine reads each frame
// and decodes it, so that the goroutine handling requests only handles.

// frame is a request read off the wire and decoded, or the error that
// ended reading.
type frame struct {
	buf []byte   // the frame's bytes, which the decoded request may share
	req *request // nil when direct is set
	// direct is an answer due without handling the request: KIP-511's
	// ApiVersions v0 answer to an ApiVersions version it does not know.
	direct kmsg.Response
	h      requestHeader
	err    error
}

// readFrames reads and decodes frames until the connection fails or a
// frame is bad. A size outside 0..socket.request.max.bytes closes the
// connection without the body being read. A bad frame stops reading
// only: the requests before it are still handled and answered, and the
// handling goroutine closes the connection when it reaches the bad one.
func (c *conn) readFrames(out chan<- frame) {
	defer close(out)
	maxSize := c.b.config.Int("socket.request.max.bytes")
	r := wireReader{c}
	var sizeBuf [4]byte
	for {
		if _, err := io.ReadFull(r, sizeBuf[:]); err != nil {
			c.readFailed(out, err)
			return
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		if size < 0 || int(size) > maxSize {
			c.deliver(out, frame{err: badRequestf("request size %d is outside 0..socket.request.max.bytes (%d)", size, maxSize)})
			return
		}
		buf, err := c.readBody(r, int(size))
		if err != nil {
			c.readFailed(out, err)
			return
		}
		f := c.decodeFrame(buf)
		if !c.deliver(out, f) || f.err != nil {
			return
		}
	}
}

// readFailed ends reading when the connection fails. Once nothing more
// can be read the client is gone (Kafka clients never half-close):
// requests parked for it give up, as their responses could not be
// delivered anyway. The error is passed on if there is room for it; if
// not, the closed channel says as much.
func (c *conn) readFailed(out chan<- frame, err error) {
	c.cancel()
	select {
	case out <- frame{err: err}:
	default:
	}
}

// deliver hands a frame to the handling goroutine, unless the connection
// closes first.
func (c *conn) deliver(out chan<- frame, f frame) bool {
	select {
	case out <- f:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// wireReader reads from the connection and counts every read that brings
// bytes as activity for connections.max.idle.ms, as Kafka's selector
// does: a client sending a large request slowly is not idle.
type wireReader struct{ c *conn }

func (r wireReader) Read(p []byte) (int, error) {
	n, err := r.c.nc.Read(p)
	if n > 0 {
		r.c.touch()
	}
	return n, err
}

// believedBodyBytes is how much of a request body must arrive before the
// broker believes its announced size. Smaller bodies get their buffer as
// soon as the size is read. A larger body's first believedBodyBytes are
// read into a buffer of that size, and only then is a buffer of the
// announced size allocated, once: a client announcing
// socket.request.max.bytes and sending nothing more costs the broker
// 1 MiB, not 100 MB, while a real large request costs its size and 1 MiB,
// as in Kafka, which allocates the announced size.
const believedBodyBytes = 1 << 20

// readBody reads a request body of size bytes, into the spare buffer
// when there is one (see conn.spare).
func (c *conn) readBody(r io.Reader, size int) ([]byte, error) {
	var spare []byte
	select {
	case spare = <-c.spare:
	default:
	}
	return readBody(r, size, spare[:0])
}

// readBody reads size bytes into buf (empty, any capacity) or a new
// buffer. Beyond believedBodyBytes, it holds the whole body only once the
// first believedBodyBytes of it have arrived.
func readBody(r io.Reader, size int, buf []byte) ([]byte, error) {
	if cap(buf) < size && size <= believedBodyBytes {
		buf = make([]byte, size)
	}
	if cap(buf) >= size {
		buf = buf[:size]
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	head := buf[:0]
	if cap(head) < believedBodyBytes {
		head = make([]byte, believedBodyBytes)
	}
	head = head[:believedBodyBytes]
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	buf = make([]byte, size)
	n := copy(buf, head)
	if _, err := io.ReadFull(r, buf[n:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
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
