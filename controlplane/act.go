package controlplane

import (
	"net/http"
	"time"

	"github.com/gregorkafka/gregor/clock"
)

// The act endpoints: each returns the cluster's state once the action is
// applied.

func (s *server) postBroker(w http.ResponseWriter, r *http.Request) {
	id, err := int32Param(r, "id")
	if err == nil {
		err = s.brokerID(id)
	}
	if err != nil {
		reply(w, nil, err)
		return
	}
	var act func(int32) error
	switch a := r.PathValue("action"); a {
	case "stop":
		act = s.c.StopBroker
	case "crash":
		act = s.c.CrashBroker
	case "start":
		act = s.c.StartBroker
	default:
		reply(w, nil, statusError(http.StatusNotFound, "no broker action %q (stop, crash or start)", a))
		return
	}
	if err := act(id); err != nil {
		reply(w, nil, err)
		return
	}
	reply(w, s.cluster(), nil)
}

// ReplicaRef names one follower replica: POST /v1/replication/pause and
// resume.
type ReplicaRef struct {
	Topic     string `json:"topic"`
	Partition *int32 `json:"partition"`
	Broker    *int32 `json:"broker"`
}

func (s *server) postReplication(w http.ResponseWriter, r *http.Request) {
	var act func(string, int32, int32) error
	switch a := r.PathValue("action"); a {
	case "pause":
		act = s.c.PauseReplication
	case "resume":
		act = s.c.ResumeReplication
	default:
		reply(w, nil, statusError(http.StatusNotFound, "no replication action %q (pause or resume)", a))
		return
	}
	var ref ReplicaRef
	if err := decode(r, &ref); err != nil {
		reply(w, nil, err)
		return
	}
	if ref.Topic == "" || ref.Partition == nil || ref.Broker == nil {
		reply(w, nil, statusError(http.StatusBadRequest, `the body needs "topic", "partition" and "broker"`))
		return
	}
	if err := s.brokerID(*ref.Broker); err != nil {
		reply(w, nil, err)
		return
	}
	if _, err := s.c.Partition(ref.Topic, *ref.Partition); err != nil {
		reply(w, nil, &apiError{http.StatusNotFound, err})
		return
	}
	if err := act(ref.Topic, *ref.Partition, *ref.Broker); err != nil {
		reply(w, nil, &apiError{http.StatusBadRequest, err})
		return
	}
	pi, err := s.c.Partition(ref.Topic, *ref.Partition)
	reply(w, partitionJSON(pi), err)
}

// ClockAdvance is POST /v1/clock/advance.
type ClockAdvance struct {
	Duration string `json:"duration"` // a Go duration: "500ms", "30s"
}

// ClockNow answers it: the cluster clock's time after the advance.
type ClockNow struct {
	Now time.Time `json:"now"`
}

func (s *server) postClockAdvance(w http.ResponseWriter, r *http.Request) {
	m, ok := s.c.Clock().(*clock.Manual)
	if !ok {
		reply(w, nil, statusError(http.StatusConflict, "the cluster runs on the real clock; only a manual clock can be advanced"))
		return
	}
	var body ClockAdvance
	if err := decode(r, &body); err != nil {
		reply(w, nil, err)
		return
	}
	d, err := time.ParseDuration(body.Duration)
	if err != nil || d < 0 {
		reply(w, nil, statusError(http.StatusBadRequest, `"duration" must be a non-negative Go duration such as "30s", not %q`, body.Duration))
		return
	}
	m.Advance(d)
	reply(w, ClockNow{Now: m.Now()}, nil)
}
