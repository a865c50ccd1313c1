package controlplane_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/controlplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

func faultServer(t *testing.T) (*broker.Cluster, string) {
	t.Helper()
	c := gregor.Start(t, broker.Brokers(1), broker.Topic("t", 1, 1, nil))
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func producer(t *testing.T, c *broker.Cluster, clientID string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...), kgo.ClientID(clientID), kgo.DefaultProduceTopic("t"),
		kgo.MetadataMinAge(10 * time.Millisecond)}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// One Produce refused with NOT_LEADER_OR_FOLLOWER, injected over HTTP:
// the producer refreshes its metadata and retries, and the request
// history shows the refused request, then the retry that succeeded.
func TestFaultNotLeaderOverHTTP(t *testing.T) {
	c, u := faultServer(t)
	const id = "http-not-leader"
	var created controlplane.FaultID
	if status := call(t, "POST", u+"/v1/faults", map[string]any{"api": "Produce", "topic": "t", "partitions": []int32{0},
		"client_id": id, "times": 1, "error": "NOT_LEADER_OR_FOLLOWER"}, &created); status != http.StatusCreated || created.ID == 0 {
		t.Fatalf("POST /v1/faults: %d %+v", status, created)
	}
	var active []controlplane.FaultJSON
	mustCall(t, "GET", u+"/v1/faults", nil, &active)
	if len(active) != 1 || active[0].ID != created.ID || active[0].API != "Produce" || active[0].Error != "NOT_LEADER_OR_FOLLOWER" ||
		active[0].ErrorCode != 6 || active[0].TimesLeft != 1 {
		t.Fatalf("active faults %+v", active)
	}

	cl := producer(t, c, id)
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte("a")}).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
	var produces []controlplane.RequestJSON
	mustCall(t, "GET", u+"/v1/requests?api=Produce&client_id="+id, nil, &produces)
	if len(produces) != 2 || !slices.Equal(produces[0].ErrorCodes, []int16{6}) || !slices.Equal(produces[0].Errors, []string{"NOT_LEADER_OR_FOLLOWER"}) ||
		produces[0].Fault == "" || len(produces[1].ErrorCodes) != 0 || produces[1].Fault != "" || produces[0].Seq >= produces[1].Seq {
		t.Fatalf("produce requests %+v, want one refused with NOT_LEADER_OR_FOLLOWER, then one that succeeded", produces)
	}
	var newest []controlplane.RequestJSON
	mustCall(t, "GET", u+"/v1/requests?api=0&client_id="+id+"&limit=1", nil, &newest)
	if len(newest) != 1 || newest[0].Seq != produces[1].Seq || newest[0].API != "Produce" {
		t.Fatalf("limit=1: %+v, want the retry %+v", newest, produces[1])
	}

	mustCall(t, "GET", u+"/v1/faults", nil, &active)
	if len(active) != 0 {
		t.Fatalf("the used-up fault is still listed: %+v", active)
	}
	if status := call(t, "DELETE", u+"/v1/faults/"+itoa(created.ID), nil, nil); status != http.StatusNotFound {
		t.Fatalf("DELETE of a used-up fault: %d, want 404", status)
	}
}

