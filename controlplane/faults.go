package controlplane

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The fault endpoints: the HTTP face of Cluster.InjectFault
// (broker/faults.go). A fault injected here stays until it is deleted or,
// with "times", used up; the cluster logs each application.

// NameOrCode is a Kafka API or error named either way: "Produce" or 0,
// "NOT_LEADER_OR_FOLLOWER" or 6.
type NameOrCode struct {
	Name string
	Code *int
}

// UnmarshalJSON takes a JSON string or integer.
func (n *NameOrCode) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, &n.Name); err == nil {
		return nil
	}
	var code int
	if err := json.Unmarshal(data, &code); err != nil {
		return fmt.Errorf("want a name or an integer code, not %s", data)
	}
	n.Code = &code
	return nil
}

// FaultSpec is the body of POST /v1/faults: which requests to disturb
// (the zero value of each selector matches everything) and how (at
// least one effect). It mirrors broker.Fault.
type FaultSpec struct {
	Broker     int32       `json:"broker"`     // a broker id, 0 for every broker
	API        *NameOrCode `json:"api"`        // "Produce", 0, or "any"
	Topic      string      `json:"topic"`      // matches requests naming the topic
	Partitions []int32     `json:"partitions"` // with topic: only these partitions
	ClientID   string      `json:"client_id"`  // only requests of this client id
	Times      int         `json:"times"`      // applications; 0 for every request until deleted

	Error        *NameOrCode `json:"error"`    // "NOT_LEADER_OR_FOLLOWER" or 6
	DelayMS      int64       `json:"delay_ms"` // on the cluster clock
	DropResponse bool        `json:"drop_response"`
	DropRequest  bool        `json:"drop_request"`
	CloseBefore  bool        `json:"close_before"`
	CloseAfter   bool        `json:"close_after"`
}

// FaultID answers POST /v1/faults.
type FaultID struct {
	ID int64 `json:"id"`
}

// FaultJSON is one active fault in GET /v1/faults.
type FaultJSON struct {
	ID         int64   `json:"id"`
	Broker     int32   `json:"broker"`
	API        string  `json:"api"` // a Kafka API name, or "any"
	Topic      string  `json:"topic,omitempty"`
	Partitions []int32 `json:"partitions,omitempty"`
	ClientID   string  `json:"client_id,omitempty"`
	Times      int     `json:"times"`
	// TimesLeft is how many more requests a fault with times applies to.
	TimesLeft    int    `json:"times_left,omitempty"`
	Error        string `json:"error,omitempty"`
	ErrorCode    int16  `json:"error_code,omitempty"`
	DelayMS      int64  `json:"delay_ms,omitempty"`
	DropResponse bool   `json:"drop_response,omitempty"`
	DropRequest  bool   `json:"drop_request,omitempty"`
	CloseBefore  bool   `json:"close_before,omitempty"`
	CloseAfter   bool   `json:"close_after,omitempty"`
	// Effects describes the effects, as the cluster's log does.
	Effects string `json:"effects"`
}

// faults are the faults injected over HTTP.
type faults struct {
	mu     sync.Mutex
	nextID int64
	byID   map[int64]*httpFault
}

type httpFault struct {
	FaultJSON
	remove func()
	left   func() (int, bool)
}

func (s *server) postFault(w http.ResponseWriter, r *http.Request) {
	var spec FaultSpec
	if err := decode(r, &spec); err != nil {
		reply(w, nil, err)
		return
	}
	f, err := s.fault(spec)
	if err != nil {
		reply(w, nil, err)
		return
	}
	// The fault goes in first: faults.mu is a leaf (LOCKING.md), and a
	// fault's place among the cluster's is its injection's, not its id's.
	hf := &httpFault{FaultJSON: faultJSON(f)}
	hf.remove, hf.left = s.c.InjectFaultWatched(f)
	fs := &s.faults
	fs.mu.Lock()
	if fs.byID == nil {
		fs.byID = make(map[int64]*httpFault)
	}
	fs.nextID++
	hf.ID = fs.nextID
	fs.byID[hf.ID] = hf
	fs.mu.Unlock()
	writeJSON(w, http.StatusCreated, FaultID{ID: hf.ID})
}

