package controlplane

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
)

// The wait endpoints block until the cluster reaches a state, as
// broker/wait.go's methods do for Go tests, and answer with that state,
// or 408 with the last state seen in the error once the timeout passes on
// the cluster clock.

// defaultWaitTimeout applies when a wait gives no "timeout".
const defaultWaitTimeout = 30 * time.Second

// waitContext ends when timeout passes on the cluster clock or the client
// goes away.
func (s *server) waitContext(r *http.Request, timeout string) (context.Context, context.CancelFunc, error) {
	d := defaultWaitTimeout
	if timeout != "" {
		var err error
		if d, err = time.ParseDuration(timeout); err != nil || d <= 0 {
			return nil, nil, statusError(http.StatusBadRequest, `"timeout" must be a positive Go duration such as "10s", not %q`, timeout)
		}
	}
	ctx, cancel := context.WithCancel(r.Context())
	t := s.c.Clock().AfterFunc(d, cancel)
	return ctx, func() { t.Stop(); cancel() }, nil
}

// waitFor answers a wait: it runs wait under the body's timeout and
// replies with what wait returns, 408 when the time ran out.
func (s *server) waitFor(w http.ResponseWriter, r *http.Request, timeout string, wait func(context.Context) (any, error)) {
	ctx, cancel, err := s.waitContext(r, timeout)
	if err != nil {
		reply(w, nil, err)
		return
	}
	defer cancel()
	v, err := wait(ctx)
	reply(w, v, waitError(r, err))
}

// waitError is 408 when the wait ran out of time.
func waitError(r *http.Request, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() == nil {
		return &apiError{http.StatusRequestTimeout, err}
	}
	return err
}

// WaitGroup is POST /v1/wait/group.
type WaitGroup struct {
	Group   string `json:"group"`
	Members *int   `json:"members"`
	Timeout string `json:"timeout"`
}

func (s *server) waitGroup(w http.ResponseWriter, r *http.Request) {
	var body WaitGroup
	if err := decode(r, &body); err != nil {
		reply(w, nil, err)
		return
	}
	if body.Group == "" || body.Members == nil || *body.Members < 0 {
		reply(w, nil, statusError(http.StatusBadRequest, `the body needs "group" and "members" (0 or more)`))
		return
	}
	s.waitFor(w, r, body.Timeout, func(ctx context.Context) (any, error) {
		d, err := s.c.WaitForStable(ctx, body.Group, *body.Members)
		return groupJSON(d), err
	})
}

// WaitISR is POST /v1/wait/isr: the ISR is exactly ISR, or has ISRSize
// replicas.
type WaitISR struct {
	Topic     string  `json:"topic"`
	Partition *int32  `json:"partition"`
	ISR       []int32 `json:"isr"`
	ISRSize   *int    `json:"isr_size"`
	Timeout   string  `json:"timeout"`
}

func (s *server) waitISR(w http.ResponseWriter, r *http.Request) {
	var body WaitISR
	if err := decode(r, &body); err != nil {
		reply(w, nil, err)
		return
	}
	if body.Topic == "" || body.Partition == nil || (body.ISR == nil) == (body.ISRSize == nil) {
		reply(w, nil, statusError(http.StatusBadRequest, `the body needs "topic", "partition" and one of "isr" or "isr_size"`))
		return
	}
	if _, err := s.c.Partition(body.Topic, *body.Partition); err != nil {
		reply(w, nil, &apiError{http.StatusNotFound, err})
		return
	}
	want := slices.Sorted(slices.Values(body.ISR))
	s.waitPartition(w, r, body.Topic, *body.Partition, body.Timeout, func(p Partition) bool {
		if body.ISRSize != nil {
			return len(p.ISR) == *body.ISRSize
		}
		return slices.Equal(slices.Sorted(slices.Values(p.ISR)), want)
	})
}

// WaitOffset is POST /v1/wait/offset: the leader's high watermark (what
// consumers can read up to) reached Offset.
type WaitOffset struct {
	Topic     string `json:"topic"`
	Partition *int32 `json:"partition"`
	Offset    *int64 `json:"offset"`
	Timeout   string `json:"timeout"`
}

func (s *server) waitOffset(w http.ResponseWriter, r *http.Request) {
	var body WaitOffset
	if err := decode(r, &body); err != nil {
		reply(w, nil, err)
		return
	}
	if body.Topic == "" || body.Partition == nil || body.Offset == nil {
		reply(w, nil, statusError(http.StatusBadRequest, `the body needs "topic", "partition" and "offset"`))
		return
	}
	if _, err := s.c.Partition(body.Topic, *body.Partition); err != nil {
		reply(w, nil, &apiError{http.StatusNotFound, err})
		return
	}
	s.waitPartition(w, r, body.Topic, *body.Partition, body.Timeout, func(p Partition) bool {
		for _, rs := range p.ReplicaStates {
			if rs.Broker == p.Leader {
				return rs.HighWatermark >= *body.Offset
			}
		}
		return false
	})
}

// waitPartition waits until cond holds for the partition and answers
// with it.
func (s *server) waitPartition(w http.ResponseWriter, r *http.Request, topic string, partition int32, timeout string, cond func(Partition) bool) {
	ctx, cancel, err := s.waitContext(r, timeout)
	if err != nil {
		reply(w, nil, err)
		return
	}
	defer cancel()
	var last Partition
	err = s.c.WaitUntil(ctx, func() bool {
		pi, err := s.c.Partition(topic, partition)
		if err != nil {
			return false
		}
		last = partitionJSON(pi)
		return cond(last)
	})
	if err != nil {
		err = statusError(http.StatusRequestTimeout, "waiting for %s-%d (leader %d, ISR %v): %v", topic, partition, last.Leader, last.ISR, err)
		if r.Context().Err() != nil {
			return // the client went away
		}
	}
	reply(w, last, err)
}
