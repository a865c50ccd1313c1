package group

// ConsumerGroupHeartbeat (KIP-848): the one request of the consumer
// protocol. A member heartbeats every group.consumer.heartbeat.interval.ms
// with its member id and epoch, and, when they change, its subscription
// (topic names or a regular expression), its server assignor and the
// partitions it owns. Each heartbeat:
//
//  1. creates or updates the member; a new member or a changed
//     subscription (or a subscribed topic that changed size) bumps the
//     group epoch;
//  2. if the group epoch moved past the assignment epoch, computes a new
//     target assignment with the server-side assignor;
//  3. moves the member one step towards its target (reconcile.go) and
//     answers with its epoch and, when it changed, its assignment.
//
// Epoch 0 joins, -1 leaves, -2 is a static member leaving for a restart
// (it keeps its partitions until it returns with the same
// group.instance.id or its session times out). A member that misses its
// heartbeats for group.consumer.session.timeout.ms is fenced; one that
// does not revoke partitions within its rebalance timeout is fenced too.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func sessionKey(groupID, memberID string) string {
	return "session-timeout-" + groupID + "-" + memberID
}
func rebalanceKey(groupID, memberID string) string {
	return "rebalance-timeout-" + groupID + "-" + memberID
}

// ConsumerGroupHeartbeat handles a ConsumerGroupHeartbeat request.
func (c *Coordinator) ConsumerGroupHeartbeat(ctx context.Context, client Client, req *kmsg.ConsumerGroupHeartbeatRequest) *kmsg.ConsumerGroupHeartbeatResponse {
	resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
	fail := func(err error) *kmsg.ConsumerGroupHeartbeatResponse {
		resp.ErrorCode, resp.ErrorMessage = kafkaerr.Code(err), kafkaerr.Message(err)
		return resp
	}
	if !c.cfg.protocolEnabled("consumer") {
		return fail(kafkaerr.New(kerr.UnsupportedVersion, "the consumer group protocol is not enabled (group.coordinator.rebalance.protocols)"))
	}
	if err := c.validateConsumerHeartbeat(req); err != nil {
		return fail(err)
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		return fail(err)
	}
	var opErr error
	err = s.do(func() {
		var r *kmsg.ConsumerGroupHeartbeatResponse
		r, opErr = s.consumerHeartbeat(client, req)
		if opErr == nil {
			resp = r
		}
		if g, ok := s.groups[req.Group].(*consumerGroup); ok {
			s.reportConsumerState(g)
		}
	})
	if err == nil {
		err = opErr
	}
	if err != nil {
		return fail(err)
	}
	return resp
}

// validateConsumerHeartbeat checks a heartbeat's fields, as Kafka does
// before looking at the group (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR,
// INVALID_REGULAR_EXPRESSION).
func (c *Coordinator) validateConsumerHeartbeat(req *kmsg.ConsumerGroupHeartbeatRequest) error {
	invalid := func(msg string) error { return kafkaerr.New(kerr.InvalidRequest, "%s", msg) }
	if (req.Version >= 1 || req.MemberEpoch > 0 || req.MemberEpoch == leaveEpoch) && req.MemberID == "" {
		return invalid("MemberId can't be empty.")
	}
	if req.Group == "" {
		return invalid("GroupId can't be empty.")
	}
	if req.InstanceID != nil && *req.InstanceID == "" {
		return invalid("InstanceId can't be empty.")
	}
	if req.RackID != nil && *req.RackID == "" {
		return invalid("RackId can't be empty.")
	}
	switch {
	case req.MemberEpoch == joinEpoch:
		if req.RebalanceTimeoutMillis == -1 {
			return invalid("RebalanceTimeoutMs must be provided in first request.")
		}
		if req.Topics == nil || len(req.Topics) > 0 {
			return invalid("TopicPartitions must be empty when (re-)joining.")
		}
		if req.SubscribedTopicNames == nil && req.SubscribedTopicRegex == nil {
			return invalid("Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.")
		}
	case req.MemberEpoch == staticLeaveEpoch:
		if req.InstanceID == nil {
			return invalid("InstanceId can't be null.")
		}
	case req.MemberEpoch < staticLeaveEpoch:
		return invalid("MemberEpoch is invalid.")
	}
	if req.ServerAssignor != nil && assignorByName(*req.ServerAssignor) == nil {
		return kafkaerr.New(kerr.UnsupportedAssignor, "ServerAssignor %s is not supported. Supported assignors: %v.", *req.ServerAssignor, c.cfg.ConsumerAssignors)
	}
	if req.SubscribedTopicRegex != nil && *req.SubscribedTopicRegex != "" {
		if _, err := compileTopicRegex(*req.SubscribedTopicRegex); err != nil {
			return kafkaerr.New(kerr.InvalidRegularExpression, "SubscribedTopicRegex %s is not a valid regular expression: %v", *req.SubscribedTopicRegex, err)
		}
	}
	return nil
}

