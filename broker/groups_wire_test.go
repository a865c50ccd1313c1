package broker_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// FindCoordinator over the versions: one key before v4, several from v4;
// transactional keys wait for a transaction coordinator; share groups are
// not enabled.
func TestFindCoordinatorVersions(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3))
	ctx := groupTestContext(t)
	cl := groupClient(t, c)
	seed := cl.Broker(1)

	// kgo asks with the newest version both sides know; a client capped
	// at v3 asks for one key.
	v3 := kversion.V4_0_0()
	v3.SetMaxKeyVersion(10, 3)
	old := groupClient(t, c, kgo.MaxVersions(v3))
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorKey = "orders-app"
	resp, err := req.RequestWith(ctx, old.Broker(1))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Version != 3 || resp.ErrorCode != 0 || resp.NodeID < 1 || resp.Port == 0 {
		t.Fatalf("v3: %+v", resp)
	}
	// The answer agrees with placement: the leader of the group's
	// __consumer_offsets partition.
	d, err := c.Group("orders-app")
	if !broker.IsGroupNotFound(err) {
		t.Fatalf("describe before any member: %v %+v", err, d)
	}
	p, err := c.Partition("__consumer_offsets", int32(groupPartition("orders-app")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Leader != resp.NodeID {
		t.Fatalf("coordinator %d, leader of the group's partition %d", resp.NodeID, p.Leader)
	}

	batched := kmsg.NewPtrFindCoordinatorRequest()
	batched.Version, batched.CoordinatorKeys = 4, []string{"a", "b", "c"}
	bresp, err := batched.RequestWith(ctx, seed)
	if err != nil {
		t.Fatal(err)
	}
	if len(bresp.Coordinators) != 3 {
		t.Fatalf("v4: %+v", bresp)
	}
	for _, co := range bresp.Coordinators {
		if co.ErrorCode != 0 || co.NodeID < 1 {
			t.Fatalf("v4 key %s: %+v", co.Key, co)
		}
	}

	txn := kmsg.NewPtrFindCoordinatorRequest()
	txn.Version, txn.CoordinatorType, txn.CoordinatorKeys = 4, 1, []string{"tx-1"}
	tresp, _ := txn.RequestWith(ctx, seed)
	// A transactional id's coordinator leads its __transaction_state
	// partition, created by this first lookup.
	if co := tresp.Coordinators[0]; co.ErrorCode != 0 || co.NodeID < 1 {
		t.Fatalf("transactional key: %+v", co)
	}
	share := kmsg.NewPtrFindCoordinatorRequest()
	share.Version, share.CoordinatorType, share.CoordinatorKeys = 6, 2, []string{"g:t:0"}
	sresp, _ := share.RequestWith(ctx, seed)
	if sresp.Coordinators[0].ErrorCode != kerr.InvalidRequest.Code {
		t.Fatalf("share key: %+v", sresp.Coordinators[0])
	}
}

func groupPartition(id string) int {
	var h int32
	for _, r := range id {
		h = 31*h + int32(r)
	}
	if h < 0 {
		h = -h
	}
	return int(h % 50)
}

// Requests sent to a broker that does not coordinate the group get
// NOT_COORDINATOR, which makes clients look the coordinator up again.
func TestNotCoordinator(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("orders", 3, 1, nil))
	ctx := groupTestContext(t)
	cl := groupClient(t, c)
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKey = "g"
	fresp, err := fc.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	other := cl.Broker(int(fresp.NodeID%3) + 1)

	join := kmsg.NewPtrJoinGroupRequest()
	join.Group, join.ProtocolType, join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = "g", "consumer", 10000, 10000
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: []byte{0, 0, 0, 0, 0, 0, 0, 0}}}
	jresp, err := join.RequestWith(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if jresp.ErrorCode != kerr.NotCoordinator.Code {
		t.Fatalf("JoinGroup at a non-coordinator: %d", jresp.ErrorCode)
	}

	commit := kmsg.NewPtrOffsetCommitRequest()
	commit.Group, commit.Generation = "g", -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = "orders"
	rt.Partitions = []kmsg.OffsetCommitRequestTopicPartition{kmsg.NewOffsetCommitRequestTopicPartition()}
	commit.Topics = []kmsg.OffsetCommitRequestTopic{rt}
	cresp, err := commit.RequestWith(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if cresp.Topics[0].Partitions[0].ErrorCode != kerr.NotCoordinator.Code {
		t.Fatalf("OffsetCommit at a non-coordinator: %+v", cresp)
	}

	// OffsetFetch v8 answers per group: the group coordinated elsewhere
	// gets NOT_COORDINATOR, the rest is answered.
	local := "g"
	for i := 0; ; i++ {
		// Find a group this other broker does coordinate.
		cand := string(rune('a'+i%26)) + string(rune('a'+i/26))
		fc.CoordinatorKey = cand
		r, err := fc.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if r.NodeID == int32(int(fresp.NodeID%3)+1) {
			local = cand
			break
		}
	}
	of := kmsg.NewPtrOffsetFetchRequest()
	for _, g := range []string{"g", local} {
		rg := kmsg.NewOffsetFetchRequestGroup()
		rg.Group = g
		of.Groups = append(of.Groups, rg)
	}
	oresp, err := of.RequestWith(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if oresp.Groups[0].ErrorCode != kerr.NotCoordinator.Code || oresp.Groups[1].ErrorCode != 0 {
		t.Fatalf("OffsetFetch v8: %+v", oresp.Groups)
	}
}

// Oversized metadata: a commit's metadata over offset.metadata.max.bytes
// is refused per partition; an assignment too large for one
// __consumer_offsets record fails the leader's SyncGroup (Kafka answers
// UNKNOWN_SERVER_ERROR for a record too large) and the group rebalances.
func TestOversizedGroupMetadata(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 1, 1, nil))
	ctx := groupTestContext(t)
	cl := groupClient(t, c)
	adm := kadm.NewClient(cl)
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "orders", Partition: 0, At: 1, LeaderEpoch: -1, Metadata: string(bytes.Repeat([]byte("m"), 5000))})
	resp, err := adm.CommitOffsets(ctx, "big", offs)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Error(); !errors.Is(err, kerr.OffsetMetadataTooLarge) {
		t.Fatalf("commit with 5000 bytes of metadata: %v", err)
	}

	join := kmsg.NewPtrJoinGroupRequest()
	join.Group, join.ProtocolType, join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = "huge", "consumer", 10000, 10000
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: []byte{0, 0, 0, 0, 0, 0, 0, 0}}}
	j1, err := join.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	join.MemberID = j1.MemberID
	j2, err := join.RequestWith(ctx, cl)
	if err != nil || j2.ErrorCode != 0 {
		t.Fatalf("join: %v %+v", err, j2)
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group, sync.MemberID, sync.Generation = "huge", j2.MemberID, j2.Generation
	pt, pn := "consumer", "range"
	sync.ProtocolType, sync.Protocol = &pt, &pn
	sync.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: j2.MemberID, MemberAssignment: make([]byte, 2<<20)}}
	sresp, err := sync.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if sresp.ErrorCode != kerr.UnknownServerError.Code {
		t.Fatalf("sync with a 2 MiB assignment: %d", sresp.ErrorCode)
	}
	d, err := c.Group("huge")
	if err != nil || d.State != "PreparingRebalance" {
		t.Fatalf("after the failed sync: %v %+v", err, d.Description)
	}
}

