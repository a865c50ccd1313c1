package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// formGroup joins n dynamic members and completes the first generation
// with the leader's assignment (one partition of "orders" each). It
// returns the member ids, leader first.
func (f *fixture) formGroup(groupID string, n int) ([]string, int32) {
	f.t.Helper()
	first := f.joinNew(groupID, joinOpts{})
	wantCode(f.t, "first member joins", first.ErrorCode, nil)
	ids := []string{first.MemberID}
	gen := first.Generation
	if n > 1 {
		// The group is stable with one member; the others join, the
		// leader rejoins after learning of the rebalance.
		f.sync(groupID, first.MemberID, gen, map[string][]byte{first.MemberID: consumerAssignment("orders", 0)})
		var chs []<-chan *kmsg.JoinGroupResponse
		for i := 1; i < n; i++ {
			r := f.join(groupID, joinOpts{})
			ch := f.joinAsync(groupID, joinOpts{member: r.MemberID})
			chs = append(chs, ch)
			ids = append(ids, r.MemberID)
		}
		wantCode(f.t, "leader heartbeat during rebalance", f.heartbeat(groupID, first.MemberID, gen, ""), kerr.RebalanceInProgress)
		leader := f.join(groupID, joinOpts{member: first.MemberID})
		gen = leader.Generation
		for _, ch := range chs {
			if r := f.recv(ch); r.Generation != gen {
				f.t.Fatalf("member got generation %d, leader %d", r.Generation, gen)
			}
		}
	}
	assign := map[string][]byte{}
	for i, id := range ids {
		assign[id] = consumerAssignment("orders", int32(i))
	}
	var syncs []<-chan *kmsg.SyncGroupResponse
	for _, id := range ids[1:] {
		syncs = append(syncs, f.syncAsync(groupID, id, gen, nil))
	}
	for _, ch := range syncs {
		if !parked(ch) {
			f.t.Fatal("a follower's SyncGroup was answered before the leader's")
		}
	}
	r := f.sync(groupID, ids[0], gen, assign)
	wantCode(f.t, "leader sync", r.ErrorCode, nil)
	for _, ch := range syncs {
		wantCode(f.t, "follower sync", recvSync(f.t, ch).ErrorCode, nil)
	}
	if d := f.describe(groupID); d.State != "Stable" || len(d.Members) != n {
		f.t.Fatalf("group after forming: %+v", d)
	}
	return ids, gen
}

// Reference: KIP-394. From JoinGroup v4 a member without an id is given
// one and told to join again with it; the join then completes.
func TestJoinGroupMemberIDRequired(t *testing.T) {
	f := newFixture(t, nil)
	r := f.join("g", joinOpts{})
	wantCode(t, "first join", r.ErrorCode, kerr.MemberIDRequired)
	if r.MemberID == "" {
		t.Fatal("no member id handed out")
	}
	r2 := f.join("g", joinOpts{member: r.MemberID})
	wantCode(t, "second join", r2.ErrorCode, nil)
	if r2.MemberID != r.MemberID || r2.LeaderID != r.MemberID || r2.Generation != 1 || len(r2.Members) != 1 {
		t.Fatalf("join response %+v", r2)
	}
	if *r2.Protocol != "range" {
		t.Fatalf("protocol %v", *r2.Protocol)
	}
	// Before v4 the member is added at once.
	r3 := f.join("g-old", joinOpts{version: 3})
	wantCode(t, "v3 join", r3.ErrorCode, nil)
	if r3.Generation != 1 {
		t.Fatalf("v3 join generation %d", r3.Generation)
	}
}

