package broker_test

// Leader epochs seen through the protocol: OffsetForLeaderEpoch after
// leader changes, Metadata after each change, and the answers stale
// leaders and clients with stale epochs get.

import (
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// threeEpochs builds partition 0 of topic "e" on three brokers with three
// leader epochs, each led by another broker: records a-c in epoch 0, d-e
// in epoch 1, f in epoch 2. Every broker runs again at the end and is in
// the ISR. It returns the leader of each epoch.
func threeEpochs(t *testing.T) (*broker.Cluster, *kgo.Client, [3]int32) {
	t.Helper()
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("e", 1, 3, nil))
	cl := replClient(t, c)
	var leaders [3]int32
	for epoch, values := range [][]string{{"a", "b", "c"}, {"d", "e"}, {"f"}} {
		pi := partitionInfo(t, c, "e", 0)
		if pi.LeaderEpoch != int32(epoch) {
			t.Fatalf("leader epoch %d, want %d", pi.LeaderEpoch, epoch)
		}
		leaders[epoch] = pi.Leader
		produceValues(t, cl, "e", 0, values...)
		if epoch == 2 {
			break
		}
		mustDo(t, c.StopBroker(pi.Leader))
		mustDo(t, c.StartBroker(pi.Leader))
	}
	mustDo(t, c.WaitForISR(apiCtx(t), "e", 0, 1, 2, 3))
	return c, cl, leaders
}

func offsetForEpochReq(replicaID int32, topic string, partition, epoch, current int32) *kmsg.OffsetForLeaderEpochRequest {
	req := kmsg.NewPtrOffsetForLeaderEpochRequest()
	req.ReplicaID = replicaID
	rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
	rp.Partition, rp.LeaderEpoch, rp.CurrentLeaderEpoch = partition, epoch, current
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

func offsetForEpochResult(t testing.TB, resp *kmsg.OffsetForLeaderEpochResponse) kmsg.OffsetForLeaderEpochResponseTopicPartition {
	t.Helper()
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("response %+v", resp.Topics)
	}
	return resp.Topics[0].Partitions[0]
}