// The admin API end to end with kadm: list (with state filters), describe,
// delete offsets, delete groups; and ConsumerGroupDescribe for a KIP-848
// group.
func TestGroupAdminAPIs(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("orders", 4, 1, nil), broker.Topic("old", 1, 1, nil),
		broker.Configs(map[string]string{"group.consumer.heartbeat.interval.ms": "50", "group.consumer.min.heartbeat.interval.ms": "50"}))
	ctx := groupTestContext(t)
	adm := kadm.NewClient(groupClient(t, c))
	groupClient(t, c, kgo.ClientID("classic-member"), kgo.ConsumerGroup("live"), kgo.ConsumeTopics("orders"),
		kgo.HeartbeatInterval(50*time.Millisecond))
	groupClient(t, c, kgo.ClientID("new-member"), kgo.ConsumerGroup("next"), kgo.ConsumeTopics("orders"),
		kgo.ServerSideBalancer(), kgo.Balancers(kgo.RangeBalancer()))
	if _, err := c.WaitForStable(ctx, "live", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForStable(ctx, "next", 1); err != nil {
		t.Fatal(err)
	}
	idle := kadm.Offsets{}
	idle.Add(kadm.Offset{Topic: "old", Partition: 0, At: 3, LeaderEpoch: -1})
	idle.Add(kadm.Offset{Topic: "orders", Partition: 0, At: 5, LeaderEpoch: -1})
	if _, err := adm.CommitOffsets(ctx, "idle", idle); err != nil {
		t.Fatal(err)
	}

	listed, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 3 {
		t.Fatalf("listed %v", listed.Groups())
	}
	stable, err := adm.ListGroups(ctx, "Stable")
	if err != nil {
		t.Fatal(err)
	}
	if got := stable.Groups(); len(got) != 2 {
		t.Fatalf("stable groups %v", got)
	}

	described, err := adm.DescribeGroups(ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	dg := described["live"]
	if dg.State != "Stable" || len(dg.Members) != 1 || dg.Members[0].ClientID != "classic-member" || dg.Members[0].ClientHost == "" {
		t.Fatalf("describe live: %+v", dg)
	}
	if a, ok := dg.Members[0].Assigned.AsConsumer(); !ok || len(a.Topics) != 1 || len(a.Topics[0].Partitions) != 4 {
		t.Fatalf("live's assignment %+v", dg.Members[0].Assigned)
	}

	cgd := kmsg.NewPtrConsumerGroupDescribeRequest()
	cgd.Groups = []string{"next", "live", "ghost"}
	cresp, err := cgd.RequestWith(ctx, groupClient(t, c))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]kmsg.ConsumerGroupDescribeResponseGroup{}
	for _, g := range cresp.Groups {
		byName[g.Group] = g
	}
	if g := byName["next"]; g.ErrorCode != 0 || g.State != "Stable" || g.AssignorName != "range" || len(g.Members) != 1 ||
		len(g.Members[0].Assignment.TopicPartitions) != 1 || g.Members[0].ClientID != "new-member" {
		t.Fatalf("ConsumerGroupDescribe next: %+v", g)
	}
	if byName["live"].ErrorCode != kerr.GroupIDNotFound.Code || byName["ghost"].ErrorCode != kerr.GroupIDNotFound.Code {
		t.Fatalf("classic and unknown groups: %+v %+v", byName["live"], byName["ghost"])
	}

	// OffsetDelete: the classic group with members is protected on its
	// subscribed topic; the idle group loses the offset.
	dres, err := adm.DeleteOffsets(ctx, "live", kadm.TopicsSet{"orders": {0: {}}})
	if err == nil {
		err = dres.Error()
	}
	if !errors.Is(err, kerr.GroupSubscribedToTopic) {
		t.Fatalf("delete a subscribed topic's offsets: %v", err)
	}
	dres, err = adm.DeleteOffsets(ctx, "idle", kadm.TopicsSet{"old": {0: {}}})
	if err != nil || dres.Error() != nil {
		t.Fatalf("delete idle offsets: %v %v", err, dres.Error())
	}
	after, _ := adm.FetchOffsets(ctx, "idle")
	if _, ok := after.Lookup("old", 0); ok {
		t.Fatal("the deleted offset is still there")
	}

	// DeleteGroups: NON_EMPTY_GROUP for a group with members.
	del, err := adm.DeleteGroups(ctx, "live", "idle", "ghost")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(del["live"].Err, kerr.NonEmptyGroup) || del["idle"].Err != nil || !errors.Is(del["ghost"].Err, kerr.GroupIDNotFound) {
		t.Fatalf("delete groups: live %v, idle %v, ghost %v", del["live"].Err, del["idle"].Err, del["ghost"].Err)
	}
}
