package controlplane_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/controlplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

// call sends a request with a JSON body (nil for none) and decodes the
// answer into out (when non-nil), returning the status.
func call(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %s: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

func mustCall(t *testing.T, method, url string, body any, out any) {
	t.Helper()
	var raw json.RawMessage
	if status := call(t, method, url, body, &raw); status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, url, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// A failover driven over HTTP: stop the leader's broker, see a new
// leader, produce to it with kgo, restart the broker and wait for the ISR
// to be whole and the restarted replica to have every record.
func TestFailoverOverHTTP(t *testing.T) {
	c := gregor.Start(t, broker.Brokers(3), broker.Topic("payments", 1, 3, nil))
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	u := srv.URL

	var p controlplane.Partition
	mustCall(t, "GET", u+"/v1/topics/payments/partitions/0", nil, &p)
	if len(p.ISR) != 3 || p.Leader < 1 {
		t.Fatalf("partition before the failover: %+v", p)
	}
	old := p.Leader

	var cl controlplane.Cluster
	mustCall(t, "POST", fmt.Sprintf("%s/v1/brokers/%d/stop", u, old), nil, &cl)
	if b := cl.Brokers[old-1]; b.Running {
		t.Fatalf("broker %d still running after stop: %+v", old, cl)
	}
	mustCall(t, "POST", u+"/v1/wait/isr", map[string]any{"topic": "payments", "partition": 0, "isr_size": 2, "timeout": "10s"}, &p)
	if p.Leader == old || p.Leader < 1 || slices.Contains(p.ISR, old) {
		t.Fatalf("after stopping broker %d: leader %d, ISR %v", old, p.Leader, p.ISR)
	}
	t.Logf("broker %d stopped; new leader %d, ISR %v", old, p.Leader, p.ISR)

	prod, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("payments"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	for i := range 20 {
		if err := prod.ProduceSync(t.Context(), &kgo.Record{Value: fmt.Appendf(nil, "payment %d", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	mustCall(t, "POST", fmt.Sprintf("%s/v1/brokers/%d/start", u, old), nil, &cl)
	mustCall(t, "POST", u+"/v1/wait/isr", map[string]any{"topic": "payments", "partition": 0, "isr": []int32{1, 2, 3}}, &p)
	mustCall(t, "POST", u+"/v1/wait/offset", map[string]any{"topic": "payments", "partition": 0, "offset": 20}, &p)
	for _, r := range p.ReplicaStates {
		if r.LogEndOffset != 20 || r.HighWatermark != 20 {
			t.Errorf("replica on broker %d: log end %d, high watermark %d; want 20 and 20", r.Broker, r.LogEndOffset, r.HighWatermark)
		}
		if len(r.Segments) == 0 {
			t.Errorf("replica on broker %d lists no segments", r.Broker)
		}
	}
	if len(p.ReplicaStates) != 3 {
		t.Fatalf("replica states: %+v", p.ReplicaStates)
	}
	resp, err := http.Get(u + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(text), `kafka_server_brokertopicmetrics_messagesin_total{broker="`+fmt.Sprint(p.Leader)+`",topic="payments"} 20`) {
		t.Fatalf("/metrics on the control plane's port does not count the 20 records:\n%s", text)
	}
}

// Every malformed request gets a 4xx and a JSON error that says why.
func TestBadRequestsGetClearErrors(t *testing.T) {
	c := gregor.Start(t, broker.Brokers(2), broker.Topic("t", 1, 2, nil))
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	u := srv.URL
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		says         string
	}{
		{"POST", "/v1/brokers/9/stop", nil, 404, "no broker 9"},
		{"POST", "/v1/brokers/x/stop", nil, 400, "integer"},
		{"POST", "/v1/brokers/1/explode", nil, 404, "stop, crash or start"},
		{"POST", "/v1/replication/pause", "{not json", 400, "malformed JSON"},
		{"POST", "/v1/replication/pause", "", 400, "needs a JSON body"},
		{"POST", "/v1/replication/pause", `{"topic":"t","partition":0,"broker":1,"extra":1}`, 400, "unknown field"},
		{"POST", "/v1/replication/pause", `{"topic":"t","partition":0}`, 400, `"broker"`},
		{"POST", "/v1/replication/pause", `{"topic":"t","partition":0,"broker":7}`, 404, "no broker 7"},
		{"POST", "/v1/replication/pause", `{"topic":"nope","partition":0,"broker":1}`, 404, "does not exist"},
		{"POST", "/v1/clock/advance", `{"duration":"1s"}`, 409, "real clock"},
		{"POST", "/v1/wait/isr", `{"topic":"t","partition":0}`, 400, `"isr"`},
		{"POST", "/v1/wait/isr", `{"topic":"t","partition":0,"isr_size":2,"timeout":"soon"}`, 400, "timeout"},
		{"POST", "/v1/wait/isr", `{"topic":"t","partition":0,"isr_size":5,"timeout":"1ms"}`, 408, "waiting for t-0"},
		{"POST", "/v1/wait/offset", `{"topic":"t","partition":0,"offset":1,"timeout":"1ms"}`, 408, "waiting for t-0"},
		{"POST", "/v1/wait/group", `{"group":"g"}`, 400, `"members"`},
		{"GET", "/v1/topics/t/partitions/3", nil, 404, "no partition 3"},
		{"GET", "/v1/groups/ghost", nil, 404, "ghost"},
		{"GET", "/v2/cluster", nil, 404, "no endpoint"},
	} {
		var e controlplane.ErrorBody
		status := call(t, tc.method, u+tc.path, tc.body, &e)
		if status != tc.status || !strings.Contains(e.Error, tc.says) {
			t.Errorf("%s %s %v: %d %q; want %d and an error saying %q", tc.method, tc.path, tc.body, status, e.Error, tc.status, tc.says)
		}
	}
}

// The clock advances over HTTP, and a paused follower leaves the ISR
// after replica.lag.time.max.ms on that clock.
func TestClockAndPauseOverHTTP(t *testing.T) {
	mc := clock.NewManual(time.Time{}) // starts at the wall clock's now: records carry real timestamps
	start := mc.Now()
	c := gregor.Start(t, broker.Brokers(2), broker.Clock(mc), broker.Topic("clicks", 1, 2, nil))
	u, err := c.ListenHTTP("127.0.0.1:0", controlplane.Handler(c))
	if err != nil {
		t.Fatal(err)
	}
	var p controlplane.Partition
	mustCall(t, "GET", u+"/v1/topics/clicks/partitions/0", nil, &p)
	follower := p.Replicas[0] + p.Replicas[1] - p.Leader
	mustCall(t, "POST", u+"/v1/replication/pause", map[string]any{"topic": "clicks", "partition": 0, "broker": follower}, nil)
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("clicks"),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	if err := prod.ProduceSync(t.Context(), &kgo.Record{Value: []byte("click")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var now controlplane.ClockNow
	mustCall(t, "POST", u+"/v1/clock/advance", map[string]string{"duration": "45s"}, &now)
	if want := start.Add(45 * time.Second); !now.Now.Equal(want) {
		t.Fatalf("clock after advancing 45s: %v", now.Now)
	}
	mustCall(t, "GET", u+"/v1/topics/clicks/partitions/0", nil, &p)
	if slices.Contains(p.ISR, follower) {
		t.Fatalf("paused follower %d still in the ISR %v after 45 s", follower, p.ISR)
	}
	mustCall(t, "POST", u+"/v1/replication/resume", map[string]any{"topic": "clicks", "partition": 0, "broker": follower}, nil)
	mustCall(t, "POST", u+"/v1/wait/isr", map[string]any{"topic": "clicks", "partition": 0, "isr_size": 2}, &p)
}

// A consumer joining a group is seen on the event stream, by the group
// wait, and in the group's description with its assignment and lag.
func TestGroupEventsAndWaitOverHTTP(t *testing.T) {
	c := gregor.Start(t, broker.Topic("orders", 2, 1, nil))
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	u := srv.URL

	req, err := http.NewRequestWithContext(t.Context(), "GET", u+"/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	if !lines.Scan() || lines.Text() != ": subscribed" {
		t.Fatalf("first line of the stream: %q", lines.Text())
	}

	cons, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"), kgo.ClientID("biller"))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	go cons.PollFetches(t.Context())

	var g controlplane.Group
	mustCall(t, "POST", u+"/v1/wait/group", map[string]any{"group": "billing", "members": 1}, &g)
	if g.State != "Stable" || len(g.Members) != 1 || g.Members[0].ClientID != "biller" || len(g.Members[0].Assignment["orders"]) != 2 {
		t.Fatalf("group after the wait: %+v", g)
	}
	var seen []string
	for lines.Scan() {
		line := lines.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var e controlplane.Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		if e.Group != "billing" {
			continue
		}
		seen = append(seen, e.Type)
		if e.Type == "Stable" {
			break
		}
	}
	if !slices.Contains(seen, "MemberJoined") || seen[len(seen)-1] != "Stable" {
		t.Fatalf("events of the group: %v; want MemberJoined ... Stable", seen)
	}
	var groups []controlplane.GroupListing
	mustCall(t, "GET", u+"/v1/groups", nil, &groups)
	if len(groups) != 1 || groups[0].Group != "billing" || groups[0].Protocol != "classic" {
		t.Fatalf("groups: %+v", groups)
	}
}
