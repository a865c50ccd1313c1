package broker

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzRequestFrames writes arbitrary bytes to a broker connection, as a
// broken or hostile client would, and checks the promise of DESIGN.md:
// bad input never takes the broker down. For every input:
//
//   - no handler panics (a recovered panic is logged; the test fails on it),
//   - each response the broker sends is a well-formed frame answering one
//     of the requests, in request order; requests that got no answer are
//     only those after the point where the broker closed the connection,
//     or produce requests with acks=0,
//   - the broker finishes: after the input, the test sends one more valid
//     request, which is answered unless the connection was closed,
//   - afterwards a new connection works (ApiVersions and Metadata).
//
// Run it with
//
//	go test -run='^$' -fuzz=FuzzRequestFrames -fuzztime=3m ./broker
func FuzzRequestFrames(f *testing.F) {
	for _, seed := range fuzzSeedFrames() {
		f.Add(seed)
	}
	if path := os.Getenv("GREGOR_FUZZ_CRASH_OUTPUT"); path != "" {
		// Fuzz workers have no stderr: a crash outside the fuzz function
		// (a panic in a broker goroutine) would otherwise leave no trace.
		out, err := os.OpenFile(fmt.Sprintf("%s.%d", path, os.Getpid()), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			f.Fatal(err)
		}
		debug.SetCrashOutput(out, debug.CrashOptions{})
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		fc := fuzzClusterFor(t)
		fc.checkInput(t, input)
		fc.checkFreshConnection(t)
	})
}

// fuzzMaxRequest is socket.request.max.bytes for the fuzzed cluster: small,
// so that an input announcing a big frame is cheap to complete.
const fuzzMaxRequest = 1 << 20

// fuzzCluster is one cluster shared by many fuzz inputs (each worker
// process has its own). It is replaced now and then, so that topics
// created by earlier inputs do not pile up.
type fuzzCluster struct {
	c     *Cluster
	clk   *clock.Manual
	uses  int
	panic *panicRecorder
}

var fuzzShared struct {
	mu sync.Mutex
	fc *fuzzCluster
}

func fuzzClusterFor(t *testing.T) *fuzzCluster {
	fuzzShared.mu.Lock()
	defer fuzzShared.mu.Unlock()
	fc := fuzzShared.fc
	if fc != nil && (fc.uses >= 500 || len(fc.c.Topics()) > 30) {
		fc.c.Close()
		fc = nil
	}
	if fc == nil {
		var err error
		if fc, err = newFuzzCluster(); err != nil {
			t.Fatal(err)
		}
		fuzzShared.fc = fc
	}
	fc.uses++
	return fc
}

func newFuzzCluster() (*fuzzCluster, error) {
	clk := clock.NewManual(fuzzEpoch)
	rec := &panicRecorder{}
	c, err := New(InMemoryNetwork(), Clock(clk), Logger(slog.New(rec)),
		Config("socket.request.max.bytes", fmt.Sprint(fuzzMaxRequest)),
		// No idle timer and no periodic checks: the pending timers then
		// belong to parked requests, which the harness releases by
		// advancing the clock in big steps.
		Config("connections.max.idle.ms", "-1"),
		Config("replica.lag.time.max.ms", "1000000000000"),
		Config("auto.leader.rebalance.enable", "false"),
		Topic("fuzz", 2, 1, nil))
	if err != nil {
		return nil, err
	}
	for p := int32(0); p < 2; p++ {
		batch, err := record.Build(record.BatchOptions{}, []record.Record{
			{Timestamp: fuzzEpoch.UnixMilli(), Key: []byte("k"), Value: []byte("v0")},
			{Timestamp: fuzzEpoch.UnixMilli() + 1, Value: []byte("v1")},
		})
		if err != nil {
			return nil, err
		}
		if _, err := c.Broker(1).replica("fuzz", p).AppendAsLeader(batch, 1); err != nil {
			return nil, err
		}
	}
	return &fuzzCluster{c: c, clk: clk, panic: rec}, nil
}

var fuzzEpoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// panicRecorder is a log handler that remembers the panics that the
// connection handler recovered from: each one is a bug.
type panicRecorder struct {
	mu     sync.Mutex
	panics []string
}