// Malformed or out-of-order requests get Kafka's error codes.
func TestClassicProtocolErrors(t *testing.T) {
	f := newFixture(t, nil)
	// SyncGroup, Heartbeat and LeaveGroup before any JoinGroup.
	wantCode(t, "sync before join", f.sync("g", "nobody", 0, nil).ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "heartbeat before join", f.heartbeat("g", "nobody", 0, ""), kerr.UnknownMemberID)
	// JoinGroup with a member id the group does not know.
	wantCode(t, "join with unknown id", f.join("g", joinOpts{member: "made-up"}).ErrorCode, kerr.UnknownMemberID)
	// Session timeout outside group.min/max.session.timeout.ms.
	wantCode(t, "session too short", f.join("g", joinOpts{session: time.Second}).ErrorCode, kerr.InvalidSessionTimeout)
	wantCode(t, "session too long", f.join("g", joinOpts{session: time.Hour}).ErrorCode, kerr.InvalidSessionTimeout)
	wantCode(t, "empty group id", f.join("", joinOpts{}).ErrorCode, kerr.InvalidGroupID)

	ids, gen := f.formGroup("g", 2)
	wantCode(t, "heartbeat ok", f.heartbeat("g", ids[1], gen, ""), nil)
	wantCode(t, "wrong generation", f.heartbeat("g", ids[1], gen+1, ""), kerr.IllegalGeneration)
	wantCode(t, "unknown member", f.heartbeat("g", "stranger", gen, ""), kerr.UnknownMemberID)
	wantCode(t, "sync with old generation", f.sync("g", ids[1], gen-1, nil).ErrorCode, kerr.IllegalGeneration)

	// A member with a protocol the others do not support.
	r := f.join("g", joinOpts{protocols: []string{"roundrobin"}})
	wantCode(t, "inconsistent protocol", r.ErrorCode, kerr.InconsistentGroupProtocol)

	// SyncGroup v5 with a protocol name other than the group's.
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version, req.Group, req.MemberID, req.Generation = 5, "g", ids[1], gen
	pt, pn := "consumer", "sticky"
	req.ProtocolType, req.Protocol = &pt, &pn
	wantCode(t, "sync protocol name", recvSync(t, f.c.startSyncGroup(req)).ErrorCode, kerr.InconsistentGroupProtocol)
	req.Protocol = nil
	wantCode(t, "sync without protocol name", recvSync(t, f.c.startSyncGroup(req)).ErrorCode, kerr.InconsistentGroupProtocol)

	// Offset commits: generation and member checks.
	wantCode(t, "commit ok", f.commit("g", ids[0], gen, "orders", 0, 5), nil)
	wantCode(t, "commit old generation", f.commit("g", ids[0], gen-1, "orders", 0, 6), kerr.IllegalGeneration)
	wantCode(t, "commit unknown member", f.commit("g", "stranger", gen, "orders", 0, 6), kerr.UnknownMemberID)
	wantCode(t, "commit without member while group has members", f.commit("g", "", -1, "orders", 0, 6), kerr.UnknownMemberID)
	if got := f.committed("g", "orders", 0); got != 5 {
		t.Fatalf("committed %d, want 5 (failed commits must not count)", got)
	}
	// A commit for a group that does not exist: GROUP_ID_NOT_FOUND from v9,
	// ILLEGAL_GENERATION before.
	wantCode(t, "commit to unknown group", f.commit("nope", "m", 3, "orders", 0, 1), kerr.GroupIDNotFound)
}

// While the group is CompletingRebalance (the new generation has started
// but the leader's assignment is not stored yet), commits get
// REBALANCE_IN_PROGRESS; the previous generation gets ILLEGAL_GENERATION.
func TestCommitDuringRebalance(t *testing.T) {
	f := newFixture(t, nil)
	ids, gen := f.formGroup("g", 1)
	newcomer := f.join("g", joinOpts{})
	ch := f.joinAsync("g", joinOpts{member: newcomer.MemberID})
	// PreparingRebalance: the old generation may still commit.
	wantCode(t, "commit while preparing", f.commit("g", ids[0], gen, "orders", 0, 1), nil)
	r := f.join("g", joinOpts{member: ids[0]})
	f.recv(ch)
	if d := f.describe("g"); d.State != "CompletingRebalance" {
		t.Fatalf("state %s", d.State)
	}
	wantCode(t, "commit while completing", f.commit("g", ids[0], r.Generation, "orders", 0, 2), kerr.RebalanceInProgress)
	wantCode(t, "commit old generation", f.commit("g", ids[0], gen, "orders", 0, 2), kerr.IllegalGeneration)
}

// OffsetCommit keeps the metadata string, refuses one longer than
// offset.metadata.max.bytes, and a simple consumer (generation -1) may
// commit to a group without members.
func TestCommitMetadata(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.OffsetMetadataMaxBytes = 10 })
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group, req.Generation = 8, "simple", -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = "orders"
	for i, md := range []string{"short", "much too long for ten bytes"} {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = int32(i), 100, 7
		m := md
		rp.Metadata = &m
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := f.c.CommitOffsets(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "short metadata", resp.Topics[0].Partitions[0].ErrorCode, nil)
	wantCode(t, "long metadata", resp.Topics[0].Partitions[1].ErrorCode, kerr.OffsetMetadataTooLarge)

	g := kmsg.NewOffsetFetchRequestGroup()
	g.Group = "simple"
	got, _ := f.c.FetchOffsets(ctx, g, true)
	if len(got.Topics) != 1 || len(got.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch all: %+v", got)
	}
	p := got.Topics[0].Partitions[0]
	if p.Partition != 0 || p.Offset != 100 || p.LeaderEpoch != 7 || *p.Metadata != "short" {
		t.Fatalf("fetched %+v", p)
	}
	if d := f.describe("simple"); d.State != "Empty" || d.ProtocolType != "" {
		t.Fatalf("simple group %+v", d)
	}
}

