package broker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Fault injection: a test makes the cluster misbehave the way a real
// network and real brokers do, to see what its client does about it.
// A fault answers an error instead of handling the request, holds the
// response back on the cluster's clock (a slow broker, or a long round
// trip), loses the response while the request still takes effect (the
// lost acknowledgement that idempotent producers, KIP-98, exist for),
// loses the request, or closes the connection before or after handling.
// Every injected fault is logged at Info on the cluster's logger.

// AnyAPI makes a Fault match requests of every API.
const AnyAPI kmsg.Key = -1

// Fault says which requests to disturb and how. The zero value of each
// selector matches everything, except API, whose zero value is Produce:
// set it to AnyAPI to match every API.
//
// The effects combine, and apply in this order: CloseBefore, DropRequest,
// Error (answered instead of handling the request), CloseAfter,
// DropResponse, Delay.
type Fault struct {
	// Broker is the node id of the broker whose requests match; 0 for
	// every broker.
	Broker int32
	// API is the request's API key (kmsg.Produce, kmsg.Fetch, ...), or
	// AnyAPI.
	API kmsg.Key
	// Topic, when set, matches only requests naming the topic (by name,
	// or by topic id for Fetch v13+ and the like); Partitions, when
	// also set, only those naming one of its partitions.
	Topic      string
	Partitions []int32
	// ClientID, when set, matches only requests with this client id, so
	// that parallel tests on one cluster disturb only their own clients.
	ClientID string
	// Times is how many matching requests the fault applies to; 0 for
	// every one until it is removed.
	Times int

	// Error, when set, answers the request with this error code without
	// handling it: on every topic and partition of the response where
	// the response has them (mirrored from the request), otherwise in
	// the response's top-level error code. With a Topic (and Partitions)
	// filter, only the matched topic's (partitions') entries get the
	// error and are not handled; the request's other topics and
	// partitions are handled as usual, in the same response (except in
	// a Fetch, which is answered with the error whole: a fetch session
	// keeps its partitions from one request to the next).
	Error *kerr.Error
	// Delay holds the response back for this long on the cluster clock
	// (on a manual clock, until the test advances it). The connection's
	// later requests wait behind it, as they would behind a slow broker.
	Delay time.Duration
	// DropResponse handles the request but never answers it.
	DropResponse bool
	// DropRequest neither handles nor answers the request.
	DropRequest bool
	// CloseBefore closes the connection instead of handling the request.
	CloseBefore bool
	// CloseAfter handles the request, then closes the connection
	// without answering.
	CloseAfter bool
}

// String describes the fault's effects, as the event log shows them.
func (f Fault) String() string {
	var parts []string
	if f.CloseBefore {
		parts = append(parts, "close before handling")
	}
	if f.DropRequest {
		parts = append(parts, "drop request")
	}
	if f.Error != nil {
		parts = append(parts, "error "+kafkaerr.NameOf(f.Error))
	}
	if f.CloseAfter {
		parts = append(parts, "close after handling")
	}
	if f.DropResponse {
		parts = append(parts, "drop response")
	}
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// RequestInfo describes a request as it arrives at a broker.
type RequestInfo struct {
	Broker   int32
	API      kmsg.Key
	Version  int16
	ClientID string
	// Conn numbers the connection within the cluster, from 1.
	Conn int64
	// Time is when handling the request began, on the cluster clock.
	Time time.Time
}

// Interceptor answers a request in place of its handler: it returns the
// response (nil for none) and true, or false to let the request go on
// to the next interceptor and then its handler.
type Interceptor func(req kmsg.Request, info RequestInfo) (resp kmsg.Response, handled bool)

// faultSet holds a cluster's injected faults and interceptors.
type faultSet struct {
	mu           sync.Mutex
	faults       []*activeFault
	interceptors []*Interceptor
}

type activeFault struct {
	Fault
	left int // applications left; -1 for unlimited
}

// InjectFault makes the cluster apply f to matching requests, until the
// returned function is called or f has applied Times times. When several
// faults match a request, the one injected first applies.
func (c *Cluster) InjectFault(f Fault) (remove func()) {
	remove, _ = c.InjectFaultWatched(f)
	return remove
}

// Intercept adds an interceptor, called for every request any broker of
// the cluster handles, on the connection's goroutine (a slow interceptor
// holds up that connection only). Interceptors run after injected faults,
// for the requests that no fault answered, in the order they were added;
// the first to return handled answers the request, and its handler does
// not run. The returned function removes the interceptor: requests that
// begin handling after it returns no longer see it. Interceptors are
// called concurrently for different connections, so a test sharing the
// cluster with parallel tests should match on info.ClientID.
func (c *Cluster) Intercept(f Interceptor) (remove func()) {
	p := &f
	fs := &c.faults
	fs.mu.Lock()
	fs.interceptors = append(fs.interceptors, p)
	fs.mu.Unlock()
	return func() {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.interceptors = removeFirst(fs.interceptors, p)
	}
}

func removeFirst[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			return append(s[:i:i], s[i+1:]...)
		}
	}
	return s
}