// compileTopicRegex compiles a subscription regex. Kafka matches it with
// RE2/J against the whole topic name; Go's regexp is RE2 as well.
func compileTopicRegex(expr string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + expr + ")$")
}

// consumerHeartbeat runs one heartbeat through the phases of Kafka's
// GroupMetadataManager.consumerGroupHeartbeat: find the member and check
// its epoch, update its subscription, bump the group epoch if the
// subscriptions changed, compute a new target assignment for a new group
// epoch, and reconcile the member one step towards its target.
func (s *shard) consumerHeartbeat(client Client, req *kmsg.ConsumerGroupHeartbeatRequest) (*kmsg.ConsumerGroupHeartbeatResponse, error) {
	if req.MemberEpoch == leaveEpoch || req.MemberEpoch == staticLeaveEpoch {
		return s.consumerLeave(req)
	}
	g, err := s.consumerGroupFor(req.Group, req.MemberEpoch == joinEpoch)
	if err != nil {
		return nil, err
	}
	hb, err := s.heartbeatMemberOf(g, req)
	if err != nil {
		return nil, err
	}

	// 1. The member with the request's changes.
	updated, subscriptionChanged := hb.updatedMember(client, req)
	s.storeMember(g, hb, updated, client)
	s.bumpGroupEpoch(g, subscriptionChanged)

	// 2. A new target assignment for a new group epoch, unless the last
	// one is too recent.
	if g.groupEpoch > g.assignmentEpoch && s.canComputeTargetAssignment(g) {
		s.computeTargetAssignment(g)
	}

	// 3. One reconciliation step for this member.
	after := s.reconcileMember(g, hb.id, hb.owned)
	s.scheduleSession(g.id, hb.id)
	return s.heartbeatResponse(req, hb.old, after), nil
}

// heartbeatMember is who a heartbeat comes from, once its member epoch
// has been checked.
type heartbeatMember struct {
	id         string
	instanceID string
	// owned are the partitions the member reports; nil if it did not.
	owned assignment
	// old is the member as the group knows it; nil for a new member.
	old *consumerMember
	// replaced is a static member's previous incarnation, which a
	// rejoining member takes over (with a new member id).
	replaced *consumerMember
	isNew    bool
}

// heartbeatMemberOf finds the heartbeat's member and validates its
// epoch: a dynamic member by its member id, a static one by its
// group.instance.id. A join beyond group.consumer.max.size is refused.
func (s *shard) heartbeatMemberOf(g *consumerGroup, req *kmsg.ConsumerGroupHeartbeatRequest) (heartbeatMember, error) {
	hb := heartbeatMember{id: req.MemberID, owned: ownedFromRequest(req.Topics)}
	max := s.c.cfg.ConsumerMaxSize
	if len(g.members) >= max && (hb.id == "" || g.members[hb.id] == nil) {
		return hb, kafkaerr.New(kerr.GroupMaxSizeReached, "the consumer group has reached its maximum capacity of %d members", max)
	}
	if hb.id == "" {
		hb.id = newUUID()
	}
	if req.InstanceID != nil {
		hb.instanceID = *req.InstanceID
	}
	create := req.MemberEpoch == joinEpoch
	if hb.instanceID == "" {
		return hb, hb.checkDynamicMember(g, req.MemberEpoch, create)
	}
	return hb, hb.checkStaticMember(g, req.MemberEpoch, create)
}

// checkDynamicMember: a member without a group.instance.id is known by
// its member id; only a join may bring a new one.
func (hb *heartbeatMember) checkDynamicMember(g *consumerGroup, epoch int32, create bool) error {
	hb.old = g.members[hb.id]
	if hb.old == nil {
		if !create {
			return kafkaerr.New(kerr.UnknownMemberID, "member %s is not a member of group %s", hb.id, g.id)
		}
		hb.isNew = true
		return nil
	}
	return checkMemberEpoch(hb.old, epoch, hb.owned)
}