// fault checks a FaultSpec and makes the broker.Fault it describes.
func (s *server) fault(spec FaultSpec) (broker.Fault, error) {
	f := broker.Fault{Broker: spec.Broker, Topic: spec.Topic, Partitions: spec.Partitions, ClientID: spec.ClientID, Times: spec.Times,
		DropResponse: spec.DropResponse, DropRequest: spec.DropRequest, CloseBefore: spec.CloseBefore, CloseAfter: spec.CloseAfter}
	if spec.Broker != 0 {
		if err := s.brokerID(spec.Broker); err != nil {
			return f, err
		}
	}
	if spec.API == nil {
		return f, statusError(http.StatusBadRequest, `the body needs "api": a Kafka API name such as "Produce", its key, or "any"`)
	}
	api, err := apiKey(*spec.API)
	if err != nil {
		return f, err
	}
	f.API = api
	switch {
	case len(spec.Partitions) > 0 && spec.Topic == "":
		return f, statusError(http.StatusBadRequest, `"partitions" needs a "topic"`)
	case spec.Times < 0:
		return f, statusError(http.StatusBadRequest, `"times" must be 0 (every request) or more, not %d`, spec.Times)
	case spec.DelayMS < 0:
		return f, statusError(http.StatusBadRequest, `"delay_ms" must not be negative, not %d`, spec.DelayMS)
	}
	f.Delay = time.Duration(spec.DelayMS) * time.Millisecond
	if spec.Error != nil {
		if f.Error, err = kafkaError(*spec.Error); err != nil {
			return f, err
		}
	}
	if f.Error == nil && f.Delay == 0 && !f.DropResponse && !f.DropRequest && !f.CloseBefore && !f.CloseAfter {
		return f, statusError(http.StatusBadRequest, `the fault needs an effect: "error", "delay_ms", "drop_response", "drop_request", "close_before" or "close_after"`)
	}
	return f, nil
}

func faultJSON(f broker.Fault) FaultJSON {
	fj := FaultJSON{Broker: f.Broker, API: apiName(f.API), Topic: f.Topic, Partitions: f.Partitions, ClientID: f.ClientID,
		Times: f.Times, DelayMS: f.Delay.Milliseconds(), DropResponse: f.DropResponse, DropRequest: f.DropRequest,
		CloseBefore: f.CloseBefore, CloseAfter: f.CloseAfter, Effects: f.String()}
	if f.Error != nil {
		fj.Error, fj.ErrorCode = errorName(f.Error.Code), f.Error.Code
	}
	return fj
}

func (s *server) getFaults(w http.ResponseWriter, r *http.Request) {
	fs := &s.faults
	fs.mu.Lock()
	all := make([]*httpFault, 0, len(fs.byID))
	for _, hf := range fs.byID {
		all = append(all, hf)
	}
	fs.mu.Unlock()
	slices.SortFunc(all, func(a, b *httpFault) int { return cmp.Compare(a.ID, b.ID) })
	out := []FaultJSON{}
	for _, hf := range all {
		n, active := hf.left()
		if !active {
			fs.forget(hf.ID) // used up
			continue
		}
		fj := hf.FaultJSON
		fj.TimesLeft = n
		out = append(out, fj)
	}
	reply(w, out, nil)
}

func (s *server) deleteFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		reply(w, nil, statusError(http.StatusBadRequest, "the fault id must be an integer, not %q", r.PathValue("id")))
		return
	}
	hf := s.faults.forget(id)
	active := false
	if hf != nil {
		_, active = hf.left()
	}
	if !active {
		reply(w, nil, statusError(http.StatusNotFound, "no active fault %d", id))
		return
	}
	hf.remove()
	reply(w, hf.FaultJSON, nil)
}

// forget takes a fault out of the list, and returns it (nil if unknown).
func (fs *faults) forget(id int64) *httpFault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hf := fs.byID[id]
	delete(fs.byID, id)
	return hf
}

// apiKeys maps each Kafka API name kmsg knows to its key.
var apiKeys = func() map[string]kmsg.Key {
	m := make(map[string]kmsg.Key)
	for k := range int16(200) {
		if name := kmsg.NameForKey(k); name != "Unknown" {
			m[strings.ToLower(name)] = kmsg.Key(k)
		}
	}
	return m
}()

func apiKey(n NameOrCode) (kmsg.Key, error) {
	if n.Code != nil {
		if *n.Code < 0 || *n.Code > 1<<15-1 || kmsg.NameForKey(int16(*n.Code)) == "Unknown" {
			return 0, statusError(http.StatusBadRequest, "no Kafka API has key %d", *n.Code)
		}
		return kmsg.Key(*n.Code), nil
	}
	if strings.EqualFold(n.Name, "any") {
		return broker.AnyAPI, nil
	}
	if k, ok := apiKeys[strings.ToLower(n.Name)]; ok {
		return k, nil
	}
	return 0, statusError(http.StatusBadRequest, `no Kafka API is named %q (Produce, Fetch, Metadata, ... or "any")`, n.Name)
}

func apiName(k kmsg.Key) string {
	if k == broker.AnyAPI {
		return "any"
	}
	return k.Name()
}

func kafkaError(n NameOrCode) (*kerr.Error, error) {
	if n.Code != nil {
		if *n.Code >= -1 && *n.Code <= 1<<15-1 {
			if e := kerr.TypedErrorForCode(int16(*n.Code)); e != nil && int(e.Code) == *n.Code {
				return e, nil
			}
		}
		return nil, statusError(http.StatusBadRequest, "no Kafka error has code %d (0 is no error)", *n.Code)
	}
	if e, ok := kafkaerr.Lookup(n.Name); ok {
		return e, nil
	}
	return nil, statusError(http.StatusBadRequest, `no Kafka error is named %q (such as "NOT_LEADER_OR_FOLLOWER")`, n.Name)
}

// errorName is Kafka's name for an error code.
func errorName(code int16) string { return kafkaerr.Name(code) }