// A deleted fault no longer applies: the producer's first Produce
// succeeds although the fault, kept, would refuse every one.
func TestFaultDeleteOverHTTP(t *testing.T) {
	c, u := faultServer(t)
	const id = "http-delete"
	var created controlplane.FaultID
	if status := call(t, "POST", u+"/v1/faults", map[string]any{"api": 0, "client_id": id, "error": 6, "delay_ms": 5}, &created); status != http.StatusCreated {
		t.Fatalf("POST /v1/faults: %d", status)
	}
	var other controlplane.FaultID
	if status := call(t, "POST", u+"/v1/faults", map[string]any{"api": "Fetch", "client_id": "someone-else", "drop_response": true}, &other); status != http.StatusCreated {
		t.Fatalf("POST /v1/faults: %d", status)
	}
	var removed controlplane.FaultJSON
	mustCall(t, "DELETE", u+"/v1/faults/"+itoa(created.ID), nil, &removed)
	if removed.ID != created.ID || removed.Times != 0 || removed.DelayMS != 5 || !strings.Contains(removed.Effects, "delay") {
		t.Fatalf("deleted %+v", removed)
	}
	var active []controlplane.FaultJSON
	mustCall(t, "GET", u+"/v1/faults", nil, &active)
	if len(active) != 1 || active[0].ID != other.ID || !active[0].DropResponse || active[0].API != "Fetch" {
		t.Fatalf("active faults after the delete: %+v", active)
	}
	if status := call(t, "DELETE", u+"/v1/faults/"+itoa(created.ID), nil, nil); status != http.StatusNotFound {
		t.Fatalf("second DELETE: %d, want 404", status)
	}

	cl := producer(t, c, id, kgo.RecordRetries(0))
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte("a")}).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
	var produces []controlplane.RequestJSON
	mustCall(t, "GET", u+"/v1/requests?api=Produce&client_id="+id, nil, &produces)
	if len(produces) != 1 || len(produces[0].ErrorCodes) != 0 || produces[0].Fault != "" {
		t.Fatalf("produce requests %+v, want one undisturbed", produces)
	}
}

// Bad fault bodies and request-history parameters are 400s that say
// what is wrong; an unknown broker is a 404.
func TestFaultBadRequestsOverHTTP(t *testing.T) {
	_, u := faultServer(t)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		says         string
	}{
		{"POST", "/v1/faults", nil, 400, "JSON body"},
		{"POST", "/v1/faults", `{"api":"Produce","error":"NOT_LEADER_OR_FOLLOWER","bogus":1}`, 400, "bogus"},
		{"POST", "/v1/faults", `{"error":"NOT_LEADER_OR_FOLLOWER"}`, 400, `"api"`},
		{"POST", "/v1/faults", `{"api":"Produse","error":"NOT_LEADER_OR_FOLLOWER"}`, 400, `"Produse"`},
		{"POST", "/v1/faults", `{"api":999,"error":"NOT_LEADER_OR_FOLLOWER"}`, 400, "key 999"},
		{"POST", "/v1/faults", `{"api":true,"error":6}`, 400, "name or an integer"},
		{"POST", "/v1/faults", `{"api":"Produce","error":"NOT_A_LEADER"}`, 400, `"NOT_A_LEADER"`},
		{"POST", "/v1/faults", `{"api":"Produce","error":0}`, 400, "code 0"},
		{"POST", "/v1/faults", `{"api":"Produce"}`, 400, "effect"},
		{"POST", "/v1/faults", `{"api":"Produce","delay_ms":-1}`, 400, "delay_ms"},
		{"POST", "/v1/faults", `{"api":"Produce","drop_request":true,"times":-1}`, 400, "times"},
		{"POST", "/v1/faults", `{"api":"Produce","drop_request":true,"partitions":[0]}`, 400, "topic"},
		{"POST", "/v1/faults", `{"api":"Produce","drop_request":true,"broker":9}`, 404, "broker 9"},
		{"DELETE", "/v1/faults/x", nil, 400, "integer"},
		{"DELETE", "/v1/faults/77", nil, 404, "77"},
		{"GET", "/v1/requests?api=Produse", nil, 400, `"Produse"`},
		{"GET", "/v1/requests?limit=-1", nil, 400, "limit"},
		{"GET", "/v1/requests?broker=one", nil, 400, "broker"},
	} {
		var body controlplane.ErrorBody
		status := call(t, tc.method, u+tc.path, tc.body, &body)
		if status != tc.status || !strings.Contains(body.Error, tc.says) {
			t.Errorf("%s %s %v: %d %q, want %d saying %s", tc.method, tc.path, tc.body, status, body.Error, tc.status, tc.says)
		}
	}
	var active []controlplane.FaultJSON
	mustCall(t, "GET", u+"/v1/faults", nil, &active)
	if len(active) != 0 {
		t.Fatalf("refused bodies injected faults: %+v", active)
	}
}
