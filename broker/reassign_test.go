package broker_test

// Partition reassignment (KIP-455) through kadm's
// AlterPartitionAssignments and ListPartitionReassignments: the
// intermediate state while new replicas copy, the move completing once
// they are in sync, cancelling, and Kafka's errors.

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startMoveCluster starts four brokers with topic "move" whose partition
// 0 is on brokers 1, 2 and 3, led by 1.
func startMoveCluster(t *testing.T, opts ...broker.Option) *broker.Cluster {
	t.Helper()
	c := startAPICluster(t, append([]broker.Option{broker.Brokers(4), broker.Topic("move", 1, 3, nil)}, opts...)...)
	if p := partitionInfo(t, c, "move", 0); !slices.Equal(p.Replicas, []int32{1, 2, 3}) || p.Leader != 1 {
		t.Fatalf("move-0 starts on %v led by %d, want [1 2 3] led by 1", p.Replicas, p.Leader)
	}
	return c
}

func assign(t *testing.T, adm *kadm.Client, topic string, p int32, replicas []int32) error {
	t.Helper()
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign(topic, p, replicas)
	res, err := adm.AlterPartitionAssignments(apiCtx(t), req)
	if err != nil {
		t.Fatalf("AlterPartitionAssignments: %v", err)
	}
	r, ok := res[topic][p]
	if !ok {
		t.Fatalf("no answer for %s-%d in %v", topic, p, res)
	}
	return r.Err
}

// listReassignments lists move-0's reassignment (kadm sends no request
// for an empty set, so it cannot ask for every partition).
func listReassignments(t *testing.T, adm *kadm.Client) kadm.ListPartitionReassignmentsResponses {
	t.Helper()
	var set kadm.TopicsSet
	set.Add("move", 0)
	res, err := adm.ListPartitionReassignments(apiCtx(t), set)
	if err != nil {
		t.Fatalf("ListPartitionReassignments: %v", err)
	}
	return res
}

// hostsPartition reports, from DescribeLogDirs, whether a broker holds a
// replica of topic-p and the size of its log.
func hostsPartition(t *testing.T, adm *kadm.Client, id int32, topic string, p int32) (bool, int64) {
	t.Helper()
	dirs, err := adm.DescribeBrokerLogDirs(apiCtx(t), id, nil)
	if err != nil {
		t.Fatalf("DescribeLogDirs on broker %d: %v", id, err)
	}
	for _, d := range dirs {
		if lp, ok := d.Topics[topic][p]; ok {
			return true, lp.Size
		}
	}
	return false, 0
}

