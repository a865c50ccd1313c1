package broker_test

// Placement and leadership from Go: TopicAssignment, ElectLeader and
// WaitForLeader, checked with a real client.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The assignment given at start-up is what Metadata reports: replicas in
// the given order, the first leading.
func TestTopicAssignmentPlacesReplicas(t *testing.T) {
	assignment := [][]int32{{3, 1}, {2, 3}}
	c := startAPICluster(t, broker.Brokers(3), broker.TopicAssignment("placed", assignment, map[string]string{"retention.ms": "1000"}))
	adm := apiAdmin(t, c)
	md, err := adm.Metadata(apiCtx(t), "placed")
	if err != nil {
		t.Fatal(err)
	}
	parts := md.Topics["placed"].Partitions
	for p, want := range assignment {
		got := parts[int32(p)]
		if !slices.Equal(got.Replicas, want) || got.Leader != want[0] {
			t.Errorf("placed-%d: replicas %v led by %d, want %v led by %d", p, got.Replicas, got.Leader, want, want[0])
		}
	}
	if v, _, err := c.TopicConfig("placed", "retention.ms"); err != nil || v != "1000" {
		t.Errorf("retention.ms of placed = %q, %v; want 1000", v, err)
	}
}

func TestTopicAssignmentRefusesBadAssignments(t *testing.T) {
	for name, a := range map[string][][]int32{
		"no partitions":   {},
		"empty partition": {{1}, {}},
		"unknown broker":  {{1, 7}},
		"duplicate":       {{1, 1}},
		"uneven":          {{1, 2}, {1}},
	} {
		if c, err := broker.New(broker.Brokers(2), broker.TopicAssignment("t", a, nil)); err == nil {
			c.Close()
			t.Errorf("%s: assignment %v was accepted", name, a)
		}
	}
}

// ElectLeader moves leadership to a chosen in-sync replica in a new
// epoch; clients follow it and the records survive.
func TestElectLeaderMovesLeadershipToChosenReplica(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.TopicAssignment("e", [][]int32{{1, 2, 3}}, nil))
	cl := replClient(t, c)
	produceValues(t, cl, "e", 0, "before")
	before := partitionInfo(t, c, "e", 0)

	mustDo(t, c.ElectLeader("e", 0, 3))
	after, err := c.WaitForLeader(apiCtx(t), "e", 0, func(p broker.PartitionInfo) bool { return p.Leader == 3 })
	mustDo(t, err)
	if after.LeaderEpoch != before.LeaderEpoch+1 {
		t.Fatalf("leader epoch %d after the election, want %d", after.LeaderEpoch, before.LeaderEpoch+1)
	}
	md, err := kadm.NewClient(cl).Metadata(apiCtx(t), "e")
	mustDo(t, err)
	if got := md.Topics["e"].Partitions[0]; got.Leader != 3 || got.LeaderEpoch != after.LeaderEpoch {
		t.Fatalf("Metadata says leader %d epoch %d, want 3 epoch %d", got.Leader, got.LeaderEpoch, after.LeaderEpoch)
	}
	produceValues(t, cl, "e", 0, "after")
	recs, err := c.Records("e", 0, 3, 0, 10)
	mustDo(t, err)
	if len(recs) != 2 || string(recs[0].Value) != "before" || string(recs[1].Value) != "after" {
		t.Fatalf("new leader holds %v, want before, after", values(recs))
	}
	if recs[1].Batch.PartitionLeaderEpoch != after.LeaderEpoch {
		t.Fatalf("record appended by the new leader carries epoch %d, want %d", recs[1].Batch.PartitionLeaderEpoch, after.LeaderEpoch)
	}
	// Electing the current leader changes nothing.
	mustDo(t, c.ElectLeader("e", 0, 3))
	if p := partitionInfo(t, c, "e", 0); p.LeaderEpoch != after.LeaderEpoch {
		t.Fatalf("re-electing the leader bumped the epoch to %d", p.LeaderEpoch)
	}
}

func TestElectLeaderRefusesBadTargets(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.TopicAssignment("e", [][]int32{{1, 2}}, nil))
	for _, tc := range []struct {
		topic     string
		partition int32
		broker    int32
		want      string
	}{
		{"nope", 0, 1, "does not exist"},
		{"e", 1, 1, "no partition 1"},
		{"e", -1, 1, "no partition -1"},
		{"e", 0, 9, "no broker 9"},
		{"e", 0, 3, "holds no replica"},
	} {
		err := c.ElectLeader(tc.topic, tc.partition, tc.broker)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ElectLeader(%q, %d, %d) = %v, want an error containing %q", tc.topic, tc.partition, tc.broker, err, tc.want)
		}
	}
	mustDo(t, c.StopBroker(2))
	if err := c.ElectLeader("e", 0, 2); err == nil || !strings.Contains(err.Error(), "fenced") {
		t.Errorf("electing a stopped broker: %v, want a refusal naming it fenced", err)
	}
}