// checkStaticMember: a static member is known by its group.instance.id.
// It may rejoin only after its previous incarnation left with epoch -2;
// a heartbeat from another member id with the same instance id is fenced.
func (hb *heartbeatMember) checkStaticMember(g *consumerGroup, epoch int32, create bool) error {
	existing := g.members[g.static[hb.instanceID]]
	if create {
		if existing == nil {
			hb.isNew = true
			return nil
		}
		if existing.epoch != staticLeaveEpoch {
			return kafkaerr.New(kerr.UnreleasedInstanceID, "static member %s with instance id %s cannot join the group because the instance id is owned by member %s", hb.id, hb.instanceID, existing.id)
		}
		// The static member is back: it takes over the previous
		// member's place, target and partitions, with a new id.
		hb.replaced = existing
		return nil
	}
	if existing == nil {
		return kafkaerr.New(kerr.UnknownMemberID, "instance id %s is unknown", hb.instanceID)
	}
	if existing.id != hb.id {
		return kafkaerr.New(kerr.FencedInstanceID, "static member %s with instance id %s was fenced by member %s", hb.id, hb.instanceID, existing.id)
	}
	if err := checkMemberEpoch(existing, epoch, hb.owned); err != nil {
		return err
	}
	hb.old = existing
	return nil
}

// updatedMember is the member with the heartbeat's changes (rack,
// rebalance timeout, assignor, subscription, client), and whether its
// subscription changed. Fields the heartbeat leaves out keep their value.
func (hb *heartbeatMember) updatedMember(client Client, req *kmsg.ConsumerGroupHeartbeatRequest) (*consumerMember, bool) {
	var updated *consumerMember
	switch {
	case hb.replaced != nil:
		updated = hb.replaced.clone()
		updated.id = hb.id
		updated.epoch, updated.previousEpoch = 0, 0
	case hb.old != nil:
		updated = hb.old.clone()
	default:
		updated = &consumerMember{id: hb.id, assigned: assignment{}, pendingRevocation: assignment{}}
	}
	if hb.instanceID != "" {
		updated.instanceID = hb.instanceID
	}
	if req.RackID != nil {
		updated.rackID = *req.RackID
	}
	if req.RebalanceTimeoutMillis != -1 {
		updated.rebalanceTimeout = time.Duration(req.RebalanceTimeoutMillis) * time.Millisecond
	}
	if req.ServerAssignor != nil {
		updated.serverAssignor = *req.ServerAssignor
	}
	subscriptionChanged := false
	if req.SubscribedTopicNames != nil {
		names := append([]string(nil), req.SubscribedTopicNames...)
		sort.Strings(names)
		if fmt.Sprint(names) != fmt.Sprint(updated.subscribedNames) {
			subscriptionChanged = true
		}
		updated.subscribedNames = names
	}
	if req.SubscribedTopicRegex != nil && *req.SubscribedTopicRegex != updated.subscribedRegex {
		subscriptionChanged = true
		updated.subscribedRegex = *req.SubscribedTopicRegex
	}
	updated.clientID, updated.clientHost = client.ID, client.Host
	return updated, subscriptionChanged
}

// storeMember puts the updated member in the group. A returning static
// member replaces its previous incarnation, which is fenced, and takes
// over its target assignment.
func (s *shard) storeMember(g *consumerGroup, hb heartbeatMember, updated *consumerMember, client Client) {
	if r := hb.replaced; r != nil {
		s.cancelConsumerTimers(g.id, r.id)
		g.target[hb.id] = g.target[r.id]
		delete(g.target, r.id)
		g.updateMember(r, nil)
		s.emit(Event{Type: EventMemberFenced, Group: g.id, Member: r.id, InstanceID: hb.instanceID, ClientID: r.clientID,
			Reason: fmt.Sprintf("static member %s rejoined as %s", hb.instanceID, hb.id)})
		g.updateMember(nil, updated)
	} else {
		g.updateMember(hb.old, updated)
	}
	if hb.isNew {
		s.emit(Event{Type: EventMemberJoined, Group: g.id, Member: hb.id, InstanceID: hb.instanceID, ClientID: client.ID,
			Reason: "joined with the consumer protocol"})
	}
}

// bumpGroupEpoch moves the group epoch when a member's subscription
// changed (a new member's included) or when the subscribed topics changed
// (a topic created, deleted or grown). A new group needs no bump of its
// own: it starts one epoch ahead of its target assignment.
func (s *shard) bumpGroupEpoch(g *consumerGroup, subscriptionChanged bool) {
	bump := subscriptionChanged
	if meta := g.subscriptionMetadata(s.c.topics()); !sameTopics(meta, g.subscribed) {
		g.subscribed = meta
		bump = true
	}
	if bump {
		g.groupEpoch++
		s.c.logger.Info("bumped consumer group epoch", "group", g.id, "epoch", g.groupEpoch)
	}
}

// reconcileMember moves the member one step towards its target
// assignment (reconcile.go) and returns it as it is now.
func (s *shard) reconcileMember(g *consumerGroup, memberID string, owned assignment) *consumerMember {
	before := g.members[memberID]
	if before.reconciledTo(g.assignmentEpoch) {
		return before
	}
	after := g.reconcile(before, g.assignmentEpoch, g.target[memberID], owned)
	if after != before {
		g.updateMember(before, after)
		s.onMemberReconciled(g, before, after)
	}
	return after
}