// Moving {1,2,3} to {2,3,4} while broker 4 is down: the partition holds
// the intermediate state Kafka shows (replicas = target + removing,
// adding [4], removing [1]) and keeps serving from broker 1. When broker 4
// comes back it copies the log, joins the ISR, and the move completes in
// the same change: broker 1 leaves, its log is deleted, and leadership
// moves to the first in-sync target replica, 2, in a new leader epoch.
func TestReassignmentMovesReplicasAndLeadership(t *testing.T) {
	c := startMoveCluster(t)
	cl := replClient(t, c)
	adm := kadm.NewClient(cl)
	produceValues(t, cl, "move", 0, "a", "b", "c")
	before := partitionInfo(t, c, "move", 0)
	mustDo(t, c.StopBroker(4))

	if err := assign(t, adm, "move", 0, []int32{2, 3, 4}); err != nil {
		t.Fatalf("reassigning move-0 to [2 3 4]: %v", err)
	}
	list := listReassignments(t, adm)
	got, ok := list["move"][0]
	if !ok || !slices.Equal(got.Replicas, []int32{2, 3, 4, 1}) || !slices.Equal(got.AddingReplicas, []int32{4}) || !slices.Equal(got.RemovingReplicas, []int32{1}) {
		t.Fatalf("ListPartitionReassignments = %+v, want move-0 replicas [2 3 4 1] adding [4] removing [1]", list)
	}
	mid := partitionInfo(t, c, "move", 0)
	if !slices.Equal(mid.Replicas, []int32{2, 3, 4, 1}) || !slices.Equal(mid.AddingReplicas, []int32{4}) || !slices.Equal(mid.RemovingReplicas, []int32{1}) ||
		mid.Leader != 1 || mid.LeaderEpoch != before.LeaderEpoch || !sameSet(mid.ISR, []int32{1, 2, 3}) {
		t.Fatalf("while broker 4 is down move-0 is %+v, want replicas [2 3 4 1], adding [4], removing [1], led by 1 in epoch %d, ISR [1 2 3]", mid, before.LeaderEpoch)
	}
	md, err := adm.Metadata(apiCtx(t), "move")
	if err != nil {
		t.Fatal(err)
	}
	if mp := md.Topics["move"].Partitions[0]; !slices.Equal(mp.Replicas, []int32{2, 3, 4, 1}) {
		t.Fatalf("Metadata shows move-0 on %v during the move, want [2 3 4 1]", mp.Replicas)
	}
	dtp := kmsg.NewPtrDescribeTopicPartitionsRequest()
	dtp.ResponsePartitionLimit = 10
	dt := kmsg.NewDescribeTopicPartitionsRequestTopic()
	dt.Topic = "move"
	dtp.Topics = append(dtp.Topics, dt)
	dresp := send[*kmsg.DescribeTopicPartitionsResponse](t, cl, dtp)
	if dp := dresp.Topics[0].Partitions[0]; !slices.Equal(dp.Replicas, []int32{2, 3, 4, 1}) || !slices.Equal(dp.OfflineReplicas, []int32{4}) {
		t.Fatalf("DescribeTopicPartitions shows move-0 on %v with %v offline, want [2 3 4 1] with [4]", dp.Replicas, dp.OfflineReplicas)
	}
	if ras := c.Reassignments(); len(ras) != 1 || ras[0].Progress[4].Running || !slices.Equal(ras[0].Target(), []int32{2, 3, 4}) {
		t.Fatalf("Cluster.Reassignments = %+v, want one to [2 3 4] with broker 4 not running", ras)
	}
	produceValues(t, cl, "move", 0, "d")

	mustDo(t, c.StartBroker(4))
	mustDo(t, c.WaitForReassignments(apiCtx(t)))
	after := partitionInfo(t, c, "move", 0)
	if !slices.Equal(after.Replicas, []int32{2, 3, 4}) || !sameSet(after.ISR, []int32{2, 3, 4}) || after.Leader != 2 ||
		after.LeaderEpoch <= before.LeaderEpoch || len(after.AddingReplicas)+len(after.RemovingReplicas) != 0 {
		t.Fatalf("after the move move-0 is %+v, want replicas [2 3 4], ISR [2 3 4], led by 2 in an epoch above %d", after, before.LeaderEpoch)
	}
	if list := listReassignments(t, adm); len(list) != 0 {
		t.Fatalf("ListPartitionReassignments after the move = %+v, want none", list)
	}
	if on, _ := hostsPartition(t, adm, 1, "move", 0); on {
		t.Fatal("broker 1 still holds a replica of move-0 after it was moved off it")
	}
	if on, size := hostsPartition(t, adm, 4, "move", 0); !on || size == 0 {
		t.Fatalf("broker 4 holds move-0: %v, %d bytes; want its copied log", on, size)
	}
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	if r := partitionInfo(t, c, "move", 0).Replica[4]; r.LogEndOffset != 4 {
		t.Fatalf("broker 4's copy ends at %d, want 4 (records a, b, c, d)", r.LogEndOffset)
	}
	produceValues(t, cl, "move", 0, "e")
	if hw := partitionInfo(t, c, "move", 0).Replica[2].HighWatermark; hw != 5 {
		t.Fatalf("the new leader's high watermark is %d after one more record, want 5", hw)
	}
}

