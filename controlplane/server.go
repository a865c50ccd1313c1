package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/metrics"
)

// Handler serves the control plane and /metrics of a cluster.
func Handler(c *broker.Cluster) http.Handler {
	s := &server{c: c}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(c))
	mux.HandleFunc("GET /v1/cluster", s.getCluster)
	mux.HandleFunc("GET /v1/topics", s.getTopics)
	mux.HandleFunc("GET /v1/topics/{topic}", s.getTopic)
	mux.HandleFunc("GET /v1/topics/{topic}/partitions/{partition}", s.getPartition)
	mux.HandleFunc("GET /v1/groups", s.getGroups)
	mux.HandleFunc("GET /v1/groups/{group}", s.getGroup)
	mux.HandleFunc("GET /v1/transactions", s.getTransactions)
	mux.HandleFunc("GET /v1/reassignments", s.getReassignments)
	mux.HandleFunc("GET /v1/quotas", s.getQuotas)
	mux.HandleFunc("POST /v1/brokers/{id}/{action}", s.postBroker)
	mux.HandleFunc("POST /v1/replication/{action}", s.postReplication)
	mux.HandleFunc("POST /v1/clock/advance", s.postClockAdvance)
	mux.HandleFunc("POST /v1/wait/group", s.waitGroup)
	mux.HandleFunc("POST /v1/wait/isr", s.waitISR)
	mux.HandleFunc("POST /v1/wait/offset", s.waitOffset)
	mux.HandleFunc("POST /v1/wait/reassignments", s.waitReassignments)
	mux.HandleFunc("GET /v1/events", s.events)
	mux.HandleFunc("POST /v1/faults", s.postFault)
	mux.HandleFunc("GET /v1/faults", s.getFaults)
	mux.HandleFunc("DELETE /v1/faults/{id}", s.deleteFault)
	mux.HandleFunc("GET /v1/requests", s.getRequests)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no endpoint %s %s (see the package doc of controlplane)", r.Method, r.URL.Path))
	})
	return mux
}

type server struct {
	c      *broker.Cluster
	faults faults
}

// apiError is an error with the HTTP status that reports it.
type apiError struct {
	status int
	err    error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

func statusError(status int, format string, args ...any) error {
	return &apiError{status, fmt.Errorf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, ErrorBody{Error: err.Error()})
}

// reply writes v, or err with its status (500 when it has none).
func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			writeError(w, ae.status, ae.err)
			return
		}
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// maxBody bounds a request body: every body here is a few fields.
const maxBody = 1 << 16

// decode reads a JSON body into v, rejecting unknown fields, trailing
// data and a missing body.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return statusError(http.StatusBadRequest, "the request needs a JSON body")
		}
		return statusError(http.StatusBadRequest, "malformed JSON body: %v", err)
	}
	if dec.More() {
		return statusError(http.StatusBadRequest, "malformed JSON body: data after the object")
	}
	return nil
}

func int32Param(r *http.Request, name string) (int32, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, statusError(http.StatusBadRequest, "%s must be an integer, not %q", name, s)
	}
	return int32(n), nil
}

// brokerParam is the broker id of the path, which must exist.
func (s *server) brokerID(id int32) error {
	if s.c.Broker(id) == nil {
		return statusError(http.StatusNotFound, "no broker %d (brokers are 1..%d)", id, len(s.c.Brokers()))
	}
	return nil
}
