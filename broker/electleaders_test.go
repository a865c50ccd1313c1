package broker_test

// Leader elections through the protocol: ElectLeaders (preferred and
// unclean), elections the controller runs itself (unclean.leader.election.enable,
// auto.leader.rebalance.enable), and partitions left without a leader.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func electResult(t testing.TB, res kadm.ElectLeadersResults, topic string, p int32) kadm.ElectLeadersResult {
	t.Helper()
	r, ok := res[topic][p]
	if !ok {
		t.Fatalf("no election result for %s-%d in %v", topic, p, res)
	}
	return r
}

func wantErrIs(t testing.TB, what string, err error, want *kerr.Error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

// After a failover the partition is led by a replica that is not its
// preferred one (the first assigned). Once the preferred replica is back
// in sync, a preferred election moves leadership back in a new epoch,
// losing nothing; partitions already led by their preferred replica
// answer ELECTION_NOT_NEEDED.
func TestElectPreferredLeaderAfterFailover(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("p", 3, 3, nil))
	cl := replClient(t, c)
	adm := kadm.NewClient(cl)
	for p := int32(0); p < 3; p++ {
		produceValues(t, cl, "p", p, "a", "b")
	}
	p0 := partitionInfo(t, c, "p", 0)
	preferred := p0.Replicas[0]
	mustDo(t, c.StopBroker(preferred))
	mustDo(t, c.StartBroker(preferred))
	mustDo(t, c.WaitForISR(apiCtx(t), "p", 0, p0.Replicas...))
	moved := partitionInfo(t, c, "p", 0)
	if moved.Leader == preferred {
		t.Fatalf("leadership did not move off broker %d", preferred)
	}

	var set kadm.TopicsSet
	set.Add("p", 0, 1, 2)
	res, err := adm.ElectLeaders(apiCtx(t), kadm.ElectPreferredReplica, set)
	if err != nil {
		t.Fatal(err)
	}
	for p := int32(0); p < 3; p++ {
		before := partitionInfo(t, c, "p", p)
		r := electResult(t, res, "p", p)
		switch {
		case p == 0:
			wantErrIs(t, "p-0 led by a non-preferred replica", r.Err, nil)
			if before.Leader != preferred || before.LeaderEpoch != moved.LeaderEpoch+1 {
				t.Fatalf("after the election p-0 is led by %d in epoch %d, want %d in %d", before.Leader, before.LeaderEpoch, preferred, moved.LeaderEpoch+1)
			}
		case before.Replicas[0] == before.Leader:
			// Partitions whose leader never moved, or moved and came
			// back: either way their preferred replica leads now.
			if r.Err != nil && !errors.Is(r.Err, kerr.ElectionNotNeeded) {
				t.Fatalf("p-%d: %v", p, r.Err)
			}
		default:
			t.Fatalf("p-%d still led by %d, not its preferred %d", p, before.Leader, before.Replicas[0])
		}
	}
	res, err = adm.ElectLeaders(apiCtx(t), kadm.ElectPreferredReplica, set)
	if err != nil {
		t.Fatal(err)
	}
	for p := int32(0); p < 3; p++ {
		wantErrIs(t, "second election", electResult(t, res, "p", p).Err, kerr.ElectionNotNeeded)
	}
	// Electing for every partition (a null list) leaves out those that
	// needed no election.
	res, err = adm.ElectLeaders(apiCtx(t), kadm.ElectPreferredReplica, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res["p"]) != 0 {
		t.Fatalf("election for all partitions answered %v, want no partitions", res["p"])
	}
	produceValues(t, cl, "p", 0, "c")
	if got := consumeValues(t, c, "p", 0, 3); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("p-0 holds %v after the elections", got)
	}
}

