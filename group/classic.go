package group

// The classic group: members, generations and the state machine drawn in
// the package doc. The request handlers that drive it are in join.go,
// sync.go, heartbeat.go and leave.go.

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type classicState int8

const (
	stateEmpty classicState = iota
	statePreparingRebalance
	stateCompletingRebalance
	stateStable
	stateDead
)

var classicStateNames = [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}

func (st classicState) String() string { return classicStateNames[st] }

// validPrevious lists, per state, the states it may be entered from.
var validPrevious = map[classicState][]classicState{
	stateEmpty:               {statePreparingRebalance},
	statePreparingRebalance:  {stateStable, stateCompletingRebalance, stateEmpty},
	stateCompletingRebalance: {statePreparingRebalance},
	stateStable:              {stateCompletingRebalance},
	stateDead:                {stateStable, statePreparingRebalance, stateCompletingRebalance, stateEmpty, stateDead},
}

// classicGroup is a group using the classic rebalance protocol.
type classicGroup struct {
	s              *shard
	id             string
	state          classicState
	prevState      classicState
	stateTimestamp int64 // when the current state was entered (ms), -1 if unknown
	generation     int32
	protocolType   string // "" until the first member joins ("simple" groups keep none)
	protocolName   string // selected at each generation
	leader         string

	members map[string]*classicMember
	order   []string          // member ids in join order, for a stable iteration order
	static  map[string]string // group.instance.id -> member id
	// pendingJoin are member ids handed out with MEMBER_ID_REQUIRED
	// (KIP-394) whose owners have not joined with them yet.
	pendingJoin map[string]bool
	// pendingSync are members of the new generation that have not sent
	// SyncGroup yet.
	pendingSync    map[string]bool
	supported      map[string]int // protocol name -> members supporting it
	awaitingJoin   int
	newMemberAdded bool // a member joined during the initial delay
	// subscribed are the topics the members consume, when the group uses
	// the consumer protocol type and their subscriptions could be read.
	subscribed      map[string]bool
	subscribedKnown bool
}

// classicMember is one member of a classic group.
type classicMember struct {
	id               string
	instanceID       string // group.instance.id, "" for a dynamic member
	clientID         string
	clientHost       string
	rebalanceTimeout time.Duration
	sessionTimeout   time.Duration
	protocolType     string
	protocols        []kmsg.JoinGroupRequestProtocol // in the member's order of preference
	assignment       []byte
	// joinCh and syncCh are the parked JoinGroup and SyncGroup requests of
	// the member, each answered exactly once.
	joinCh      chan *kmsg.JoinGroupResponse
	joinVersion int16
	syncCh      chan *kmsg.SyncGroupResponse
	// isNew members have not completed a join yet; they can be expired
	// while their JoinGroup is parked (NewMemberJoinTimeout).
	isNew   bool
	session sessionRenewal
}

func newClassicGroup(s *shard, id string) *classicGroup {
	return &classicGroup{
		s: s, id: id, state: stateEmpty, prevState: stateDead, stateTimestamp: s.nowMs(),
		members: map[string]*classicMember{}, static: map[string]string{},
		pendingJoin: map[string]bool{}, pendingSync: map[string]bool{}, supported: map[string]int{},
	}
}

func (g *classicGroup) groupID() string   { return g.id }
func (g *classicGroup) groupType() Type   { return Classic }
func (g *classicGroup) stateName() string { return g.state.String() }
func (g *classicGroup) isEmpty() bool     { return g.state == stateEmpty }
func (g *classicGroup) epoch() int32      { return g.generation }

// transition moves the group to a new state. A move the state machine
// does not have is a bug in gregor: it is logged as an error (the
// property test fails on it) and made anyway, so a broker never stops
// serving because of it.
func (g *classicGroup) transition(to classicState) {
	ok := false
	for _, from := range validPrevious[to] {
		if from == g.state {
			ok = true
		}
	}
	if !ok {
		g.s.c.logger.Error("invalid classic group state transition", "group", g.id, "from", g.state.String(), "to", to.String())
	}
	g.prevState, g.state = g.state, to
	g.stateTimestamp = g.s.nowMs()
}

// memberList returns the members in join order.
func (g *classicGroup) memberList() []*classicMember {
	out := make([]*classicMember, 0, len(g.order))
	for _, id := range g.order {
		out = append(out, g.members[id])
	}
	return out
}

func (m *classicMember) awaitingJoin() bool { return m.joinCh != nil }
func (m *classicMember) awaitingSync() bool { return m.syncCh != nil }

