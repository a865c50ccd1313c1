package kafkaref

import "github.com/twmb/franz-go/pkg/kmsg"

// Fetch sessions (KIP-227): what each broker answers to the epochs a
// client may send, right or wrong. Session ids are random on both sides;
// the steps remember them by label, and the comparison only asks whether
// an answer carries one.

const unknownFetchSession = int32(0x7ffffff0)

// sessionFetch is a fetch of topicMain's partition 0 from offset (none
// when offset is -1) in the session remembered as label (0 when unset,
// or unknownFetchSession for label "unknown").
func sessionFetch(label string, epoch int32, offset int64) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := fetch(topicMain, 0, offset)(s).(*kmsg.FetchRequest)
		if offset < 0 {
			r.Topics = nil
		}
		r.SessionID, r.SessionEpoch = s.fetchSessions[label], epoch
		if label == "unknown" {
			r.SessionID = unknownFetchSession
		}
		return r
	}
}

// rememberSession keeps the session id a fetch was answered with.
func rememberSession(label string) func(*side, kmsg.Response) {
	return func(s *side, resp kmsg.Response) {
		s.fetchSessions[label] = resp.(*kmsg.FetchResponse).SessionID
	}
}

// sessionFlat compares whether a fetch was answered inside a session,
// not the session's id.
func sessionFlat(resp kmsg.Response) map[string]string {
	f := flatten(resp)
	if f["SessionID"] != "0" {
		f["SessionID"] = "<session>"
	}
	return f
}

func fetchSessionSteps() []step {
	steps := []step{
		// Epoch 0 opens a session; the partition's records come back.
		{name: "fetchsession-open", req: sessionFetch("a", 0, 0), after: rememberSession("a")},
		// Caught up: an incremental fetch with nothing new lists nothing.
		{name: "fetchsession-incremental", req: sessionFetch("a", 1, 4)},
		{name: "fetchsession-same-epoch-again", req: sessionFetch("a", 1, -1)},
		{name: "fetchsession-epoch-skipped", req: sessionFetch("a", 9, -1)},
		// The wrong epochs did not use the session up.
		{name: "fetchsession-next-epoch", req: sessionFetch("a", 2, -1)},
		// Epoch 0 with a session id closes that session and opens another.
		{name: "fetchsession-epoch-0-existing-id", req: sessionFetch("a", 0, 0), after: rememberSession("b")},
		{name: "fetchsession-replaced-id", req: sessionFetch("a", 3, -1)},
		// Epoch -1 closes the session; the fetch is answered without one.
		{name: "fetchsession-close", req: sessionFetch("b", -1, 0)},
		{name: "fetchsession-closed-id", req: sessionFetch("b", 1, -1)},
		{name: "fetchsession-unknown-id", req: sessionFetch("unknown", 1, -1)},
		// Epoch 0 with an id nobody has: a new session all the same.
		{name: "fetchsession-epoch-0-unknown-id", req: sessionFetch("unknown", 0, 0), after: rememberSession("c")},
		{name: "fetchsession-close-last", req: sessionFetch("c", -1, 0)},
	}
	for i := range steps {
		steps[i].flat = sessionFlat
	}
	return steps
}