// consumeValues reads n records of one partition from the start.
func consumeValues(t testing.TB, c *broker.Cluster, topic string, p int32, n int) []string {
	t.Helper()
	cl := replClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().AtStart()}}))
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(apiCtx(t))
		if err := fs.Err(); err != nil {
			t.Fatalf("consuming %s-%d: %v", topic, p, err)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

func TestElectPreferredLeaderErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("p", 1, 3, nil))
	adm := kadm.NewClient(replClient(t, c))
	p0 := partitionInfo(t, c, "p", 0)
	mustDo(t, c.StopBroker(p0.Replicas[0]))
	var set kadm.TopicsSet
	set.Add("p", 0, 7)
	set.Add("nope", 0)
	res, err := adm.ElectLeaders(apiCtx(t), kadm.ElectPreferredReplica, set)
	if err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, "preferred replica stopped", electResult(t, res, "p", 0).Err, kerr.PreferredLeaderNotAvailable)
	wantErrIs(t, "no partition 7", electResult(t, res, "p", 7).Err, kerr.UnknownTopicOrPartition)
	wantErrIs(t, "no topic", electResult(t, res, "nope", 0).Err, kerr.UnknownTopicOrPartition)
	if now := partitionInfo(t, c, "p", 0); now.Leader == p0.Replicas[0] || now.Leader < 0 {
		t.Fatalf("leader %d after a refused election", now.Leader)
	}
	res, err = adm.ElectLeaders(apiCtx(t), kadm.ElectLiveReplica, set)
	if err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, "unclean election for a partition with a leader", electResult(t, res, "p", 0).Err, kerr.ElectionNotNeeded)
}

// lonelyLeader prepares curriculum scenario 3 on a manual clock: topic
// "u" (one partition, three replicas, topic configs cfg) whose followers
// stop copying after the first two records; the leader then accepts two
// more with acks=1 and, replica.lag.time.max.ms later, is alone in the
// ISR. Then it crashes and is fenced. The second replica copies again,
// the third stays paused (so the ISR an election sets stays visible until
// the test resumes it). It returns the partition as it was at the start.
func lonelyLeader(t *testing.T, cfg map[string]string, opts ...broker.Option) (*broker.Cluster, *clock.Manual, broker.PartitionInfo) {
	t.Helper()
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, append([]broker.Option{broker.Brokers(3), broker.Clock(mc), broker.Topic("u", 1, 3, cfg)}, opts...)...)
	cl := replClient(t, c, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	produceValues(t, cl, "u", 0, "kept1", "kept2")
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	pi := partitionInfo(t, c, "u", 0)
	for _, id := range pi.Replicas[1:] {
		mustDo(t, c.PauseReplication("u", 0, id))
	}
	produceValues(t, cl, "u", 0, "lost1", "lost2")
	mc.Advance(46 * time.Second) // replica.lag.time.max.ms, and the check every half of it
	if isr := partitionInfo(t, c, "u", 0).ISR; !slices.Equal(isr, []int32{pi.Leader}) {
		t.Fatalf("ISR %v, want the leader %d alone", isr, pi.Leader)
	}
	mustDo(t, c.CrashBroker(pi.Leader))
	mustDo(t, c.ResumeReplication("u", 0, pi.Replicas[1]))
	mc.Advance(9 * time.Second) // broker.session.timeout.ms: the leader is fenced
	return c, mc, pi
}

