package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A coordinator that loads the partition again (a restart, or another
// broker taking over) finds the stable group with its generation,
// members and assignments, and the committed offsets; the members just
// keep heartbeating.
func TestReloadRestoresGroupsAndOffsets(t *testing.T) {
	f := newFixture(t, nil)
	ids, gen := f.formGroup("g", 2)
	wantCode(t, "commit", f.commit("g", ids[1], gen, "orders", 1, 42), nil)
	f.commit("simple", "", -1, "orders", 0, 7)

	// A JoinGroup parked when the partition is unloaded is told
	// NOT_COORDINATOR, so the client looks the coordinator up again.
	r := f.join("g", joinOpts{})
	ch := f.joinAsync("g", joinOpts{member: r.MemberID})
	f.c.Unload(0, -1)
	wantCode(t, "parked join after unload", f.recv(ch).ErrorCode, kerr.NotCoordinator)
	wantCode(t, "heartbeat while unloaded", f.heartbeat("g", ids[0], gen, ""), kerr.NotCoordinator)

	f.openLog(1)
	d := f.describe("g")
	if d.State != "Stable" || d.Generation != gen || len(d.Members) != 2 {
		t.Fatalf("reloaded group: %+v", d)
	}
	if got := d.Members[1].Assignment["orders"]; len(got) != 1 || got[0] != 1 {
		t.Fatalf("reloaded assignment %v", d.Members[1].Assignment)
	}
	if f.committed("g", "orders", 1) != 42 || f.committed("simple", "orders", 0) != 7 {
		t.Fatal("offsets lost in the reload")
	}
	wantCode(t, "member heartbeats the new coordinator", f.heartbeat("g", ids[0], gen, ""), nil)
	wantCode(t, "member commits to the new coordinator", f.commit("g", ids[0], gen, "orders", 0, 5), nil)
	// The reloaded members' sessions run on the new coordinator's clock:
	// silent for a session timeout, both are evicted and the group is
	// empty (its offsets stay).
	f.clock.Advance(11 * time.Second)
	if d := f.describe("g"); d.State != "Empty" || len(d.Members) != 0 || len(d.Offsets) != 2 {
		t.Fatalf("after the session timeout: %+v\n%s", d, f.story("g"))
	}
	if !contains(f.eventTypes("g"), EventGroupLoaded) {
		t.Fatalf("events %v", f.eventTypes("g"))
	}
}

// Reference: KIP-211. Offsets of a group that has been empty for
// offsets.retention.minutes are deleted at the next retention check, and
// the empty group with them; a group with members keeps its offsets.
func TestOffsetsRetention(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.OffsetsRetention = time.Hour
		c.OffsetsRetentionCheckInterval = 10 * time.Minute
	})
	ids, gen := f.formGroup("live", 1)
	f.commit("live", ids[0], gen, "orders", 0, 1)
	f.commit("gone", "", -1, "orders", 0, 2)
	// The live member keeps heartbeating for two hours.
	for i := 0; i < 2*60*60/5; i++ {
		f.clock.Advance(5 * time.Second)
		wantCode(t, "heartbeat", f.heartbeat("live", ids[0], gen, ""), nil)
	}
	if _, err := f.c.Describe("gone"); !isCode(err, kerr.GroupIDNotFound) {
		t.Fatalf("the simple group's offsets should have expired: %v", err)
	}
	if f.committed("live", "orders", 0) != 1 {
		t.Fatal("a live group's offsets expired")
	}
	if !contains(f.eventTypes("gone"), EventOffsetsExpired) || !contains(f.eventTypes("gone"), EventGroupDeleted) {
		t.Fatalf("events %v", f.eventTypes("gone"))
	}
	// The tombstones are in the log: a reload does not bring them back.
	f.c.Unload(0, -1)
	f.openLog(1)
	if _, err := f.c.Describe("gone"); !isCode(err, kerr.GroupIDNotFound) {
		t.Fatalf("expired group came back after a reload: %v", err)
	}
}

// OffsetDelete: the group must exist; a consumer group's subscribed
// topics are protected (GROUP_SUBSCRIBED_TO_TOPIC).
func TestOffsetDelete(t *testing.T) {
	f := newFixture(t, nil)
	ids, gen := f.formGroup("g", 1) // subscribes to "orders"
	f.commit("g", ids[0], gen, "orders", 0, 1)
	f.commit("g", ids[0], gen, "old-topic", 0, 1)
	req := kmsg.NewPtrOffsetDeleteRequest()
	req.Group = "g"
	for _, topic := range []string{"orders", "old-topic"} {
		rt := kmsg.NewOffsetDeleteRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewOffsetDeleteRequestTopicPartition()
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := f.c.DeleteOffsets(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "top", resp.ErrorCode, nil)
	wantCode(t, "subscribed topic", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantCode(t, "unsubscribed topic", resp.Topics[1].Partitions[0].ErrorCode, nil)
	if f.committed("g", "old-topic", 0) != -1 || f.committed("g", "orders", 0) != 1 {
		t.Fatal("wrong offsets deleted")
	}
	req.Group = "nope"
	resp, _ = f.c.DeleteOffsets(ctx, req)
	wantCode(t, "unknown group", resp.ErrorCode, kerr.GroupIDNotFound)
}

func isCode(err error, want *kerr.Error) bool {
	return err != nil && kerrOf(err) == want
}