func (*panicRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicRecorder) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "panic" || a.Key == "stack" {
			p.mu.Lock()
			p.panics = append(p.panics, a.Value.String())
			p.mu.Unlock()
		}
		return true
	})
	return nil
}
func (p *panicRecorder) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicRecorder) WithGroup(string) slog.Handler      { return p }

func (p *panicRecorder) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.panics
	p.panics = nil
	return out
}

// sentinelCorrelationID marks the valid request sent after each input.
const sentinelCorrelationID = 0x5e47153

// sentFrame is a request frame the broker will read, as the broker's own
// framing splits the input.
type sentFrame struct {
	body []byte // after the size prefix
}

// frameInput splits an input the way the broker's reader will, completing
// a last, partial frame with zero bytes so that the broker does not wait
// for more. closed is set when a size prefix is out of range, after which
// the broker reads nothing more.
func frameInput(input []byte) (wire []byte, frames []sentFrame, closed bool) {
	wire = bytes.Clone(input)
	for pos := 0; pos < len(wire); {
		if len(wire)-pos < 4 {
			wire = append(wire, make([]byte, 4-(len(wire)-pos))...)
		}
		size := int32(binary.BigEndian.Uint32(wire[pos:]))
		if size < 0 || size > fuzzMaxRequest {
			return wire, frames, true
		}
		end := pos + 4 + int(size)
		if end > len(wire) {
			wire = append(wire, make([]byte, end-len(wire))...)
		}
		frames = append(frames, sentFrame{body: wire[pos+4 : end]})
		pos = end
	}
	return wire, frames, false
}

// checkInput writes one input and the sentinel request, then reads and
// checks every response until the sentinel is answered or the broker
// closes the connection.
func (fc *fuzzCluster) checkInput(t *testing.T, input []byte) {
	wire, frames, closed := frameInput(input)
	if !closed {
		sentinel := kmsg.NewPtrApiVersionsRequest()
		sentinel.SetVersion(3)
		sentinel.ClientSoftwareName, sentinel.ClientSoftwareVersion = "fuzz", "1"
		frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz")).AppendRequest(nil, sentinel, sentinelCorrelationID)
		wire = append(wire, frame...)
		frames = append(frames, sentFrame{body: frame[4:]})
	}
	nc, err := fc.c.Dial(context.Background(), "tcp", fc.c.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// net.Pipe is unbuffered: write while reading, or the broker blocks
	// writing a response while the test blocks writing the input.
	go func() { _, _ = nc.Write(wire) }()
	responses := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		for {
			frame, err := readResponseFrame(nc)
			if err != nil {
				readErr <- err
				return
			}
			responses <- frame
		}
	}()

	next := 0 // the first frame that has not been answered
	step := time.Second
	start := time.Now()
	deadline := start.Add(8 * time.Second) // before the fuzz worker's own 10s deadlock panic
	for {
		select {
		case resp := <-responses:
			step = time.Second
			matched, err := matchResponse(frames, &next, resp)
			if err != nil {
				t.Fatalf("input %x: %v", input, err)
			}
			if matched == len(frames)-1 && !closed {
				fc.failOnPanics(t, input)
				return
			}
		case err := <-readErr:
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("input %x: reading responses: %v", input, err)
			}
			fc.failOnPanics(t, input)
			return
		case <-time.After(20 * time.Millisecond):
			// A request may be parked (a fetch waiting for data, up
			// to 2^31 ms): move the broker's clock, a step twice as
			// long each time nothing happens, past periodic timers.
			fc.clk.Advance(step)
			step *= 2
			if time.Now().After(deadline) {
				pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
				t.Fatalf("input %x: the broker neither answered nor closed the connection", input)
			}
		}
	}
}

func (fc *fuzzCluster) failOnPanics(t *testing.T, input []byte) {
	if p := fc.panic.take(); len(p) > 0 {
		t.Fatalf("input %x: a request handler panicked: %v", input, p)
	}
}

