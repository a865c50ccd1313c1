package broker_test

import (
	"errors"
	"slices"
	"testing"

	kafkago "github.com/segmentio/kafka-go"
)

// kafka-go's Client starts a move and lists every reassignment in
// progress (null topics: the request kadm cannot send). kafka-go encodes
// nil BrokerIDs as an empty list, not null, so it cannot cancel: the
// empty list is refused as Kafka refuses it, INVALID_REPLICA_ASSIGNMENT,
// and the move goes on until a cancel with null replicas (kadm here).
func TestReassignmentKafkaGo(t *testing.T) {
	c := startMoveCluster(t)
	cl := &kafkago.Client{Addr: kafkago.TCP(c.Addrs()...)}
	mustDo(t, c.StopBroker(4))
	alter := func(ids []int) error {
		t.Helper()
		resp, err := cl.AlterPartitionReassignments(apiCtx(t), &kafkago.AlterPartitionReassignmentsRequest{
			Topic: "move", Assignments: []kafkago.AlterPartitionReassignmentsRequestAssignment{{PartitionID: 0, BrokerIDs: ids}},
		})
		if err != nil || resp.Error != nil || len(resp.PartitionResults) != 1 {
			t.Fatalf("AlterPartitionReassignments: %v %+v", err, resp)
		}
		return resp.PartitionResults[0].Error
	}
	if err := alter([]int{2, 3, 4}); err != nil {
		t.Fatalf("moving move-0 to [2 3 4]: %v", err)
	}
	list, err := cl.ListPartitionReassignments(apiCtx(t), &kafkago.ListPartitionReassignmentsRequest{})
	if err != nil || list.Error != nil {
		t.Fatalf("ListPartitionReassignments: %v %+v", err, list)
	}
	ps := list.Topics["move"].Partitions
	if len(list.Topics) != 1 || len(ps) != 1 || !slices.Equal(ps[0].Replicas, []int{2, 3, 4, 1}) ||
		!slices.Equal(ps[0].AddingReplicas, []int{4}) || !slices.Equal(ps[0].RemovingReplicas, []int{1}) {
		t.Fatalf("every reassignment in progress: %+v, want move-0 replicas [2 3 4 1] adding [4] removing [1]", list.Topics)
	}
	if err := alter(nil); !errors.Is(err, kafkago.InvalidReplicaAssignment) {
		t.Fatalf("kafka-go's cancel (an empty list on the wire): %v, want INVALID_REPLICA_ASSIGNMENT", err)
	}
	if p := partitionInfo(t, c, "move", 0); !slices.Equal(p.AddingReplicas, []int32{4}) {
		t.Fatalf("the refused cancel changed move-0: %+v", p)
	}
	if err := assign(t, apiAdmin(t, c), "move", 0, nil); err != nil {
		t.Fatalf("cancelling with kadm: %v", err)
	}
	if p := partitionInfo(t, c, "move", 0); !slices.Equal(p.Replicas, []int32{2, 3, 1}) || p.Leader != 1 {
		t.Fatalf("after the cancel move-0 is on %v led by %d, want [2 3 1] led by 1", p.Replicas, p.Leader)
	}
}