// hasSatisfiedHeartbeat: a member parked in JoinGroup or SyncGroup counts
// as alive, except a new member, whose join may time out.
func (m *classicMember) hasSatisfiedHeartbeat() bool {
	if m.isNew {
		return false
	}
	return m.awaitingJoin() || m.awaitingSync()
}

func (m *classicMember) metadataFor(protocol string) []byte {
	for _, p := range m.protocols {
		if p.Name == protocol {
			return p.Metadata
		}
	}
	return nil
}

// matches reports whether a rejoin carries the same protocols (names,
// order and metadata) as the member already has.
func (m *classicMember) matches(protocols []kmsg.JoinGroupRequestProtocol) bool {
	if len(protocols) != len(m.protocols) {
		return false
	}
	for i, p := range protocols {
		if p.Name != m.protocols[i].Name || string(p.Metadata) != string(m.protocols[i].Metadata) {
			return false
		}
	}
	return true
}

// vote is the member's most preferred protocol among the candidates.
func (m *classicMember) vote(candidates map[string]bool) string {
	for _, p := range m.protocols {
		if candidates[p.Name] {
			return p.Name
		}
	}
	return ""
}

func (g *classicGroup) add(m *classicMember, joinCh chan *kmsg.JoinGroupResponse) {
	if m.instanceID != "" {
		g.static[m.instanceID] = m.id
	}
	if len(g.members) == 0 {
		g.protocolType = m.protocolType
	}
	if g.leader == "" {
		g.leader = m.id
	}
	g.members[m.id] = m
	g.order = append(g.order, m.id)
	g.addSupported(m, 1)
	m.joinCh = joinCh
	if m.awaitingJoin() {
		g.awaitingJoin++
	}
	delete(g.pendingJoin, m.id)
}

func (g *classicGroup) remove(memberID string) {
	if m := g.members[memberID]; m != nil {
		g.addSupported(m, -1)
		if m.awaitingJoin() {
			g.awaitingJoin--
		}
		if m.instanceID != "" {
			delete(g.static, m.instanceID)
		}
		delete(g.members, memberID)
		for i, id := range g.order {
			if id == memberID {
				g.order = append(g.order[:i:i], g.order[i+1:]...)
				break
			}
		}
	}
	if g.leader == memberID {
		g.leader = ""
		if len(g.order) > 0 {
			g.leader = g.order[0]
		}
	}
	delete(g.pendingJoin, memberID)
	delete(g.pendingSync, memberID)
}

func (g *classicGroup) addSupported(m *classicMember, delta int) {
	for _, p := range m.protocols {
		g.supported[p.Name] += delta
	}
}

// updateMember replaces a rejoining member's protocols and timeouts and
// parks its JoinGroup (joinCh nil: not parked).
func (g *classicGroup) updateMember(m *classicMember, protocols []kmsg.JoinGroupRequestProtocol, rebalance, session time.Duration, joinCh chan *kmsg.JoinGroupResponse, version int16) {
	g.addSupported(m, -1)
	m.protocols = protocols
	g.addSupported(m, 1)
	m.rebalanceTimeout, m.sessionTimeout = rebalance, session
	if joinCh != nil && !m.awaitingJoin() {
		g.awaitingJoin++
	} else if joinCh == nil && m.awaitingJoin() {
		g.awaitingJoin--
	}
	m.joinCh, m.joinVersion = joinCh, version
}

// answerJoin answers a member's parked JoinGroup, if any.
func (g *classicGroup) answerJoin(m *classicMember, resp *kmsg.JoinGroupResponse) bool {
	if !m.awaitingJoin() {
		return false
	}
	m.joinCh <- resp
	m.joinCh = nil
	g.awaitingJoin--
	return true
}

// answerSync answers a member's parked SyncGroup, if any.
func (g *classicGroup) answerSync(m *classicMember, resp *kmsg.SyncGroupResponse) bool {
	if !m.awaitingSync() {
		return false
	}
	m.syncCh <- resp
	m.syncCh = nil
	return true
}

// hasAllMembersJoined: every member has a JoinGroup parked and no member
// id handed out by MEMBER_ID_REQUIRED is still outstanding.
func (g *classicGroup) hasAllMembersJoined() bool {
	return len(g.members) == g.awaitingJoin && len(g.pendingJoin) == 0
}

// rebalanceTimeout is the longest rebalance timeout of the members.
func (g *classicGroup) rebalanceTimeout() time.Duration {
	var d time.Duration
	for _, m := range g.members {
		d = max(d, m.rebalanceTimeout)
	}
	return d
}

