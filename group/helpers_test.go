package group

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testLog is a __consumer_offsets partition in memory.
type testLog struct{ p *partition.Partition }

func (l testLog) Append(batch []byte) (int64, error) {
	res, err := l.p.Append(batch, partition.FromCoordinator)
	if err != nil {
		return 0, err
	}
	return res.LastOffset + 1, nil
}

func (l testLog) Offsets() (int64, int64, int64) { return l.p.Offsets() }

func (l testLog) Read(offset int64, maxBytes int) ([]byte, error) {
	res, err := l.p.Read(partition.ReadOptions{Offset: offset, MaxBytes: maxBytes, MinOneBatch: true, CurrentLeaderEpoch: -1, ToLogEnd: true})
	return res.Records, err
}

func (l testLog) Watch(ch chan<- struct{}) func() { return l.p.Watch(ch) }

// errorLogger fails the test on any error-level log (an invalid state
// transition or a partition owned twice).
type errorLogger struct {
	t  testing.TB
	mu sync.Mutex
}

func (h *errorLogger) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *errorLogger) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.t.Errorf("coordinator logged an error: %s%s", r.Message, b.String())
	return nil
}
func (h *errorLogger) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorLogger) WithGroup(string) slog.Handler      { return h }

// fixture is a coordinator with one loaded partition (all groups map to
// it: offsets.topic.num.partitions is 1), a manual clock and the events.
type fixture struct {
	t     *testing.T
	c     *Coordinator
	clock *clock.Manual
	log   testLog
	dir   segment.Dir

	mu     sync.Mutex
	events []Event
	ids    int
	topics Topics
}