// take returns the fault that applies to a request, counting it against
// the fault's Times.
func (fs *faultSet) take(img *image, info RequestInfo, req kmsg.Request) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, af := range fs.faults {
		if !af.matches(img, info, req) {
			continue
		}
		if af.left > 0 {
			af.left--
			if af.left == 0 {
				fs.faults = append(fs.faults[:i:i], fs.faults[i+1:]...)
			}
		}
		return af.Fault, true
	}
	return Fault{}, false
}

func (fs *faultSet) currentInterceptors() []*Interceptor {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.interceptors
}

func (f *Fault) matches(img *image, info RequestInfo, req kmsg.Request) bool {
	switch {
	case f.Broker != 0 && f.Broker != info.Broker,
		f.API != AnyAPI && f.API != info.API,
		f.ClientID != "" && f.ClientID != info.ClientID:
		return false
	case f.Topic == "":
		return true
	}
	var id TopicID
	if t, err := img.topic(f.Topic); err == nil {
		id = t.id
	}
	return namesPartition(req, f.Topic, id, f.Partitions)
}

// errInjectedClose closes a connection for a CloseBefore or CloseAfter
// fault.
var errInjectedClose = fmt.Errorf("connection closed by an injected fault")

// dispatch hands a decoded request to its handler, applying the faults
// and interceptors that match it, and records it in the request history.
func (c *conn) dispatch(r *request, handle func(*request) (kmsg.Response, error)) (kmsg.Response, error) {
	cl := c.b.cluster
	info := RequestInfo{Broker: c.b.id, API: kmsg.Key(r.key), Version: r.version, Conn: c.id, Time: cl.clock.Now()}
	if r.clientID != nil {
		info.ClientID = *r.clientID
	}
	f, faulted := cl.faults.take(cl.ctl.current(), info, r.body)
	var note string
	if faulted {
		note = f.String()
		cl.logger.Info("injected fault", "broker", info.Broker, "api", info.API.Name(), "version", info.Version,
			"client_id", info.ClientID, "conn", info.Conn, "fault", note)
	}
	resp, err := c.applyFault(f, r, info, handle, &note)
	cl.history.add(info, resp, note)
	if err == nil && f.Delay > 0 {
		if err := c.waitOnClock(f.Delay); err != nil {
			return nil, err
		}
	}
	return resp, err
}

// applyFault runs the request's handler, or what the fault f says
// instead; f is the zero Fault when none applies.
func (c *conn) applyFault(f Fault, r *request, info RequestInfo, handle func(*request) (kmsg.Response, error), note *string) (kmsg.Response, error) {
	switch {
	case f.CloseBefore:
		return nil, errInjectedClose
	case f.DropRequest:
		return nil, nil
	}
	var resp kmsg.Response
	var err error
	if f.Error != nil {
		resp, err = c.errorAnswer(f, r, handle)
	} else if ir, ok := c.intercept(r, info); ok {
		resp = ir
		if *note == "" {
			*note = "intercepted"
		} else {
			*note += ", intercepted"
		}
	} else {
		resp, err = handle(r)
	}
	switch {
	case err != nil:
		return nil, err
	case f.CloseAfter:
		return nil, errInjectedClose
	case f.DropResponse:
		return nil, nil
	}
	return resp, nil
}

// errorAnswer answers r with f's error: on the matched topics or
// partitions only when f has a Topic filter and the request names others
// too, which are handled as usual; otherwise on all of it.
func (c *conn) errorAnswer(f Fault, r *request, handle func(*request) (kmsg.Response, error)) (kmsg.Response, error) {
	// A fetch is not split: a fetch session keeps the partitions of
	// earlier requests, and handling part of one would change it.
	if _, fetch := r.body.(*kmsg.FetchRequest); f.Topic != "" && !fetch {
		var id TopicID
		if t, err := c.b.cluster.ctl.current().topic(f.Topic); err == nil {
			id = t.id
		}
		if matched, rest, ok := splitByFault(r.body, f.Topic, id, f.Partitions); ok {
			mr, rr := *r, *r
			mr.body, rr.body = matched, rest
			resp, err := handle(&rr)
			if err != nil || resp == nil {
				return resp, err // acks=0 has no response to merge into
			}
			if answered := errorResponse(&mr, f.Error.Code); answered != nil {
				mergeTopics(resp, answered)
			}
			return resp, nil
		}
	}
	return errorResponse(r, f.Error.Code), nil
}

// intercept offers the request to the interceptors in order, and
// returns the answer of the first that handles it.
func (c *conn) intercept(r *request, info RequestInfo) (kmsg.Response, bool) {
	for _, ic := range c.b.cluster.faults.currentInterceptors() {
		resp, handled := (*ic)(r.body, info)
		if !handled {
			continue
		}
		c.b.cluster.logger.Info("request answered by an interceptor", "broker", info.Broker, "api", info.API.Name(),
			"version", info.Version, "client_id", info.ClientID, "conn", info.Conn)
		if resp != nil {
			resp.SetVersion(r.version)
		}
		return resp, true
	}
	return nil, false
}

// waitOnClock waits d on the cluster clock, or until the connection
// closes.
func (c *conn) waitOnClock(d time.Duration) error {
	done := make(chan struct{})
	t := c.b.cluster.clock.AfterFunc(d, func() { close(done) })
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-c.ctx.Done():
		return context.Canceled
	}
}