// Protocol selection: among the protocols every member supports, each
// votes for its most preferred; the most votes win.
func TestProtocolSelection(t *testing.T) {
	f := newFixture(t, nil)
	a := f.joinNew("g", joinOpts{protocols: []string{"cooperative-sticky", "range"}})
	f.sync("g", a.MemberID, a.Generation, nil)
	b := f.join("g", joinOpts{protocols: []string{"range", "cooperative-sticky"}})
	chB := f.joinAsync("g", joinOpts{member: b.MemberID, protocols: []string{"range", "cooperative-sticky"}})
	c := f.join("g", joinOpts{protocols: []string{"range", "roundrobin", "cooperative-sticky"}})
	chC := f.joinAsync("g", joinOpts{member: c.MemberID, protocols: []string{"range", "roundrobin", "cooperative-sticky"}})
	leader := f.join("g", joinOpts{member: a.MemberID, protocols: []string{"cooperative-sticky", "range"}})
	f.recv(chB)
	f.recv(chC)
	if *leader.Protocol != "range" {
		t.Fatalf("selected %s, want range (two votes against one)", *leader.Protocol)
	}
	if len(leader.Members) != 3 {
		t.Fatalf("leader got %d members", len(leader.Members))
	}
}

// A member that stops heartbeating is evicted once session.timeout.ms has
// passed on the clock, and the group rebalances without it.
func TestSessionTimeoutEviction(t *testing.T) {
	f := newFixture(t, nil)
	ids, gen := f.formGroup("g", 2)
	// Both heartbeat for a while; then only the leader does.
	for i := 0; i < 3; i++ {
		f.clock.Advance(3 * time.Second)
		wantCode(t, "heartbeat", f.heartbeat("g", ids[0], gen, ""), nil)
		wantCode(t, "heartbeat", f.heartbeat("g", ids[1], gen, ""), nil)
	}
	f.clock.Advance(5 * time.Second)
	wantCode(t, "heartbeat", f.heartbeat("g", ids[0], gen, ""), nil)
	if d := f.describe("g"); d.State != "Stable" {
		t.Fatalf("state %s before the session timeout", d.State)
	}
	f.clock.Advance(5 * time.Second) // 10 s since the follower's last heartbeat
	d := f.describe("g")
	if d.State != "PreparingRebalance" || len(d.Members) != 1 {
		t.Fatalf("after the session timeout: state %s with %d members\n%s", d.State, len(d.Members), f.story("g"))
	}
	wantCode(t, "evicted member heartbeats", f.heartbeat("g", ids[1], gen, ""), kerr.UnknownMemberID)
	wantCode(t, "leader heartbeat", f.heartbeat("g", ids[0], gen, ""), kerr.RebalanceInProgress)
	r := f.join("g", joinOpts{member: ids[0]})
	if r.Generation != gen+1 || len(r.Members) != 1 {
		t.Fatalf("rejoin %+v", r)
	}
	types := f.eventTypes("g")
	if !contains(types, EventMemberEvicted) {
		t.Fatalf("no eviction event: %v", types)
	}
}

// Members that do not rejoin within the rebalance timeout are dropped
// from the new generation.
func TestRebalanceTimeoutDropsSilentMembers(t *testing.T) {
	f := newFixture(t, nil)
	ids, gen := f.formGroup("g", 3)
	// A new member arrives; only it and the leader rejoin.
	n := f.join("g", joinOpts{rebalance: 20 * time.Second})
	chN := f.joinAsync("g", joinOpts{member: n.MemberID})
	chL := f.joinAsync("g", joinOpts{member: ids[0]})
	// The silent members keep heartbeating (REBALANCE_IN_PROGRESS) but
	// never rejoin.
	for i := 0; i < 4; i++ {
		f.clock.Advance(5 * time.Second)
		f.heartbeat("g", ids[1], gen, "")
		f.heartbeat("g", ids[2], gen, "")
		f.heartbeat("g", ids[0], gen, "")
	}
	l, nn := f.recv(chL), f.recv(chN)
	if l.Generation != gen+1 || nn.Generation != gen+1 || len(l.Members) != 2 {
		t.Fatalf("after the rebalance timeout: leader %+v new %+v\n%s", l, nn, f.story("g"))
	}
	wantCode(t, "dropped member", f.heartbeat("g", ids[1], gen+1, ""), kerr.UnknownMemberID)
}

