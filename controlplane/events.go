package controlplane

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gregorkafka/gregor/broker"
)

// Event is one group event, the data of a server-sent event of
// GET /v1/events.
type Event struct {
	Time        time.Time                     `json:"time"`
	Type        string                        `json:"type"`
	Group       string                        `json:"group"`
	Protocol    string                        `json:"protocol"`
	State       string                        `json:"state"`
	Generation  int32                         `json:"generation"`
	Coordinator int32                         `json:"coordinator"`
	Member      string                        `json:"member,omitempty"`
	ClientID    string                        `json:"client_id,omitempty"`
	Reason      string                        `json:"reason,omitempty"`
	Assignments map[string]map[string][]int32 `json:"assignments,omitempty"`
	// Story is the event as one line of prose (group.Event.String).
	Story string `json:"story"`
}

func eventJSON(e broker.GroupEvent) Event {
	return Event{Time: e.Time, Type: string(e.Type), Group: e.Group, Protocol: protocolName(e.GroupType),
		State: e.State, Generation: e.Generation, Coordinator: e.Coordinator, Member: e.Member,
		ClientID: e.ClientID, Reason: e.Reason, Assignments: e.Assignments, Story: e.String()}
}

// events streams group events as server-sent events until the client
// goes away or the server closes.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		reply(w, nil, fmt.Errorf("this connection cannot stream"))
		return
	}
	events, cancel := s.c.SubscribeGroupEvents()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": subscribed\n\n")
	flusher.Flush()
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			data, err := json.Marshal(eventJSON(e))
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "event: group\ndata: %s\n\n", data); err != nil {
				return
			}
			flusher.Flush()
		case <-r.Context().Done():
			return
		}
	}
}
