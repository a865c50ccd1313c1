package broker

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// api is one Kafka API as this broker serves it: the version range it
// advertises in ApiVersions and the handler. Each API lives in its own
// file (produce.go, fetch.go, ...) which registers itself, so the
// advertised versions cannot drift from what the handlers implement.
type api struct {
	key        int16
	minVersion int16
	maxVersion int16
	handle     func(*request) (kmsg.Response, error)
}

var apis = map[int16]*api{}

// register adds an API. A handler returns a response (errors inside it
// are Kafka error codes, i.e. data), nil and nil when no response is due
// (Produce with acks=0), or a Go error when the connection must be
// closed.
func register[Req kmsg.Request](minVersion, maxVersion int16, h func(*request, Req) (kmsg.Response, error)) {
	var zero Req
	key := zero.Key()
	apis[key] = &api{key: key, minVersion: minVersion, maxVersion: maxVersion,
		handle: timed(func(r *request) (kmsg.Response, error) { return h(r, r.body.(Req)) })}
}

// supportedAPIs returns the registered APIs by key, as ApiVersions lists
// them.
func supportedAPIs() []*api {
	out := make([]*api, 0, len(apis))
	for _, a := range apis {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *api) int { return int(a.key) - int(b.key) })
	return out
}

// request is one decoded request and what it needs to be handled.
type request struct {
	ctx           context.Context // cancelled when the connection closes
	broker        *Broker
	conn          *conn
	key           int16
	version       int16
	correlationID int32
	clientID      *string
	body          kmsg.Request
	size          int // the request's bytes, header and body, as producer_byte_rate counts them
}

// response makes the response value for the request, at its version.
func responseFor[Resp kmsg.Response](r *request, resp Resp) Resp {
	resp.SetVersion(r.version)
	return resp
}

// countNames counts how often each topic name appears in a request:
// Kafka answers a name given twice once, with INVALID_REQUEST.
func countNames[T any](items []T, name func(T) string) map[string]int {
	counts := make(map[string]int, len(items))
	for _, it := range items {
		counts[name(it)]++
	}
	return counts
}
