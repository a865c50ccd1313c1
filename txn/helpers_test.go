package txn

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
)

// memLog is a __transaction_state partition whose writes are replicated
// at once.
type memLog struct {
	mu      sync.Mutex
	batches [][]byte
	end     int64
}

func (l *memLog) Append(b []byte) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b = append([]byte(nil), b...)
	if err := record.SetBaseOffset(b, l.end); err != nil {
		return 0, err
	}
	h, _ := record.ReadHeader(b)
	l.batches = append(l.batches, b)
	l.end = h.NextOffset()
	return l.end, nil
}

func (l *memLog) Offsets() (int64, int64, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return 0, l.end, l.end
}

func (l *memLog) Read(offset int64, _ int) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []byte
	for _, b := range l.batches {
		if h, _ := record.ReadHeader(b); h.NextOffset() > offset {
			out = append(out, b...)
		}
	}
	return out, nil
}

func (l *memLog) Watch(chan<- struct{}) func() { return func() {} }

type harness struct {
	t       *testing.T
	cfg     Config
	clock   *clock.Manual
	log     *memLog
	c       *Coordinator
	events  chan Event
	markers chan Markers
	// markersFail makes every marker write fail (the partitions' leaders
	// unreachable), so a transaction stays in PrepareCommit/PrepareAbort.
	markersFail atomic.Bool
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, cfg: DefaultConfig(), clock: clock.NewManual(time.Unix(1700000000, 0)), log: &memLog{},
		events: make(chan Event, 100), markers: make(chan Markers, 100)}
	h.start()
	return h
}

// newHarnessWith is newHarness with the config changed by edit.
func newHarnessWith(t *testing.T, edit func(*Config)) *harness {
	h := &harness{t: t, cfg: DefaultConfig(), clock: clock.NewManual(time.Unix(1700000000, 0)), log: &memLog{},
		events: make(chan Event, 100), markers: make(chan Markers, 100)}
	edit(&h.cfg)
	h.start()
	return h
}

func (h *harness) start() {
	var next int64 = 1000
	var mu sync.Mutex
	c, err := New(Options{Config: h.cfg, Clock: h.clock,
		NewProducerID: func() (int64, error) { mu.Lock(); defer mu.Unlock(); next++; return next, nil },
		WriteMarkers: func(_ context.Context, m Markers) []TopicPartition {
			h.markers <- m
			if h.markersFail.Load() {
				return m.Partitions
			}
			return nil
		},
		Events: func(e Event) { h.events <- e },
	})
	if err != nil {
		h.t.Fatal(err)
	}
	c.SetStateTopicPartitions(1)
	if err := c.Load(0, 3, h.log); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(c.Close)
	h.c = c
}

// waitEvent returns the next event of type typ, skipping others.
func (h *harness) waitEvent(typ EventType) Event {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case e := <-h.events:
			if e.Type == typ {
				return e
			}
		case <-ctx.Done():
			h.t.Fatalf("no %s event", typ)
		}
	}
}

func wantCode(t *testing.T, err error, want *kerr.Error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %s", err, want.Message)
	}
}