// A reassignment that only drops replicas, or only reorders them,
// completes at once: the ISR already holds every target replica.
func TestReassignmentThatOnlyRemovesCompletesAtOnce(t *testing.T) {
	c := startMoveCluster(t)
	adm := apiAdmin(t, c)
	before := partitionInfo(t, c, "move", 0)
	if err := assign(t, adm, "move", 0, []int32{3, 2}); err != nil {
		t.Fatal(err)
	}
	p := partitionInfo(t, c, "move", 0)
	if !slices.Equal(p.Replicas, []int32{3, 2}) || !sameSet(p.ISR, []int32{2, 3}) || p.Leader != 3 || p.LeaderEpoch != before.LeaderEpoch+1 {
		t.Fatalf("after dropping broker 1 move-0 is %+v, want replicas [3 2], ISR [2 3], led by 3 in epoch %d", p, before.LeaderEpoch+1)
	}
	if err := assign(t, adm, "move", 0, []int32{2, 3}); err != nil {
		t.Fatal(err)
	}
	if q := partitionInfo(t, c, "move", 0); !slices.Equal(q.Replicas, []int32{2, 3}) || q.Leader != 3 || q.LeaderEpoch != p.LeaderEpoch {
		t.Fatalf("reordering move-0 gave %+v, want replicas [2 3] still led by 3 in epoch %d", q, p.LeaderEpoch)
	}
	if list := listReassignments(t, adm); len(list) != 0 {
		t.Fatalf("ListPartitionReassignments = %+v, want none", list)
	}
	// Dropping a follower keeps the leader but starts a new leader epoch
	// (PartitionChangeBuilder bumps it whenever replicas leave), so the
	// remaining replicas begin a term without the removed one.
	if err := assign(t, adm, "move", 0, []int32{3}); err != nil {
		t.Fatal(err)
	}
	if r := partitionInfo(t, c, "move", 0); !slices.Equal(r.Replicas, []int32{3}) || r.Leader != 3 || r.LeaderEpoch != p.LeaderEpoch+1 {
		t.Fatalf("dropping follower 2 gave %+v, want replicas [3] led by 3 in epoch %d", r, p.LeaderEpoch+1)
	}
}

