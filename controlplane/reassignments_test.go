package controlplane_test

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/controlplane"
)

// A reassignment watched over HTTP: while broker 4 is down the move waits
// with broker 4 not running and nothing copied; once it is started, the
// wait endpoint returns when the move has completed.
func TestReassignmentsOverHTTP(t *testing.T) {
	c := gregor.Start(t, broker.Brokers(4), broker.Topic("move", 1, 3, nil))
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	u := srv.URL

	var none []controlplane.Reassignment
	mustCall(t, "GET", u+"/v1/reassignments", nil, &none)
	if len(none) != 0 {
		t.Fatalf("reassignments before any: %+v", none)
	}
	mustCall(t, "POST", u+"/v1/brokers/4/stop", nil, nil)
	if err := c.AlterPartitionReassignment("move", 0, []int32{2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	var got []controlplane.Reassignment
	mustCall(t, "GET", u+"/v1/reassignments", nil, &got)
	if len(got) != 1 || !slices.Equal(got[0].Replicas, []int32{2, 3, 4, 1}) || !slices.Equal(got[0].Target, []int32{2, 3, 4}) ||
		!slices.Equal(got[0].Adding, []int32{4}) || !slices.Equal(got[0].Removing, []int32{1}) || got[0].Progress["4"].Running {
		t.Fatalf("GET /v1/reassignments = %+v, want move-0 to [2 3 4] adding 4 (not running), removing 1", got)
	}
	var p controlplane.Partition
	mustCall(t, "GET", u+"/v1/topics/move/partitions/0", nil, &p)
	if !slices.Equal(p.AddingReplicas, []int32{4}) || !slices.Equal(p.RemovingReplicas, []int32{1}) {
		t.Fatalf("the partition shows adding %v removing %v, want [4] and [1]", p.AddingReplicas, p.RemovingReplicas)
	}

	mustCall(t, "POST", u+"/v1/brokers/4/start", nil, nil)
	var after []controlplane.Reassignment
	mustCall(t, "POST", u+"/v1/wait/reassignments", map[string]any{"topics": []string{"move"}}, &after)
	if len(after) != 0 {
		t.Fatalf("after the wait: %+v", after)
	}
	mustCall(t, "GET", u+"/v1/topics/move/partitions/0", nil, &p)
	if !slices.Equal(p.Replicas, []int32{2, 3, 4}) || p.Leader != 2 {
		t.Fatalf("move-0 ends on %v led by %d, want [2 3 4] led by 2", p.Replicas, p.Leader)
	}
}
