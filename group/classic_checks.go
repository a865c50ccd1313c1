package group

// What a classic group accepts from outside its rebalances: which
// members may commit offsets, fetch them, delete them or delete the
// group, and which of its offsets may expire.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// computeSubscribed reads the members' subscriptions when the group uses
// the consumer protocol type; it stays unknown for other protocol types
// (Kafka Connect, Schema Registry) or unreadable metadata.
func (g *classicGroup) computeSubscribed() {
	g.subscribed, g.subscribedKnown = nil, false
	if g.protocolType != "consumer" {
		return
	}
	topics := map[string]bool{}
	if len(g.members) > 0 && g.protocolName == "" {
		return
	}
	for _, m := range g.members {
		var meta kmsg.ConsumerMemberMetadata
		if err := meta.ReadFrom(m.metadataFor(g.protocolName)); err != nil {
			return
		}
		for _, t := range meta.Topics {
			topics[t] = true
		}
	}
	g.subscribed, g.subscribedKnown = topics, true
}

func (g *classicGroup) usesConsumerProtocol() bool { return g.protocolType == "consumer" }

func (g *classicGroup) isSubscribedTo(topic string) bool {
	if g.subscribedKnown {
		return g.subscribed[topic]
	}
	return g.usesConsumerProtocol()
}

// validateMember checks that memberID is in the group and, for a static
// member, that it is the current holder of its group.instance.id.
func (g *classicGroup) validateMember(memberID, instanceID string) error {
	if instanceID != "" {
		cur, ok := g.static[instanceID]
		if !ok {
			return kafkaerr.New(kerr.UnknownMemberID, "group %s has no static member with group.instance.id %s", g.id, instanceID)
		}
		if cur != memberID {
			return kafkaerr.New(kerr.FencedInstanceID, "group.instance.id %s of group %s now belongs to member %s, not %s", instanceID, g.id, cur, memberID)
		}
	}
	if g.members[memberID] == nil {
		return kafkaerr.New(kerr.UnknownMemberID, "group %s has no member %q", g.id, memberID)
	}
	return nil
}

// validateGenerationMember applies the checks SyncGroup and Heartbeat
// share, in Kafka's order: the group is alive, the member (and its
// group.instance.id) is known, and it speaks for the current generation.
func (g *classicGroup) validateGenerationMember(memberID string, instanceID *string, generation int32) *kerr.Error {
	if g.state == stateDead {
		return kerr.CoordinatorNotAvailable
	}
	id := ""
	if instanceID != nil {
		id = *instanceID
	}
	if err := g.validateMember(memberID, id); err != nil {
		return kerrOf(err)
	}
	if generation != g.generation {
		return kerr.IllegalGeneration
	}
	return nil
}

func (g *classicGroup) validateOffsetCommit(c commitIdentity) error {
	if g.state == stateDead {
		return kafkaerr.New(kerr.CoordinatorNotAvailable, "group %s is dead", g.id)
	}
	if c.generation < 0 && g.state == stateEmpty {
		// A commit from outside the group's management (a simple
		// consumer or an admin tool) is fine while nobody is a member.
		return nil
	}
	if c.generation >= 0 || c.memberID != "" || c.instanceID != "" {
		if err := g.validateMember(c.memberID, c.instanceID); err != nil {
			return err
		}
		if c.generation != g.generation {
			return kafkaerr.New(kerr.IllegalGeneration, "group %s is at generation %d, the commit is for generation %d", g.id, g.generation, c.generation)
		}
	} else if g.state != stateEmpty {
		return kafkaerr.New(kerr.UnknownMemberID, "group %s has members: commits without a member id are only accepted while it is empty", g.id)
	}
	if g.state == stateCompletingRebalance && !c.transactional {
		return kafkaerr.New(kerr.RebalanceInProgress, "group %s is completing a rebalance", g.id)
	}
	return nil
}

func (g *classicGroup) validateOffsetFetch(memberID *string, memberEpoch int32) error {
	if g.state == stateDead {
		return kafkaerr.New(kerr.GroupIDNotFound, "group %s is dead", g.id)
	}
	return nil
}

func (g *classicGroup) validateOffsetDelete() error {
	switch g.state {
	case stateDead:
		return kafkaerr.New(kerr.GroupIDNotFound, "group %s is dead", g.id)
	case stateStable, statePreparingRebalance, stateCompletingRebalance:
		if !g.usesConsumerProtocol() {
			return kafkaerr.New(kerr.NonEmptyGroup, "group %s has members", g.id)
		}
	}
	return nil
}

func (g *classicGroup) validateDelete() error {
	switch g.state {
	case stateDead:
		return kafkaerr.New(kerr.GroupIDNotFound, "group %s is dead", g.id)
	case stateStable, statePreparingRebalance, stateCompletingRebalance:
		return kafkaerr.New(kerr.NonEmptyGroup, "the group %s is not empty", g.id)
	}
	return nil
}

// expiryBase: offsets of an empty group expire offsets.retention.minutes
// after the group became empty; offsets of a simple group (no protocol)
// that long after their commit; a stable consumer-protocol group's
// offsets for topics it no longer consumes that long after their commit.
// Otherwise offsets are kept.
func (g *classicGroup) expiryBase(o offsetEntry) (int64, bool) {
	if g.protocolType == "" {
		return o.commitTimestamp, true
	}
	switch {
	case g.state == stateEmpty:
		if g.stateTimestamp >= 0 {
			return g.stateTimestamp, true
		}
		return o.commitTimestamp, true
	case g.usesConsumerProtocol() && g.subscribedKnown && g.state == stateStable:
		return o.commitTimestamp, true
	}
	return 0, false
}