// The first rebalance of a new group waits group.initial.rebalance.delay.ms
// so members starting together form one generation.
func TestInitialRebalanceDelay(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.InitialRebalanceDelay = 3 * time.Second })
	a := f.join("g", joinOpts{})
	chA := f.joinAsync("g", joinOpts{member: a.MemberID})
	f.clock.Advance(2 * time.Second)
	if !parked(chA) {
		t.Fatal("the first member's join completed before the initial delay")
	}
	b := f.join("g", joinOpts{})
	chB := f.joinAsync("g", joinOpts{member: b.MemberID})
	f.clock.Advance(1 * time.Second) // the first delay ends, extended for b
	if !parked(chA) {
		t.Fatal("completed although a member joined during the delay")
	}
	f.clock.Advance(3 * time.Second)
	ra, rb := f.recv(chA), f.recv(chB)
	if ra.Generation != 1 || rb.Generation != 1 || len(ra.Members)+len(rb.Members) != 2 {
		t.Fatalf("generation %d/%d, members %d/%d", ra.Generation, rb.Generation, len(ra.Members), len(rb.Members))
	}
}

// Reference: KIP-345. A static member that restarts (joins again with
// its group.instance.id and no member id) gets its old assignment back
// without a rebalance; the process it replaced is fenced.
func TestStaticMemberRejoinWithoutRebalance(t *testing.T) {
	f := newFixture(t, nil)
	a := f.join("g", joinOpts{instance: "pod-a"})
	wantCode(t, "static join", a.ErrorCode, nil)
	f.sync("g", a.MemberID, a.Generation, nil)
	chB := f.joinAsync("g", joinOpts{instance: "pod-b"})
	la := f.join("g", joinOpts{member: a.MemberID, instance: "pod-a"})
	b := f.recv(chB)
	gen := la.Generation
	rb := f.sync("g", a.MemberID, gen, map[string][]byte{a.MemberID: consumerAssignment("orders", 0, 1), b.MemberID: consumerAssignment("orders", 2, 3)})
	wantCode(t, "sync", rb.ErrorCode, nil)
	// b was parked in its join; it got the new generation too.
	syncB := f.sync("g", b.MemberID, gen, nil)
	if string(syncB.MemberAssignment) != string(consumerAssignment("orders", 2, 3)) {
		t.Fatalf("b's assignment %x", syncB.MemberAssignment)
	}

	// pod-b restarts: same instance id, no member id.
	nb := f.join("g", joinOpts{instance: "pod-b"})
	wantCode(t, "static rejoin", nb.ErrorCode, nil)
	if nb.MemberID == b.MemberID || nb.Generation != gen {
		t.Fatalf("rejoin got member %s generation %d (old %s, generation %d)", nb.MemberID, nb.Generation, b.MemberID, gen)
	}
	d := f.describe("g")
	if d.State != "Stable" || d.Generation != gen {
		t.Fatalf("group %s generation %d after a static rejoin, want Stable at %d", d.State, d.Generation, gen)
	}
	s := f.sync("g", nb.MemberID, gen, nil)
	if string(s.MemberAssignment) != string(consumerAssignment("orders", 2, 3)) {
		t.Fatal("the restarted static member did not get its assignment back")
	}
	// The old process is fenced.
	wantCode(t, "old process heartbeat", f.heartbeat("g", b.MemberID, gen, "pod-b"), kerr.FencedInstanceID)
	// Without its instance id it is simply not a member any more; with
	// it, it is told it was fenced.
	wantCode(t, "old process commit", f.commit("g", b.MemberID, gen, "orders", 2, 1), kerr.UnknownMemberID)
	oc := kmsg.NewPtrOffsetCommitRequest()
	inst := "pod-b"
	oc.Version, oc.Group, oc.MemberID, oc.Generation, oc.InstanceID = 9, "g", b.MemberID, gen, &inst
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = "orders"
	rt.Partitions = []kmsg.OffsetCommitRequestTopicPartition{kmsg.NewOffsetCommitRequestTopicPartition()}
	oc.Topics = []kmsg.OffsetCommitRequestTopic{rt}
	ocr, _ := f.c.CommitOffsets(ctx, oc)
	wantCode(t, "old process commit with its instance id", ocr.Topics[0].Partitions[0].ErrorCode, kerr.FencedInstanceID)
	if !contains(f.eventTypes("g"), EventStaticMemberRejoined) {
		t.Fatalf("events %v", f.eventTypes("g"))
	}

	// An admin removes pod-a by instance id alone (LeaveGroup v3+).
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version, req.Group = 5, "g"
	m := kmsg.NewLeaveGroupRequestMember()
	podA := "pod-a"
	m.InstanceID = &podA
	unknown := kmsg.NewLeaveGroupRequestMember()
	other := "pod-zzz"
	unknown.InstanceID = &other
	req.Members = []kmsg.LeaveGroupRequestMember{m, unknown}
	resp := f.c.LeaveGroup(ctx, req)
	wantCode(t, "leave top", resp.ErrorCode, nil)
	wantCode(t, "leave pod-a", resp.Members[0].ErrorCode, nil)
	wantCode(t, "leave unknown instance", resp.Members[1].ErrorCode, kerr.UnknownMemberID)
	if d := f.describe("g"); d.State != "PreparingRebalance" || len(d.Members) != 1 {
		t.Fatalf("after removing pod-a: %s with %d members", d.State, len(d.Members))
	}
}