// heartbeatResponse answers with the member's id and epoch, and its
// assignment when it changed or the heartbeat was a full one (a join, or
// one that carries every field, as after a reconnect).
func (s *shard) heartbeatResponse(req *kmsg.ConsumerGroupHeartbeatRequest, old, m *consumerMember) *kmsg.ConsumerGroupHeartbeatResponse {
	resp := kmsg.NewPtrConsumerGroupHeartbeatResponse()
	resp.MemberID = &m.id
	resp.MemberEpoch = m.epoch
	resp.HeartbeatIntervalMillis = int32(s.c.cfg.ConsumerHeartbeatInterval.Milliseconds())
	full := req.MemberEpoch == joinEpoch || (req.RebalanceTimeoutMillis != -1 && req.SubscribedTopicNames != nil && req.Topics != nil)
	if full || old == nil || !old.assigned.equal(m.assigned) {
		a := kmsg.NewConsumerGroupHeartbeatResponseAssignment()
		for _, t := range sortedTopicIDs(m.assigned) {
			at := kmsg.NewConsumerGroupHeartbeatResponseAssignmentTopic()
			at.TopicID, at.Partitions = t, sortedParts(m.assigned[t])
			a.Topics = append(a.Topics, at)
		}
		if a.Topics == nil {
			a.Topics = []kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{}
		}
		resp.Assignment = &a
	}
	return resp
}

// consumerGroupFor returns the consumer group, creating it on a join. An
// empty classic group of the same id is replaced (Kafka converts it); a
// classic group with members is not a consumer group (GROUP_ID_NOT_FOUND).
func (s *shard) consumerGroupFor(groupID string, create bool) (*consumerGroup, error) {
	switch g := s.groups[groupID].(type) {
	case *consumerGroup:
		return g, nil
	case *classicGroup:
		if !create || !g.isEmpty() {
			return nil, kafkaerr.New(kerr.GroupIDNotFound, "group %s is not a consumer group", groupID)
		}
		// The empty classic group is deleted (a tombstone), its offsets
		// stay and now belong to the consumer group.
		s.write([]logRecord{groupTombstone(groupID)}, nil, func(error) {})
	case nil:
		if !create {
			// Kafka would find the member in its persisted state; gregor
			// keeps consumer groups in memory only, so a coordinator that
			// does not know the group tells the member to rejoin.
			return nil, kafkaerr.New(kerr.UnknownMemberID, "consumer group %s is not known to this coordinator; rejoin with epoch 0", groupID)
		}
	}
	g := newConsumerGroup(s, groupID)
	s.groups[groupID] = g
	return g, nil
}

// checkMemberEpoch: a member must heartbeat with its current epoch, or
// with the previous one if it owns a subset of its current partitions
// (the response that moved it on may have been lost). Otherwise it is
// fenced and must rejoin with epoch 0.
func checkMemberEpoch(m *consumerMember, epoch int32, owned assignment) error {
	if epoch > m.epoch {
		return kafkaerr.New(kerr.FencedMemberEpoch, "the consumer group member has a greater member epoch (%d) than the one known by the group coordinator (%d); the member must abandon all its partitions and rejoin", epoch, m.epoch)
	}
	if epoch < m.epoch && (epoch != m.previousEpoch || !isSubset(owned, m.assigned)) {
		return kafkaerr.New(kerr.FencedMemberEpoch, "the consumer group member has a smaller member epoch (%d) than the one known by the group coordinator (%d); the member must abandon all its partitions and rejoin", epoch, m.epoch)
	}
	return nil
}

func isSubset(owned, of assignment) bool {
	if owned == nil {
		return false
	}
	for t, ps := range owned {
		for p := range ps {
			if !of.has(t, p) {
				return false
			}
		}
	}
	return true
}

// ownedFromRequest reads the owned partitions of a heartbeat; nil when
// the member did not report them.
func ownedFromRequest(topics []kmsg.ConsumerGroupHeartbeatRequestTopic) assignment {
	if topics == nil {
		return nil
	}
	a := assignment{}
	for _, t := range topics {
		for _, p := range t.Partitions {
			a.add(t.TopicID, p)
		}
	}
	return a
}

func sortedTopicIDs(a assignment) []topicID { return keys(a) }

// newUUID is a member id as Kafka makes it: a random UUID in URL-safe
// base64 (consumers of ConsumerGroupHeartbeat v1 bring their own).
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return base64.RawURLEncoding.EncodeToString(b[:])
}
