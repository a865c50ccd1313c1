package controlplane

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The request history (broker/history.go): what the brokers were asked,
// so that a test can assert on its client's conversation.

// RequestJSON is one request in GET /v1/requests.
type RequestJSON struct {
	Seq      int64     `json:"seq"`
	Broker   int32     `json:"broker"`
	API      string    `json:"api"`
	APIKey   int16     `json:"api_key"`
	Version  int16     `json:"version"`
	ClientID string    `json:"client_id"`
	Conn     int64     `json:"conn"`
	Time     time.Time `json:"time"` // on the cluster clock
	// ErrorCodes are the distinct non-zero error codes answered, Errors
	// their Kafka names.
	ErrorCodes []int16  `json:"error_codes"`
	Errors     []string `json:"errors"`
	// Fault describes the injected fault that disturbed the request.
	Fault string `json:"fault,omitempty"`
}

// getRequests is GET /v1/requests?api=Produce&client_id=x&broker=1&limit=N:
// the matching requests the history holds, oldest first; with limit,
// only the newest N of them.
func (s *server) getRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	api := broker.AnyAPI
	if q.Has("api") {
		n := NameOrCode{Name: q.Get("api")}
		if code, err := strconv.Atoi(n.Name); err == nil {
			n.Code = &code
		}
		var err error
		if api, err = apiKey(n); err != nil {
			reply(w, nil, err)
			return
		}
	}
	var brokerID int64
	if q.Has("broker") {
		n, err := strconv.ParseInt(q.Get("broker"), 10, 32)
		if err != nil {
			reply(w, nil, statusError(http.StatusBadRequest, "broker must be an integer, not %q", q.Get("broker")))
			return
		}
		brokerID = n
	}
	limit := -1
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 0 {
			reply(w, nil, statusError(http.StatusBadRequest, "limit must be a non-negative integer, not %q", q.Get("limit")))
			return
		}
		limit = n
	}
	clientID, byClient := q.Get("client_id"), q.Has("client_id")
	recs := s.c.Requests(func(rec broker.RequestRecord) bool {
		return (api == broker.AnyAPI || rec.API == api) &&
			(!byClient || rec.ClientID == clientID) &&
			(brokerID == 0 || int64(rec.Broker) == brokerID)
	})
	if limit >= 0 && len(recs) > limit {
		recs = recs[len(recs)-limit:]
	}
	out := make([]RequestJSON, 0, len(recs))
	for _, rec := range recs {
		out = append(out, requestJSON(rec))
	}
	reply(w, out, nil)
}

func requestJSON(rec broker.RequestRecord) RequestJSON {
	rj := RequestJSON{Seq: rec.Seq, Broker: rec.Broker, API: kmsg.NameForKey(int16(rec.API)), APIKey: int16(rec.API),
		Version: rec.Version, ClientID: rec.ClientID, Conn: rec.Conn, Time: rec.Time,
		ErrorCodes: []int16{}, Errors: []string{}, Fault: rec.Fault}
	for _, code := range rec.ErrorCodes {
		rj.ErrorCodes = append(rj.ErrorCodes, code)
		rj.Errors = append(rj.Errors, errorName(code))
	}
	return rj
}