// With unclean.leader.election.enable=true, the controller gives a
// partition whose in-sync replicas are all gone to any live replica, and
// the ISR becomes that replica alone: what only the old leader had is
// lost, also from the old leader's log once it returns and truncates.
func TestUncleanLeaderElectionByTopicConfig(t *testing.T) {
	c, _, pi := lonelyLeader(t, map[string]string{"unclean.leader.election.enable": "true"})
	now := partitionInfo(t, c, "u", 0)
	if now.Leader != pi.Replicas[1] || !slices.Equal(now.ISR, []int32{pi.Replicas[1]}) || now.LeaderEpoch != pi.LeaderEpoch+1 {
		t.Fatalf("after the unclean election: leader %d epoch %d ISR %v; want %d, %d, [%d]",
			now.Leader, now.LeaderEpoch, now.ISR, pi.Replicas[1], pi.LeaderEpoch+1, pi.Replicas[1])
	}
	cl := replClient(t, c)
	mp := metadataPartition(t, cl, now.Leader, "u", 0)
	if mp.Leader != now.Leader || !slices.Equal(mp.ISR, now.ISR) || mp.ErrorCode != 0 {
		t.Fatalf("metadata after the unclean election: %+v", mp)
	}
	mustDo(t, c.ResumeReplication("u", 0, pi.Replicas[2]))
	mustDo(t, c.StartBroker(pi.Leader))
	mustDo(t, c.WaitForISR(apiCtx(t), "u", 0, pi.Replicas...))
	for id, r := range partitionInfo(t, c, "u", 0).Replica {
		if r.LogEndOffset != 2 {
			t.Errorf("broker %d log end offset %d, want 2: the records only the old leader had are gone", id, r.LogEndOffset)
		}
	}
	if got := consumeValues(t, c, "u", 0, 2); !slices.Equal(got, []string{"kept1", "kept2"}) {
		t.Fatalf("records after the unclean election %v", got)
	}
}

// Without unclean leader election (Kafka 4's default), a partition whose
// only in-sync replica is gone stays offline: no leader, the ISR still
// naming the lost replica, LEADER_NOT_AVAILABLE in Metadata, however long
// it takes. An operator may accept the loss with an UNCLEAN ElectLeaders
// (kafka-leader-election.sh --election-type unclean).
func TestOfflinePartitionAndUncleanElectLeaders(t *testing.T) {
	c, mc, pi := lonelyLeader(t, nil, broker.Topic("solo", 3, 1, nil))
	mc.Advance(10 * time.Minute)
	now := partitionInfo(t, c, "u", 0)
	if now.Leader != -1 || !slices.Equal(now.ISR, []int32{pi.Leader}) {
		t.Fatalf("offline partition: leader %d ISR %v, want -1 and [%d]", now.Leader, now.ISR, pi.Leader)
	}
	if m := c.ReplicationMetrics(); m.OfflinePartitions < 1 {
		t.Fatalf("metrics %+v", m)
	}
	cl := replClient(t, c)
	mp := metadataPartition(t, cl, pi.Replicas[1], "u", 0)
	wantCode(t, "metadata of the offline partition", mp.ErrorCode, kerr.LeaderNotAvailable)
	if mp.Leader != -1 || !slices.Equal(mp.ISR, []int32{pi.Leader}) || !slices.Equal(mp.OfflineReplicas, []int32{pi.Leader}) {
		t.Fatalf("metadata of the offline partition: %+v", mp)
	}

	var set kadm.TopicsSet
	set.Add("u", 0)
	res, err := kadm.NewClient(cl).ElectLeaders(apiCtx(t), kadm.ElectLiveReplica, set)
	if err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, "unclean election", electResult(t, res, "u", 0).Err, nil)
	now = partitionInfo(t, c, "u", 0)
	if now.Leader != pi.Replicas[1] || !slices.Equal(now.ISR, []int32{now.Leader}) {
		t.Fatalf("after ElectLeaders UNCLEAN: leader %d ISR %v", now.Leader, now.ISR)
	}
	mustDo(t, c.ResumeReplication("u", 0, pi.Replicas[2]))
	mustDo(t, c.WaitForISR(apiCtx(t), "u", 0, pi.Replicas[1], pi.Replicas[2]))
	if got := consumeValues(t, c, "u", 0, 2); !slices.Equal(got, []string{"kept1", "kept2"}) {
		t.Fatalf("records after the unclean election %v", got)
	}

	// A partition whose only replica is on the crashed broker has no
	// live replica to give it to.
	var solo int32 = -1
	for p := int32(0); p < 3; p++ {
		if partitionInfo(t, c, "solo", p).Replicas[0] == pi.Leader {
			solo = p
		}
	}
	set = nil
	set.Add("solo", solo)
	res, err = kadm.NewClient(cl).ElectLeaders(apiCtx(t), kadm.ElectLiveReplica, set)
	if err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, "unclean election without a live replica", electResult(t, res, "solo", solo).Err, kerr.EligibleLeadersNotAvailable)
}