// The leader answers where each epoch ended in its log: the start of the
// next epoch, or its log end offset for the current one (KIP-101,
// KIP-279). An epoch it never had answers the one before it; an epoch
// newer than any answers -1/-1.
func TestOffsetForLeaderEpochAfterLeaderChanges(t *testing.T) {
	c, cl, leaders := threeEpochs(t)
	adm := kadm.NewClient(cl)
	for _, tc := range []struct {
		epoch, wantEpoch int32
		wantEnd          int64
	}{
		{0, 0, 3},
		{1, 1, 5},
		{2, 2, 6},
		{3, -1, -1},
	} {
		var req kadm.OffsetForLeaderEpochRequest
		req.Add("e", 0, tc.epoch)
		res, err := adm.OffsetForLeaderEpoch(apiCtx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		r := res["e"][0]
		if r.Err != nil || r.NodeID != leaders[2] || r.LeaderEpoch != tc.wantEpoch || r.EndOffset != tc.wantEnd {
			t.Errorf("epoch %d: broker %d answered epoch %d end %d (%v), want broker %d: epoch %d end %d",
				tc.epoch, r.NodeID, r.LeaderEpoch, r.EndOffset, r.Err, leaders[2], tc.wantEpoch, tc.wantEnd)
		}
	}

	// An epoch in which nothing was written: leadership moves away and
	// comes back before any write, then epoch 3 is empty and asking for
	// it answers with epoch 2.
	mustDo(t, c.StopBroker(leaders[2]))
	mustDo(t, c.StartBroker(leaders[2]))
	mustDo(t, c.WaitForISR(apiCtx(t), "e", 0, 1, 2, 3))
	if c.ElectPreferredLeaders() != 1 {
		t.Fatalf("no preferred election")
	}
	pi := partitionInfo(t, c, "e", 0)
	if pi.LeaderEpoch != 4 {
		t.Fatalf("leader epoch %d, want 4", pi.LeaderEpoch)
	}
	resp := sendToLive[*kmsg.OffsetForLeaderEpochResponse](t, cl, pi.Leader, offsetForEpochReq(-1, "e", 0, 3, 4))
	r := offsetForEpochResult(t, resp)
	wantCode(t, "epoch 3", r.ErrorCode, nil)
	if r.LeaderEpoch != 2 || r.EndOffset != 6 {
		t.Fatalf("epoch 3 (nothing written): epoch %d end %d, want 2 and 6", r.LeaderEpoch, r.EndOffset)
	}
}

// The current leader epoch in a request fences clients with stale
// metadata (KIP-320): older than the leader's is FENCED_LEADER_EPOCH,
// newer is UNKNOWN_LEADER_EPOCH. Only the leader answers, whatever the
// replica id (ReplicaManager.lastOffsetForLeaderEpoch requires it).
func TestOffsetForLeaderEpochErrors(t *testing.T) {
	_, cl, leaders := threeEpochs(t)
	leader := leaders[2]
	for _, tc := range []struct {
		name            string
		to, replicaID   int32
		topic           string
		partition       int32
		current         int32
		want            *kerr.Error
		wantEpoch       int32
		wantEnd         int64
		skipOnFollowers bool
	}{
		{"current epoch", leader, -1, "e", 0, 2, nil, 1, 5, false},
		{"no current epoch", leader, -1, "e", 0, -1, nil, 1, 5, false},
		{"stale current epoch", leader, -1, "e", 0, 1, kerr.FencedLeaderEpoch, -1, -1, false},
		{"future current epoch", leader, -1, "e", 0, 3, kerr.UnknownLeaderEpoch, -1, -1, false},
		{"unknown partition", leader, -1, "e", 4, -1, kerr.UnknownTopicOrPartition, -1, -1, false},
		{"unknown topic", leader, -1, "nope", 0, -1, kerr.UnknownTopicOrPartition, -1, -1, false},
	} {
		resp := sendToLive[*kmsg.OffsetForLeaderEpochResponse](t, cl, tc.to, offsetForEpochReq(tc.replicaID, tc.topic, tc.partition, 1, tc.current))
		r := offsetForEpochResult(t, resp)
		wantCode(t, tc.name, r.ErrorCode, tc.want)
		if r.LeaderEpoch != tc.wantEpoch || r.EndOffset != tc.wantEnd {
			t.Errorf("%s: epoch %d end %d, want %d and %d", tc.name, r.LeaderEpoch, r.EndOffset, tc.wantEpoch, tc.wantEnd)
		}
	}
	for _, follower := range []int32{1, 2, 3} {
		if follower == leader {
			continue
		}
		for _, replicaID := range []int32{-1, -2} {
			resp := sendToLive[*kmsg.OffsetForLeaderEpochResponse](t, cl, follower, offsetForEpochReq(replicaID, "e", 0, 1, -1))
			wantCode(t, "asking a follower", offsetForEpochResult(t, resp).ErrorCode, kerr.NotLeaderForPartition)
		}
		resp := sendToLive[*kmsg.OffsetForLeaderEpochResponse](t, cl, follower, offsetForEpochReq(-1, "e", 0, 1, 1))
		wantCode(t, "asking a follower with a stale epoch", offsetForEpochResult(t, resp).ErrorCode, kerr.FencedLeaderEpoch)
	}
}

// metadataPartition asks broker id for the partition's metadata.
func metadataPartition(t testing.TB, cl *kgo.Client, id int32, topic string, p int32) kmsg.MetadataResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp := sendToLive[*kmsg.MetadataResponse](t, cl, id, req)
	for _, mt := range resp.Topics {
		if mt.Topic != nil && *mt.Topic == topic {
			for _, mp := range mt.Partitions {
				if mp.Partition == p {
					return mp
				}
			}
		}
	}
	t.Fatalf("metadata from broker %d has no %s-%d", id, topic, p)
	return kmsg.MetadataResponseTopicPartition{}
}

// Metadata follows every change: a follower stopping shrinks the ISR and
// lists it offline without a new leader epoch; the leader stopping moves
// leadership in a new epoch; brokers coming back rejoin the ISR.
func TestMetadataFollowsReplicationChanges(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("m", 1, 3, nil))
	cl := replClient(t, c)
	produceValues(t, cl, "m", 0, "a")
	pi := partitionInfo(t, c, "m", 0)
	leader, follower := pi.Replicas[0], pi.Replicas[1]
	check := func(step string, from int32, wantLeader, wantEpoch int32, wantISR, wantOffline []int32) {
		t.Helper()
		mp := metadataPartition(t, cl, from, "m", 0)
		wantCode(t, step, mp.ErrorCode, nil)
		if mp.Leader != wantLeader || mp.LeaderEpoch != wantEpoch || !sameSet(mp.ISR, wantISR) ||
			!sameSet(mp.OfflineReplicas, wantOffline) || !slices.Equal(mp.Replicas, pi.Replicas) {
			t.Fatalf("%s: leader %d epoch %d replicas %v isr %v offline %v; want leader %d epoch %d isr %v offline %v",
				step, mp.Leader, mp.LeaderEpoch, mp.Replicas, mp.ISR, mp.OfflineReplicas, wantLeader, wantEpoch, wantISR, wantOffline)
		}
	}
	check("start", leader, leader, 0, pi.Replicas, nil)

	mustDo(t, c.StopBroker(follower))
	check("follower stopped", leader, leader, 0, without(pi.Replicas, follower), []int32{follower})

	mustDo(t, c.StopBroker(leader))
	last := pi.Replicas[2]
	check("leader stopped", last, last, 1, []int32{last}, []int32{leader, follower})

	mustDo(t, c.StartBroker(follower))
	mustDo(t, c.WaitForISR(apiCtx(t), "m", 0, last, follower))
	check("follower back", follower, last, 1, []int32{last, follower}, []int32{leader})

	mustDo(t, c.StartBroker(leader))
	mustDo(t, c.WaitForISR(apiCtx(t), "m", 0, pi.Replicas...))
	check("leader back", leader, last, 1, pi.Replicas, nil)

	if c.ElectPreferredLeaders() != 1 {
		t.Fatalf("no preferred election")
	}
	check("preferred leader elected", last, leader, 2, pi.Replicas, nil)
}