// group.max.size: a member beyond the maximum is refused at its first
// JoinGroup; while a rebalance is in progress the members already
// rejoined count.
func TestGroupMaxSize(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxSize = 2 })
	ids, _ := f.formGroup("g", 2)
	wantCode(t, "third member", f.join("g", joinOpts{}).ErrorCode, kerr.GroupMaxSizeReached)
	// The leader rejoins (a rebalance); a newcomer now competes with the
	// members that have not rejoined yet and gets in.
	chL := f.joinAsync("g", joinOpts{member: ids[0]})
	r := f.join("g", joinOpts{})
	wantCode(t, "newcomer during rebalance", r.ErrorCode, kerr.MemberIDRequired)
	chN := f.joinAsync("g", joinOpts{member: r.MemberID})
	if !parked(chN) {
		t.Fatalf("newcomer answered: %+v", <-chN)
	}
	// The follower rejoins last and is the one turned away.
	wantCode(t, "last to rejoin", f.join("g", joinOpts{member: ids[1]}).ErrorCode, kerr.GroupMaxSizeReached)
	_ = chL
}

// DeleteGroups refuses a group with members and deletes an empty one
// with its offsets; ListGroups filters by state and type.
func TestDeleteAndListGroups(t *testing.T) {
	f := newFixture(t, nil)
	ids, gen := f.formGroup("busy", 1)
	f.commit("busy", ids[0], gen, "orders", 0, 3)
	f.commit("idle", "", -1, "orders", 0, 9)
	res, err := f.c.DeleteGroups(ctx, []string{"busy", "idle", "ghost"})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete busy", res[0].ErrorCode, kerr.NonEmptyGroup)
	wantCode(t, "delete idle", res[1].ErrorCode, nil)
	wantCode(t, "delete ghost", res[2].ErrorCode, kerr.GroupIDNotFound)
	if _, err := f.c.Describe("idle"); err == nil {
		t.Fatal("deleted group still described")
	}
	list, _ := f.c.ListGroups(ctx, []string{"stable"}, []string{"Classic"})
	if len(list) != 1 || list[0].Group != "busy" || list[0].GroupType != "classic" || list[0].ProtocolType != "consumer" {
		t.Fatalf("list %+v", list)
	}
	list, _ = f.c.ListGroups(ctx, nil, []string{"consumer"})
	if len(list) != 0 {
		t.Fatalf("consumer groups %+v", list)
	}
}

// LeaveGroup v0-v2 carries one member id and answers with one error.
func TestLeaveGroupOldVersion(t *testing.T) {
	f := newFixture(t, nil)
	ids, _ := f.formGroup("g", 2)
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version, req.Group, req.MemberID = 1, "g", ids[1]
	wantCode(t, "leave", f.c.LeaveGroup(ctx, req).ErrorCode, nil)
	req.MemberID = "gone"
	wantCode(t, "leave unknown", f.c.LeaveGroup(ctx, req).ErrorCode, kerr.UnknownMemberID)
	if !contains(f.eventTypes("g"), EventMemberLeft) {
		t.Fatal("no MemberLeft event")
	}
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