// Cancelling (null replicas) mid-way reverts to the original replicas:
// broker 4's new replica is dropped, broker 1 stays, and nothing
// acknowledged is lost. As in Kafka (PartitionReassignmentRevert) the
// reverted list is the intermediate one without the adding replicas, so
// its order is not the original's: [2 3 1], broker 1 still leading. Cancelling again answers NO_REASSIGNMENT_IN_PROGRESS.
func TestReassignmentCancelRevertsToOriginalReplicas(t *testing.T) {
	c := startMoveCluster(t)
	cl := replClient(t, c)
	adm := kadm.NewClient(cl)
	produceValues(t, cl, "move", 0, "a", "b")
	mustDo(t, c.StopBroker(4))
	if err := assign(t, adm, "move", 0, []int32{2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := assign(t, adm, "move", 0, nil); err != nil {
		t.Fatalf("cancelling: %v", err)
	}
	p := partitionInfo(t, c, "move", 0)
	if !slices.Equal(p.Replicas, []int32{2, 3, 1}) || !sameSet(p.ISR, []int32{1, 2, 3}) || p.Leader != 1 || len(p.AddingReplicas)+len(p.RemovingReplicas) != 0 {
		t.Fatalf("after cancelling move-0 is %+v, want replicas [2 3 1], ISR [1 2 3], led by 1", p)
	}
	mustDo(t, c.StartBroker(4))
	if on, _ := hostsPartition(t, adm, 4, "move", 0); on {
		t.Fatal("broker 4 holds a replica of move-0 after the reassignment onto it was cancelled")
	}
	if err := assign(t, adm, "move", 0, nil); !errors.Is(err, kerr.NoReassignmentInProgress) {
		t.Fatalf("cancelling with nothing in progress: %v, want NO_REASSIGNMENT_IN_PROGRESS", err)
	}
	produceValues(t, cl, "move", 0, "c")
	if hw := partitionInfo(t, c, "move", 0).Replica[1].HighWatermark; hw != 3 {
		t.Fatalf("high watermark after the cancel and one more record is %d, want 3", hw)
	}
}

// Kafka's answers to bad reassignments, one partition each, in one
// request: the good one still goes through.
func TestReassignmentErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("e", 2, 2, nil))
	cl := replClient(t, c)
	req := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	add := func(topic string, p int32, replicas []int32) {
		rt := kmsg.NewAlterPartitionAssignmentsRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
		rp.Partition, rp.Replicas = p, replicas
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
	}
	add("nope", 0, []int32{1})
	add("e", 7, []int32{1})
	add("e", 0, []int32{})
	add("e", 0, []int32{1, 1})
	add("e", 0, []int32{1, 9})
	add("e", 1, nil)
	add("e", 0, []int32{3, 2, 1})
	want := []*kerr.Error{kerr.UnknownTopicOrPartition, kerr.UnknownTopicOrPartition, kerr.InvalidReplicaAssignment,
		kerr.InvalidReplicaAssignment, kerr.InvalidReplicaAssignment, kerr.NoReassignmentInProgress, nil}
	resp := send[*kmsg.AlterPartitionAssignmentsResponse](t, cl, req)
	if len(resp.Topics) != len(want) {
		t.Fatalf("%d answers, want %d", len(resp.Topics), len(want))
	}
	for i, rt := range resp.Topics {
		msg := ""
		if m := rt.Partitions[0].ErrorMessage; m != nil {
			msg = *m
		}
		wantCode(t, rt.Topic+": "+msg, rt.Partitions[0].ErrorCode, want[i])
	}
	if p := partitionInfo(t, c, "e", 0); !slices.Equal(p.Replicas, []int32{3, 2, 1}) {
		t.Fatalf("e-0 is on %v, want [3 2 1] from the one valid item", p.Replicas)
	}

	// v1 with AllowReplicationFactorChange=false refuses a new size.
	req = kmsg.NewPtrAlterPartitionAssignmentsRequest()
	req.AllowReplicationFactorChange = false
	add("e", 1, []int32{1, 2, 3})
	v1 := pinnedClient(t, c, int16(kmsg.AlterPartitionAssignments), 1)
	r1 := send[*kmsg.AlterPartitionAssignmentsResponse](t, v1, req)
	wantCode(t, "v1 RF change refused", r1.Topics[0].Partitions[0].ErrorCode, kerr.InvalidReplicationFactor)
	if r1.AllowReplicationFactorChange {
		t.Fatal("the v1 response does not echo AllowReplicationFactorChange=false")
	}
}

// kafka-reassign-partitions.sh --verify deletes the replication throttle
// rates on every broker: that succeeds (nothing was set). Setting one is
// refused, saying that gregor does not throttle replication.
func TestReplicationThrottleRates(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	del := []kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: "leader.replication.throttled.rate"}, {Op: kadm.DeleteConfig, Name: "follower.replication.throttled.rate"}}
	res, err := adm.AlterBrokerConfigs(apiCtx(t), del, 1)
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("deleting the throttle rates: %v %+v", err, res)
	}
	v := "1000"
	res, err = adm.AlterBrokerConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "leader.replication.throttled.rate", Value: &v}}, 1)
	if err != nil || len(res) != 1 || !errors.Is(res[0].Err, kerr.InvalidRequest) {
		t.Fatalf("setting a throttle rate: %v %+v, want INVALID_REQUEST", err, res)
	}
	if !strings.Contains(res[0].ErrMessage, "does not throttle replication") {
		t.Fatalf("the refusal says %q, not why", res[0].ErrMessage)
	}
}