// A broker that lost leadership answers clients that have not noticed:
// produce gets NOT_LEADER_OR_FOLLOWER with the new leader's id, epoch and
// address (KIP-951); requests carrying the old leader epoch get
// FENCED_LEADER_EPOCH, wherever they are sent, and requests carrying a
// newer epoch than the broker knows get UNKNOWN_LEADER_EPOCH.
func TestStaleLeaderAnswers(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("s", 1, 3, nil))
	cl := replClient(t, c)
	produceValues(t, cl, "s", 0, "a", "b")
	old := partitionInfo(t, c, "s", 0)
	mustDo(t, c.StopBroker(old.Leader))
	mustDo(t, c.StartBroker(old.Leader))
	mustDo(t, c.WaitForISR(apiCtx(t), "s", 0, old.Replicas...))
	now := partitionInfo(t, c, "s", 0)
	if now.Leader == old.Leader || now.LeaderEpoch != old.LeaderEpoch+1 {
		t.Fatalf("leadership did not move: %+v", now)
	}

	batch := testBatch(t, record.BatchOptions{}, valueRecords(time.Now().UnixMilli(), "x")...)
	presp := sendToLive[*kmsg.ProduceResponse](t, cl, old.Leader, produceReq(-1, producePart{"s", 0, batch}))
	pp := producePartition(t, presp, "s", 0)
	wantCode(t, "produce to the old leader", pp.ErrorCode, kerr.NotLeaderForPartition)
	if pp.CurrentLeader.LeaderID != now.Leader || pp.CurrentLeader.LeaderEpoch != now.LeaderEpoch ||
		len(presp.Brokers) != 1 || presp.Brokers[0].NodeID != now.Leader {
		t.Fatalf("leader hint %+v brokers %+v, want leader %d epoch %d", pp.CurrentLeader, presp.Brokers, now.Leader, now.LeaderEpoch)
	}

	topicID := [16]byte(c.Topics()[0].ID)
	fetch := func(to, current int32) int16 {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MinBytes, req.MaxBytes = 0, 1, 1<<20
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = "s", topicID // v13+ names topics by id
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.CurrentLeaderEpoch, rp.PartitionMaxBytes = 0, current, 1<<20
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp := sendToLive[*kmsg.FetchResponse](t, cl, to, req)
		return resp.Topics[0].Partitions[0].ErrorCode
	}
	listOffsets := func(to, current int32) int16 {
		req := kmsg.NewPtrListOffsetsRequest()
		req.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "s"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.CurrentLeaderEpoch, rp.Timestamp = 0, current, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp := sendToLive[*kmsg.ListOffsetsResponse](t, cl, to, req)
		return resp.Topics[0].Partitions[0].ErrorCode
	}
	for _, tc := range []struct {
		name        string
		to, current int32
		want        *kerr.Error
	}{
		{"old leader, old epoch", old.Leader, old.LeaderEpoch, kerr.FencedLeaderEpoch},
		{"new leader, old epoch", now.Leader, old.LeaderEpoch, kerr.FencedLeaderEpoch},
		{"new leader, epoch from the future", now.Leader, now.LeaderEpoch + 1, kerr.UnknownLeaderEpoch},
		{"new leader, current epoch", now.Leader, now.LeaderEpoch, nil},
	} {
		wantCode(t, "fetch: "+tc.name, fetch(tc.to, tc.current), tc.want)
		wantCode(t, "list offsets: "+tc.name, listOffsets(tc.to, tc.current), tc.want)
	}
	wantCode(t, "list offsets from the old leader in the current epoch", listOffsets(old.Leader, now.LeaderEpoch), kerr.NotLeaderForPartition)
}