// A replica that fell out of the ISR is refused while the partition has a
// leader, and while it has none unless unclean.leader.election.enable is
// set; then it may lead, the ISR is reset to it and what it lacks is lost.
func TestElectLeaderOutOfSyncReplica(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(2), broker.Clock(mc), broker.TopicAssignment("u", [][]int32{{1, 2}}, nil))
	cl := replClient(t, c)
	produceValues(t, cl, "u", 0, "a")
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	mustDo(t, c.PauseReplication("u", 0, 2))
	produceValues(t, acksOneClient(t, c), "u", 0, "b")
	mc.Advance(45 * time.Second) // the ISR check at 45s sees more than replica.lag.time.max.ms of lag
	mustDo(t, c.WaitForISR(apiCtx(t), "u", 0, 1))

	err := c.ElectLeader("u", 0, 2)
	if err == nil || !strings.Contains(err.Error(), "not in the ISR") {
		t.Fatalf("electing an out-of-sync replica while the leader lives: %v, want a refusal", err)
	}
	mustDo(t, c.StopBroker(1)) // the last ISR member: the partition goes offline
	if p := partitionInfo(t, c, "u", 0); p.Leader != -1 {
		t.Fatalf("leader %d after the only ISR member stopped, want none", p.Leader)
	}
	if err := c.ElectLeader("u", 0, 2); err == nil || !strings.Contains(err.Error(), "unclean.leader.election.enable") {
		t.Fatalf("unclean election without unclean.leader.election.enable: %v, want a refusal", err)
	}
	adm := kadm.NewClient(cl)
	_, err = adm.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Name: "unclean.leader.election.enable", Value: strp("true")}}, "u")
	mustDo(t, err)
	mustDo(t, c.ElectLeader("u", 0, 2))
	p, err := c.WaitForLeader(apiCtx(t), "u", 0, nil)
	mustDo(t, err)
	if p.Leader != 2 || !slices.Equal(p.ISR, []int32{2}) {
		t.Fatalf("after the unclean election: leader %d, ISR %v; want 2, [2]", p.Leader, p.ISR)
	}
	recs, err := c.Records("u", 0, 2, 0, 10)
	mustDo(t, err)
	if got := values(recs); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("unclean leader holds %v, want only a: b is lost", got)
	}
}

func TestWaitForLeaderValidatesAndTimesOut(t *testing.T) {
	c := startAPICluster(t, broker.Topic("w", 1, 1, nil))
	if _, err := c.WaitForLeader(apiCtx(t), "nope", 0, nil); err == nil {
		t.Error("WaitForLeader on an unknown topic returned no error")
	}
	if _, err := c.WaitForLeader(apiCtx(t), "w", 3, nil); err == nil {
		t.Error("WaitForLeader on an unknown partition returned no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.WaitForLeader(ctx, "w", 0, func(p broker.PartitionInfo) bool { return p.Leader == 5 }); err == nil {
		t.Error("WaitForLeader for a leader that never comes returned no error")
	}
}

// Pausing the replica of the current leader does nothing while it leads
// and holds it back as soon as it follows.
func TestPauseReplicationOfLeaderAppliesWhenItFollows(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.TopicAssignment("pl", [][]int32{{1, 2}}, nil))
	cl := replClient(t, c)
	produceValues(t, cl, "pl", 0, "a")
	mustDo(t, c.PauseReplication("pl", 0, 1))
	produceValues(t, cl, "pl", 0, "b") // acks=all: broker 2 still replicates
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	mustDo(t, c.ElectLeader("pl", 0, 2))
	_, err := c.WaitForLeader(apiCtx(t), "pl", 0, func(p broker.PartitionInfo) bool { return p.Leader == 2 })
	mustDo(t, err)
	produceValues(t, acksOneClient(t, c), "pl", 0, "c")
	mustDo(t, c.WaitForReplication(apiCtx(t))) // broker 1 is paused: not waited for
	old, err := c.Records("pl", 0, 1, 0, 10)
	mustDo(t, err)
	if got := values(old); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("paused old leader holds %v, want [a b]", got)
	}
	mustDo(t, c.ResumeReplication("pl", 0, 1))
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	old, err = c.Records("pl", 0, 1, 0, 10)
	mustDo(t, err)
	if got := values(old); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("resumed follower holds %v, want [a b c]", got)
	}
}

func values(recs []broker.StoredRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	return out
}

// acksOneClient produces with acks=1, which a paused follower cannot hold up.
func acksOneClient(t testing.TB, c *broker.Cluster) *kgo.Client {
	return replClient(t, c, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
}