func newFixture(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: clock.NewManual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), dir: segment.MemoryDir(), topics: Topics{}}
	cfg := DefaultConfig()
	cfg.OffsetsTopicPartitions = 1
	cfg.InitialRebalanceDelay = 0
	// The reconciliation tests step through one heartbeat at a time and
	// expect each epoch bump to bring its target assignment at once;
	// TestConsumerAssignmentInterval covers Kafka's default of 1 s.
	cfg.ConsumerAssignmentInterval = 0
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(Options{
		Config: cfg, Clock: f.clock, Logger: slog.New(&errorLogger{t: t}),
		Events: func(e Event) { f.mu.Lock(); f.events = append(f.events, e); f.mu.Unlock() },
		Topics: func() Topics { f.mu.Lock(); defer f.mu.Unlock(); return f.topics },
		NewMemberID: func(prefix string) string {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.ids++
			return fmt.Sprintf("%s-%d", prefix, f.ids)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	f.openLog(0)
	t.Cleanup(c.Close)
	return f
}

// openLog opens the partition's log (again) and loads it at epoch.
func (f *fixture) openLog(epoch int32) {
	f.t.Helper()
	p, err := partition.Open(partition.Options{Topic: "__consumer_offsets", Index: 0, BrokerID: 1, Dir: f.dir,
		Config: partition.DefaultConfig(), Clock: f.clock})
	if err != nil {
		f.t.Fatal(err)
	}
	p.ApplyState(partition.State{Leader: 1, LeaderEpoch: epoch, Replicas: []int32{1}, ISR: []int32{1}})
	f.log = testLog{p}
	if err := f.c.Load(0, epoch, f.log); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) addTopic(name string, partitions int32) TopicInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := Topics{}
	for k, v := range f.topics {
		next[k] = v
	}
	ti := TopicInfo{Name: name, Partitions: partitions}
	copy(ti.ID[:], name)
	ti.ID[15] = byte(len(f.topics) + 1)
	next[name] = ti
	f.topics = next
	return ti
}

func (f *fixture) eventTypes(groupID string) []EventType {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []EventType
	for _, e := range f.events {
		if e.Group == groupID {
			out = append(out, e.Type)
		}
	}
	return out
}

func (f *fixture) story(groupID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, e := range f.events {
		if e.Group == groupID {
			b.WriteString("  " + e.String() + "\n")
		}
	}
	return b.String()
}

var ctx = context.Background()

// consumerMeta is a classic consumer's subscription metadata.
func consumerMeta(topics ...string) []byte {
	m := kmsg.NewConsumerMemberMetadata()
	m.Topics = topics
	return m.AppendTo(nil)
}

func consumerAssignment(topic string, partitions ...int32) []byte {
	a := kmsg.NewConsumerMemberAssignment()
	t := kmsg.NewConsumerMemberAssignmentTopic()
	t.Topic, t.Partitions = topic, partitions
	a.Topics = append(a.Topics, t)
	return a.AppendTo(nil)
}

type joinOpts struct {
	version   int16
	member    string
	instance  string
	protocols []string
	session   time.Duration
	rebalance time.Duration
	meta      []byte
}

// joinAsync sends JoinGroup; the response is on the returned channel at
// once, unless the request is parked.
func (f *fixture) joinAsync(groupID string, o joinOpts) <-chan *kmsg.JoinGroupResponse {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version = 9
	if o.version != 0 {
		req.Version = o.version
	}
	req.Group, req.MemberID, req.ProtocolType = groupID, o.member, "consumer"
	req.SessionTimeoutMillis = 10000
	if o.session != 0 {
		req.SessionTimeoutMillis = int32(o.session.Milliseconds())
	}
	req.RebalanceTimeoutMillis = 20000
	if o.rebalance != 0 {
		req.RebalanceTimeoutMillis = int32(o.rebalance.Milliseconds())
	}
	if o.instance != "" {
		inst := o.instance
		req.InstanceID = &inst
	}
	protocols := o.protocols
	if protocols == nil {
		protocols = []string{"range"}
	}
	meta := o.meta
	if meta == nil {
		meta = consumerMeta("orders")
	}
	for _, p := range protocols {
		jp := kmsg.NewJoinGroupRequestProtocol()
		jp.Name, jp.Metadata = p, meta
		req.Protocols = append(req.Protocols, jp)
	}
	return f.c.startJoinGroup(Client{ID: "client", Host: "/127.0.0.1"}, req)
}

// join joins and waits for the answer.
func (f *fixture) join(groupID string, o joinOpts) *kmsg.JoinGroupResponse {
	f.t.Helper()
	return f.recv(f.joinAsync(groupID, o))
}

// joinNew does KIP-394's two JoinGroups and returns the second answer.
func (f *fixture) joinNew(groupID string, o joinOpts) *kmsg.JoinGroupResponse {
	f.t.Helper()
	r := f.join(groupID, o)
	if o.instance != "" || o.version != 0 && o.version < 4 {
		return r
	}
	if r.ErrorCode != kerr.MemberIDRequired.Code {
		f.t.Fatalf("first JoinGroup: error %d, want MEMBER_ID_REQUIRED", r.ErrorCode)
	}
	o.member = r.MemberID
	return f.join(groupID, o)
}

// recv takes an answer that must have arrived: the coordinator answers
// parked requests within the operation that completes them, so by the
// time that operation returned the answer is in the channel.
func (f *fixture) recv(ch <-chan *kmsg.JoinGroupResponse) *kmsg.JoinGroupResponse {
	f.t.Helper()
	select {
	case r := <-ch:
		return r
	default:
		f.t.Fatal("JoinGroup is still parked")
		return nil
	}
}

func recvSync(t *testing.T, ch <-chan *kmsg.SyncGroupResponse) *kmsg.SyncGroupResponse {
	t.Helper()
	select {
	case r := <-ch:
		return r
	default:
		t.Fatal("SyncGroup is still parked")
		return nil
	}
}

// parked reports whether a request is still waiting for its answer.
func parked[T any](ch <-chan T) bool { return len(ch) == 0 }

func (f *fixture) syncAsync(groupID, member string, gen int32, assignments map[string][]byte) <-chan *kmsg.SyncGroupResponse {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version = 5
	req.Group, req.MemberID, req.Generation = groupID, member, gen
	pt, pn := "consumer", "range"
	req.ProtocolType, req.Protocol = &pt, &pn
	for id, a := range assignments {
		ga := kmsg.NewSyncGroupRequestGroupAssignment()
		ga.MemberID, ga.MemberAssignment = id, a
		req.GroupAssignment = append(req.GroupAssignment, ga)
	}
	return f.c.startSyncGroup(req)
}

func (f *fixture) sync(groupID, member string, gen int32, assignments map[string][]byte) *kmsg.SyncGroupResponse {
	f.t.Helper()
	return recvSync(f.t, f.syncAsync(groupID, member, gen, assignments))
}

func (f *fixture) heartbeat(groupID, member string, gen int32, instance string) int16 {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version = 4
	req.Group, req.MemberID, req.Generation = groupID, member, gen
	if instance != "" {
		req.InstanceID = &instance
	}
	return f.c.Heartbeat(ctx, req).ErrorCode
}

func (f *fixture) commit(groupID, member string, gen int32, topic string, partition int32, offset int64) int16 {
	f.t.Helper()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version = 9
	req.Group, req.MemberID, req.Generation = groupID, member, gen
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewOffsetCommitRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := f.c.CommitOffsets(ctx, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.Topics[0].Partitions[0].ErrorCode
}

func (f *fixture) committed(groupID, topic string, partition int32) int64 {
	f.t.Helper()
	g := kmsg.NewOffsetFetchRequestGroup()
	g.Group = groupID
	gt := kmsg.NewOffsetFetchRequestGroupTopic()
	gt.Topic, gt.Partitions = topic, []int32{partition}
	g.Topics = append(g.Topics, gt)
	resp, err := f.c.FetchOffsets(ctx, g, false)
	if err != nil || resp.ErrorCode != 0 {
		f.t.Fatalf("fetch offsets: %v %d", err, resp.ErrorCode)
	}
	return resp.Topics[0].Partitions[0].Offset
}

func (f *fixture) describe(groupID string) Description {
	f.t.Helper()
	d, err := f.c.Describe(groupID)
	if err != nil {
		f.t.Fatalf("describe %s: %v", groupID, err)
	}
	return d
}

func errName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if e := kerr.ErrorForCode(code); e != nil {
		return e.Error()
	}
	return fmt.Sprint(code)
}

func wantCode(t *testing.T, what string, got int16, want *kerr.Error) {
	t.Helper()
	w := int16(0)
	if want != nil {
		w = want.Code
	}
	if got != w {
		t.Fatalf("%s: got %s, want %s", what, errName(got), errName(w))
	}
}