// Cancelling reverts the ISR too: adding replicas that already joined it
// leave with the reassignment. When they are the only ones in sync (the
// original replica's broker stopped meanwhile), the revert would need an
// unclean election, and without unclean.leader.election.enable Kafka
// refuses it with INVALID_REPLICA_ASSIGNMENT.
func TestReassignmentCancelNeedingUncleanElection(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("u", 1, 1, nil))
	if p := partitionInfo(t, c, "u", 0); !slices.Equal(p.Replicas, []int32{1}) {
		t.Fatalf("u-0 starts on %v, want [1]", p.Replicas)
	}
	mustDo(t, c.StopBroker(3))
	mustDo(t, c.AlterPartitionReassignment("u", 0, []int32{2, 3}))
	mustDo(t, c.WaitForISR(apiCtx(t), "u", 0, 1, 2))
	mid := partitionInfo(t, c, "u", 0)
	if !slices.Equal(mid.Replicas, []int32{2, 3, 1}) || !slices.Equal(mid.AddingReplicas, []int32{2, 3}) || !slices.Equal(mid.RemovingReplicas, []int32{1}) {
		t.Fatalf("u-0 during the move: %+v, want replicas [2 3 1] adding [2 3] removing [1]", mid)
	}
	mustDo(t, c.StopBroker(1))
	if p := partitionInfo(t, c, "u", 0); p.Leader != 2 || !slices.Equal(p.ISR, []int32{2}) {
		t.Fatalf("with broker 1 stopped u-0 is led by %d with ISR %v, want 2 and [2]", p.Leader, p.ISR)
	}
	err := c.AlterPartitionReassignment("u", 0, nil)
	if !errors.Is(err, kerr.InvalidReplicaAssignment) || !strings.Contains(err.Error(), "unclean leader election") {
		t.Fatalf("cancelling when only adding replicas are in sync: %v, want INVALID_REPLICA_ASSIGNMENT for an unclean election", err)
	}
	mustDo(t, c.StartBroker(1))
	mustDo(t, c.WaitForISR(apiCtx(t), "u", 0, 1, 2))
	mustDo(t, c.AlterPartitionReassignment("u", 0, nil))
	p := partitionInfo(t, c, "u", 0)
	if !slices.Equal(p.Replicas, []int32{1}) || !slices.Equal(p.ISR, []int32{1}) || p.Leader != 1 {
		t.Fatalf("after the cancel u-0 is %+v, want replicas, ISR and leader broker 1", p)
	}
}

// A new reassignment replaces one in progress, computed from the
// current replicas (target + removing): moving back to {1,2,3} while
// broker 4 is still missing makes broker 4 the one removed, and the
// original replicas, all in sync, complete the move at once.
func TestReassignmentReplacedWhileInProgress(t *testing.T) {
	c := startMoveCluster(t)
	mustDo(t, c.StopBroker(4))
	mustDo(t, c.AlterPartitionReassignment("move", 0, []int32{2, 3, 4}))
	mustDo(t, c.AlterPartitionReassignment("move", 0, []int32{1, 2, 3}))
	p := partitionInfo(t, c, "move", 0)
	if !slices.Equal(p.Replicas, []int32{1, 2, 3}) || p.Leader != 1 || len(p.AddingReplicas)+len(p.RemovingReplicas) != 0 {
		t.Fatalf("after the second reassignment move-0 is %+v, want [1 2 3] led by 1 with nothing in progress", p)
	}
	mustDo(t, c.StartBroker(4))
	if on, _ := hostsPartition(t, apiAdmin(t, c), 4, "move", 0); on {
		t.Fatal("broker 4 holds a replica of move-0, which was moved off it before it started")
	}
}

// With an authorizer, moving partitions needs ALTER on the cluster and
// listing the moves DESCRIBE: kadm sees CLUSTER_AUTHORIZATION_FAILED at
// the top level, where Kafka puts it.
func TestReassignmentNeedsClusterACLs(t *testing.T) {
	c := startACLCluster(t, broker.Topic("move", 1, 1, nil))
	alice := adminAs(t, c, "alice")
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign("move", 0, []int32{1})
	if _, err := alice.AlterPartitionAssignments(apiCtx(t), req); !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Fatalf("AlterPartitionAssignments without ALTER on the cluster: %v, want CLUSTER_AUTHORIZATION_FAILED", err)
	}
	var set kadm.TopicsSet
	set.Add("move", 0)
	if _, err := alice.ListPartitionReassignments(apiCtx(t), set); !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Fatalf("ListPartitionReassignments without DESCRIBE on the cluster: %v, want CLUSTER_AUTHORIZATION_FAILED", err)
	}
	if res, err := adminAs(t, c, "admin").AlterPartitionAssignments(apiCtx(t), req); err != nil || res.Error() != nil {
		t.Fatalf("the super user's reassignment: %v %v", err, res.Error())
	}
}
