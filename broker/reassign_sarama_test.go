package broker_test

import (
	"slices"
	"testing"

	"github.com/IBM/sarama"
)

// Sarama's ClusterAdmin moves a partition (AlterPartitionReassignments,
// one replica list per partition, in partition order) and reads the move
// in progress back (ListPartitionReassignments).
func TestReassignmentSarama(t *testing.T) {
	c := startMoveCluster(t)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_4_0_0 // KIP-455's APIs came with Kafka 2.4
	admin, err := sarama.NewClusterAdmin(c.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	mustDo(t, c.StopBroker(4))
	if err := admin.AlterPartitionReassignments("move", [][]int32{{4, 3, 2}}); err != nil {
		t.Fatalf("AlterPartitionReassignments: %v", err)
	}
	status, err := admin.ListPartitionReassignments("move", []int32{0})
	if err != nil {
		t.Fatalf("ListPartitionReassignments: %v", err)
	}
	s := status["move"][0]
	if s == nil || !slices.Equal(s.Replicas, []int32{4, 3, 2, 1}) || !slices.Equal(s.AddingReplicas, []int32{4}) || !slices.Equal(s.RemovingReplicas, []int32{1}) {
		t.Fatalf("ListPartitionReassignments = %+v, want replicas [4 3 2 1] adding [4] removing [1]", s)
	}
	if err := admin.AlterPartitionReassignments("move", [][]int32{{1, 2, 9}}); err == nil {
		t.Fatal("a reassignment onto unregistered broker 9 was accepted")
	}
	mustDo(t, c.StartBroker(4))
	mustDo(t, c.WaitForReassignments(apiCtx(t)))
	// Leader 1 left; the first target replica in sync, in target order,
	// leads: the new broker 4, which has just caught up.
	if p := partitionInfo(t, c, "move", 0); !slices.Equal(p.Replicas, []int32{4, 3, 2}) || p.Leader != 4 {
		t.Fatalf("move-0 ends %v led by %d, want [4 3 2] led by 4", p.Replicas, p.Leader)
	}
}