// canRebalance: a rebalance may start from Empty, Stable or
// CompletingRebalance.
func (g *classicGroup) canRebalance() bool {
	return g.state == stateEmpty || g.state == stateStable || g.state == stateCompletingRebalance
}

// supportsProtocols reports whether a member with these protocols can be
// in the group: an empty group takes any non-empty protocol list; a
// non-empty one needs the same protocol type and at least one protocol
// every current member supports.
func (g *classicGroup) supportsProtocols(protocolType string, protocols []kmsg.JoinGroupRequestProtocol) bool {
	if g.state == stateEmpty {
		return protocolType != "" && len(protocols) > 0
	}
	if g.protocolType != protocolType {
		return false
	}
	for _, p := range protocols {
		if g.supported[p.Name] == len(g.members) {
			return true
		}
	}
	return false
}

// selectProtocol picks the group's protocol for the next generation:
// among the protocols every member supports, each member votes for its
// most preferred, and the most votes win. Kafka breaks a tie arbitrarily;
// gregor picks the tied protocol named first by the earliest member, so
// the outcome is repeatable.
func (g *classicGroup) selectProtocol() string {
	candidates := map[string]bool{}
	for name, n := range g.supported {
		if n == len(g.members) {
			candidates[name] = true
		}
	}
	votes := map[string]int{}
	best := 0
	for _, m := range g.memberList() {
		v := m.vote(candidates)
		votes[v]++
		best = max(best, votes[v])
	}
	for _, m := range g.memberList() {
		for _, p := range m.protocols {
			if votes[p.Name] == best && candidates[p.Name] {
				return p.Name
			}
		}
	}
	return ""
}

// initNextGeneration starts a new generation once the join phase ends:
// with members, the group selects a protocol and waits for the leader's
// assignment (CompletingRebalance); without, it is Empty.
func (g *classicGroup) initNextGeneration() {
	g.generation++
	if len(g.members) > 0 {
		g.protocolName = g.selectProtocol()
		g.computeSubscribed()
		g.transition(stateCompletingRebalance)
	} else {
		g.protocolName = ""
		g.computeSubscribed()
		g.transition(stateEmpty)
	}
	g.pendingSync = map[string]bool{}
}

// unload answers the parked requests of a group whose shard is unloaded.
func (g *classicGroup) unload() {
	prev := g.state
	g.transition(stateDead)
	for _, m := range g.memberList() {
		switch prev {
		case statePreparingRebalance:
			g.answerJoin(m, joinError(m.id, kerr.NotCoordinator))
		case stateCompletingRebalance, stateStable:
			g.answerSync(m, syncError(kerr.NotCoordinator))
		}
	}
}

// replayGroupMetadata rebuilds a classic group from its GroupMetadata
// record (nil: the group was deleted).
func (s *shard) replayGroupMetadata(groupID string, v *kmsg.GroupMetadataValue) {
	if v == nil {
		delete(s.groups, groupID)
		return
	}
	g := newClassicGroup(s, groupID)
	g.generation = v.Generation
	g.protocolType = v.ProtocolType
	if v.Protocol != nil {
		g.protocolName = *v.Protocol
	}
	g.stateTimestamp = v.CurrentStateTimestamp
	if v.Version < 2 {
		g.stateTimestamp = -1
	}
	for _, mm := range v.Members {
		m := &classicMember{
			id: mm.MemberID, clientID: mm.ClientID, clientHost: mm.ClientHost,
			sessionTimeout: time.Duration(mm.SessionTimeoutMillis) * time.Millisecond,
			protocolType:   v.ProtocolType,
			protocols:      []kmsg.JoinGroupRequestProtocol{{Name: g.protocolName, Metadata: mm.Subscription}},
			assignment:     mm.Assignment,
		}
		m.rebalanceTimeout = m.sessionTimeout
		if mm.RebalanceTimeoutMillis >= 0 && v.Version >= 1 {
			m.rebalanceTimeout = time.Duration(mm.RebalanceTimeoutMillis) * time.Millisecond
		}
		if mm.InstanceID != nil {
			m.instanceID = *mm.InstanceID
		}
		g.add(m, nil)
	}
	if v.Leader != nil {
		g.leader = *v.Leader
	}
	if len(g.members) > 0 {
		g.state = stateStable
	}
	g.computeSubscribed()
	s.groups[groupID] = g
}

func joinError(memberID string, code *kerr.Error) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.MemberID = memberID
	r.ErrorCode = code.Code
	r.Generation = -1
	return r
}

func syncError(code *kerr.Error) *kmsg.SyncGroupResponse {
	r := kmsg.NewPtrSyncGroupResponse()
	r.ErrorCode = code.Code
	return r
}
