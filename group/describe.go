package group

// Describing a group for Go callers (tests, examples, monitoring): the
// same facts kafka-consumer-groups.sh --describe prints, without going
// through the protocol.

import (
	"sort"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Description is a snapshot of one group.
type Description struct {
	Group string
	Type  Type
	// State is Empty, PreparingRebalance, CompletingRebalance, Stable or
	// Dead (classic), or Empty, Assigning, Reconciling, Stable (consumer).
	State        string
	ProtocolType string
	// Protocol is the classic group's selected protocol (its client-side
	// assignor, e.g. "range" or "cooperative-sticky") or the consumer
	// group's server-side assignor ("uniform", "range").
	Protocol string
	// Generation is the classic generation id or the consumer group
	// epoch.
	Generation int32
	Leader     string // classic groups
	Members    []MemberDescription
	// Offsets are the group's committed offsets, by topic and partition.
	Offsets []OffsetDescription
}

// MemberDescription is one member of a group.
type MemberDescription struct {
	MemberID   string
	InstanceID string
	ClientID   string
	ClientHost string
	// Assignment is the member's current partitions by topic (decoded
	// from the consumer protocol; empty for other protocol types).
	Assignment map[string][]int32
	// Consumer protocol only: the member's epoch, the partitions it is
	// still to give up (Revoking) and the topics it subscribes to.
	MemberEpoch int32
	Revoking    map[string][]int32
	Subscribed  []string
	// SessionRenewedAt is the cluster clock's reading when the member's
	// session deadline was last pushed out (a heartbeat, or a classic
	// member's JoinGroup, SyncGroup or OffsetCommit), and SessionRenewals
	// how many times that has happened. A member is evicted once
	// session.timeout.ms passes after SessionRenewedAt.
	SessionRenewedAt time.Time
	SessionRenewals  int64
	// AwaitingRebalance: a classic member parked in JoinGroup or
	// SyncGroup, which needs no heartbeat until it is answered.
	AwaitingRebalance bool
}

// OffsetDescription is one committed offset.
type OffsetDescription struct {
	Topic       string
	Partition   int32
	Offset      int64
	LeaderEpoch int32
	Metadata    string
}

// Owner returns the member that owns a partition, if any.
func (d Description) Owner(topic string, partition int32) (MemberDescription, bool) {
	for _, m := range d.Members {
		for _, p := range m.Assignment[topic] {
			if p == partition {
				return m, true
			}
		}
	}
	return MemberDescription{}, false
}

// Describe returns a snapshot of a group this coordinator holds:
// NOT_COORDINATOR if its partition is not loaded here, GROUP_ID_NOT_FOUND
// if the group does not exist.
func (c *Coordinator) Describe(groupID string) (Description, error) {
	s, err := c.shardFor(groupID)
	if err != nil {
		return Description{}, err
	}
	var d Description
	var notFound error
	err = s.read(func() {
		g := s.groups[groupID]
		if g == nil {
			notFound = kafkaerr.New(kerr.GroupIDNotFound, "group %s does not exist", groupID)
			return
		}
		d = g.describe()
		for _, topic := range s.offsets.sortedTopics(groupID) {
			parts := s.offsets[groupID][topic]
			for _, p := range sortedPartitions(parts) {
				o := parts[p]
				d.Offsets = append(d.Offsets, OffsetDescription{Topic: topic, Partition: p, Offset: o.offset, LeaderEpoch: o.leaderEpoch, Metadata: o.metadata})
			}
		}
	})
	if err == nil {
		err = notFound
	}
	return d, err
}

// Listing is one group in List.
type Listing struct {
	Group        string
	Type         Type
	State        string
	ProtocolType string
}

// List returns the groups of every partition this coordinator holds, by
// group id.
func (c *Coordinator) List() []Listing {
	var out []Listing
	for _, s := range c.allShards() {
		_ = s.read(func() {
			for _, g := range s.groups {
				d := g.describe()
				out = append(out, Listing{Group: d.Group, Type: d.Type, State: d.State, ProtocolType: d.ProtocolType})
			}
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

func (g *classicGroup) describe() Description {
	d := Description{Group: g.id, Type: Classic, State: g.state.String(), ProtocolType: g.protocolType,
		Protocol: g.protocolName, Generation: g.generation, Leader: g.leader}
	for _, m := range g.memberList() {
		md := MemberDescription{MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID, ClientHost: m.clientHost,
			Assignment: map[string][]int32{}, AwaitingRebalance: m.awaitingJoin() || m.awaitingSync()}
		m.session.describe(&md)
		if g.protocolType == "consumer" {
			md.Assignment = decodeConsumerAssignment(m.assignment)
			if g.protocolName != "" {
				md.Subscribed = consumerSubscription(m.metadataFor(g.protocolName))
			}
		}
		d.Members = append(d.Members, md)
	}
	return d
}