// The clean way out of an offline partition: the last in-sync replica
// comes back, leads again, and nothing acknowledged is lost.
func TestOfflinePartitionRecoversWhenLastISRMemberReturns(t *testing.T) {
	c, _, pi := lonelyLeader(t, nil)
	mustDo(t, c.ResumeReplication("u", 0, pi.Replicas[2]))
	mustDo(t, c.StartBroker(pi.Leader))
	now := partitionInfo(t, c, "u", 0)
	if now.Leader != pi.Leader {
		t.Fatalf("leader %d after the last in-sync replica %d returned", now.Leader, pi.Leader)
	}
	mustDo(t, c.WaitForISR(apiCtx(t), "u", 0, pi.Replicas...))
	if got := consumeValues(t, c, "u", 0, 4); !slices.Equal(got, []string{"kept1", "kept2", "lost1", "lost2"}) {
		t.Fatalf("records %v", got)
	}
}

// A leader elected and replaced before it wrote anything keeps an epoch
// entry no other replica has; as a follower it must still catch up and
// stay in the ISR (its fetches once diverged at the same offset forever).
func TestLeaderReplacedBeforeWritingFollowsAgain(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.Topic("b", 1, 3, nil))
	cl := replClient(t, c)
	produceValues(t, cl, "b", 0, "a", "b")
	pi := partitionInfo(t, c, "b", 0)
	mustDo(t, c.StopBroker(pi.Leader)) // the next replica leads, writes nothing
	mustDo(t, c.StartBroker(pi.Leader))
	mustDo(t, c.WaitForISR(apiCtx(t), "b", 0, pi.Replicas...))
	if c.ElectPreferredLeaders() != 1 {
		t.Fatalf("no preferred election")
	}
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	mc.Advance(time.Minute)
	if isr := partitionInfo(t, c, "b", 0).ISR; len(isr) != 3 {
		t.Fatalf("ISR %v a minute after leadership came back", isr)
	}
	produceValues(t, cl, "b", 0, "c")
	if got := consumeValues(t, c, "b", 0, 3); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("records %v", got)
	}
}

// auto.leader.rebalance.enable (on by default) has the controller move
// leadership back to preferred replicas every
// leader.imbalance.check.interval.seconds (300 s by default); with it off,
// leadership stays where a failover put it.
func TestAutoLeaderRebalance(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []broker.Option
		advance   time.Duration
		preferred bool
	}{
		{"default", nil, 300 * time.Second, true},
		{"shorter interval", []broker.Option{broker.Config("leader.imbalance.check.interval.seconds", "10")}, 10 * time.Second, true},
		{"disabled", []broker.Option{broker.Config("auto.leader.rebalance.enable", "false")}, time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mc := clock.NewManual(time.Time{})
			c := startAPICluster(t, append([]broker.Option{broker.Brokers(3), broker.Clock(mc), broker.Topic("r", 1, 3, nil)}, tc.opts...)...)
			pi := partitionInfo(t, c, "r", 0)
			preferred := pi.Replicas[0]
			mustDo(t, c.StopBroker(preferred))
			mustDo(t, c.StartBroker(preferred))
			mustDo(t, c.WaitForISR(apiCtx(t), "r", 0, pi.Replicas...))
			if partitionInfo(t, c, "r", 0).Leader == preferred {
				t.Fatalf("leadership did not move")
			}
			mc.Advance(tc.advance - time.Second)
			if partitionInfo(t, c, "r", 0).Leader == preferred {
				t.Fatalf("leadership moved back before leader.imbalance.check.interval.seconds")
			}
			mc.Advance(time.Second)
			if got := partitionInfo(t, c, "r", 0).Leader == preferred; got != tc.preferred {
				t.Fatalf("after %v the preferred replica leads: %v, want %v", tc.advance, got, tc.preferred)
			}
		})
	}
}