// readResponseFrame reads one size-prefixed response.
func readResponseFrame(r io.Reader) ([]byte, error) {
	var sizeBuf [4]byte
	if _, err := io.ReadFull(r, sizeBuf[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
	if size < 4 || size > 64<<20 {
		return nil, fmt.Errorf("response frame size %d", size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("response frame of %d bytes cut short: %w", size, err)
	}
	return b, nil
}

// matchResponse finds the request a response answers: the first frame
// from *next with its correlation id. Frames skipped over must be
// produce requests with acks=0. The response must decode as that API's
// response at the request's version.
func matchResponse(frames []sentFrame, next *int, resp []byte) (int, error) {
	corr := int32(binary.BigEndian.Uint32(resp))
	for i := *next; i < len(frames); i++ {
		h, err := parseRequestHeader(frames[i].body)
		if err != nil {
			return 0, fmt.Errorf("response with correlation id %d after request %d, whose header does not parse (%v): the connection should have been closed", corr, i, err)
		}
		if isAcksZeroProduce(frames[i].body, h) {
			continue // never answered
		}
		if h.correlationID != corr {
			return 0, fmt.Errorf("response with correlation id %d, but request %d (key %d v%d, correlation id %d) was not answered",
				corr, i, h.key, h.version, h.correlationID)
		}
		*next = i + 1
		return i, checkResponseBody(h, resp[4:])
	}
	return 0, fmt.Errorf("response with correlation id %d matches no request", corr)
}

func isAcksZeroProduce(body []byte, h requestHeader) bool {
	if h.key != 0 {
		return false
	}
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(h.version)
	rest := body[h.bodyStart:]
	if req.IsFlexible() {
		var err error
		if rest, err = skipTaggedFields(rest); err != nil {
			return false
		}
	}
	return req.ReadFrom(rest) == nil && req.Acks == 0
}

func checkResponseBody(h requestHeader, body []byte) error {
	a := apis[h.key]
	if a == nil {
		return fmt.Errorf("answer to unknown API key %d", h.key)
	}
	version := h.version
	if version < a.minVersion || version > a.maxVersion {
		if h.key != apiVersionsKey {
			return fmt.Errorf("answer to unsupported version %d of API %d", h.version, h.key)
		}
		version = 0
	}
	resp := kmsg.ResponseForKey(h.key)
	resp.SetVersion(version)
	if resp.IsFlexible() && h.key != apiVersionsKey {
		var err error
		if body, err = skipTaggedFields(body); err != nil {
			return fmt.Errorf("%s v%d response header: %v", kmsg.NameForKey(h.key), version, err)
		}
	}
	if err := resp.ReadFrom(body); err != nil {
		return fmt.Errorf("%s v%d response does not decode: %v", kmsg.NameForKey(h.key), version, err)
	}
	return nil
}

// checkFreshConnection proves the broker still serves: a new connection
// gets ApiVersions and Metadata answered without errors.
func (fc *fuzzCluster) checkFreshConnection(t *testing.T) {
	nc, err := fc.c.Dial(context.Background(), "tcp", fc.c.Addrs()[0])
	if err != nil {
		t.Fatalf("dialing after the input: %v", err)
	}
	defer nc.Close()
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(3)
	av.ClientSoftwareName, av.ClientSoftwareVersion = "fresh", "1"
	md := kmsg.NewPtrMetadataRequest()
	md.SetVersion(12)
	var avResp kmsg.ApiVersionsResponse
	var mdResp kmsg.MetadataResponse
	if err := rawRoundTrip(nc, av, &avResp); err != nil || avResp.ErrorCode != 0 || len(avResp.ApiKeys) == 0 {
		t.Fatalf("ApiVersions on a new connection: %v (error code %d)", err, avResp.ErrorCode)
	}
	if err := rawRoundTrip(nc, md, &mdResp); err != nil || len(mdResp.Brokers) != 1 {
		t.Fatalf("Metadata on a new connection: %v (%d brokers)", err, len(mdResp.Brokers))
	}
}

// rawRoundTrip sends one request and decodes its response into resp.
func rawRoundTrip(nc net.Conn, req kmsg.Request, resp kmsg.Response) error {
	const corr = 7
	frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID("raw")).AppendRequest(nil, req, corr)
	writeErr := make(chan error, 1)
	go func() { _, err := nc.Write(frame); writeErr <- err }()
	b, err := readResponseFrame(nc)
	if err != nil {
		return err
	}
	if err := <-writeErr; err != nil {
		return err
	}
	if got := int32(binary.BigEndian.Uint32(b)); got != corr {
		return fmt.Errorf("correlation id %d, want %d", got, corr)
	}
	b = b[4:]
	resp.SetVersion(req.GetVersion())
	if resp.IsFlexible() && req.Key() != apiVersionsKey {
		if b, err = skipTaggedFields(b); err != nil {
			return err
		}
	}
	return resp.ReadFrom(b)
}
