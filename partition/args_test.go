package partition

import (
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Bad arguments to a replica are errors (Kafka error codes where a client
// sent them), never panics, and leave the replica as it was.
func TestBadArgumentsAreErrors(t *testing.T) {
	clk := clock.NewManual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	good := Options{Topic: "orders", Index: 0, BrokerID: 1, Dir: segment.MemoryDir(), Config: DefaultConfig(), Clock: clk}
	for name, change := range map[string]func(*Options){
		"no directory":         func(o *Options) { o.Dir = nil },
		"no clock":             func(o *Options) { o.Clock = nil },
		"no topic":             func(o *Options) { o.Topic = "" },
		"negative index":       func(o *Options) { o.Index = -1 },
		"negative log start":   func(o *Options) { o.LogStartOffset = -1 },
		"negative watermark":   func(o *Options) { o.HighWatermark = -3 },
		"segment.bytes of 1":   func(o *Options) { o.Config.Segment.SegmentBytes = 1 },
		"segment.ms of 0":      func(o *Options) { o.Config.Segment.SegmentMs = 0 },
		"negative index bytes": func(o *Options) { o.Config.Segment.IndexIntervalBytes = -1 },
	} {
		o := good
		o.Dir = segment.MemoryDir()
		change(&o)
		if _, err := Open(o); err == nil {
			t.Errorf("Open with %s: no error", name)
		}
	}

	p, err := Open(good)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.ApplyState(State{Leader: 1, LeaderEpoch: 0, Replicas: []int32{1}, ISR: []int32{1}})
	batch, _ := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: clk.Now().UnixMilli(), Value: []byte("v")}})
	if _, err := p.AppendAsLeader(batch, 1); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		err  func() error
		code *kerr.Error
	}{
		"nil records":     {func() error { _, err := p.AppendAsLeader(nil, 1); return err }, kerr.InvalidRecord},
		"garbage records": {func() error { _, err := p.AppendAsLeader([]byte("not a batch at all"), 1); return err }, kerr.InvalidRecord},
		"truncated batch": {func() error { _, err := p.AppendAsLeader(batch[:len(batch)-1], 1); return err }, kerr.InvalidRecord},
		"zero length":     {func() error { _, err := p.AppendAsLeader(make([]byte, 20), 1); return err }, kerr.CorruptMessage},
		"unknown origin":  {func() error { _, err := p.Append(batch, Origin(9)); return err }, nil},
		"trusted garbage": {func() error { _, err := p.Append([]byte{1, 2, 3}, FromCoordinator); return err }, kerr.CorruptMessage},
		"read below start": {func() error {
			_, err := p.Read(ReadOptions{Offset: -1, MaxBytes: 100, CurrentLeaderEpoch: -1})
			return err
		}, kerr.OffsetOutOfRange},
		"read past the end": {func() error {
			_, err := p.Read(ReadOptions{Offset: 99, MaxBytes: 100, CurrentLeaderEpoch: -1})
			return err
		}, kerr.OffsetOutOfRange},
		"list offset -7":     {func() error { _, err := p.ListOffset(-7, ReadUncommitted, -1); return err }, nil},
		"follower garbage":   {func() error { return p.AppendAsFollower([]byte{0, 0, 0}, 0, 0, 0) }, nil},
		"bad segment config": {func() error { c := p.Config(); c.Segment.SegmentIndexBytes = 0; return p.SetConfig(c) }, nil},
	} {
		err := tc.err()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if tc.code != nil && !errors.Is(err, tc.code) {
			t.Errorf("%s: %v, want %s", name, err, tc.code.Message)
		}
	}
	if _, hw, end := p.Offsets(); hw != 1 || end != 1 {
		t.Fatalf("after refused calls: high watermark %d, log end %d; want 1 and 1", hw, end)
	}
	// A negative byte limit reads nothing rather than failing.
	if res, err := p.Read(ReadOptions{Offset: 0, MaxBytes: -5, CurrentLeaderEpoch: -1}); err != nil || len(res.Records) != 0 {
		t.Fatalf("read with max bytes -5: %d bytes, %v", len(res.Records), err)
	}
}
