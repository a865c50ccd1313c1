package group

// Admin requests: DescribeGroups, ListGroups and DeleteGroups, what
// kafka-consumer-groups.sh --describe / --list / --delete send.

import (
	"context"
	"sort"
	"strings"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeGroups describes classic groups. Members are listed with their
// client id and host; a Stable group also shows each member's
// subscription and assignment bytes. Unknown groups (and consumer-protocol
// groups, which ConsumerGroupDescribe describes) read as Dead.
func (c *Coordinator) DescribeGroups(ctx context.Context, groupIDs []string) []kmsg.DescribeGroupsResponseGroup {
	out := make([]kmsg.DescribeGroupsResponseGroup, 0, len(groupIDs))
	for _, id := range groupIDs {
		d := kmsg.NewDescribeGroupsResponseGroup()
		d.Group = id
		s, err := c.shardFor(id)
		if err == nil {
			err = s.read(func() { d = s.describeClassic(id) })
		}
		if err != nil {
			d.ErrorCode = kafkaerr.Code(err)
		}
		out = append(out, d)
	}
	return out
}

func (s *shard) describeClassic(id string) kmsg.DescribeGroupsResponseGroup {
	d := kmsg.NewDescribeGroupsResponseGroup()
	d.Group = id
	g, ok := s.groups[id].(*classicGroup)
	if !ok {
		d.State = "Dead"
		return d
	}
	d.State = g.state.String()
	d.ProtocolType = g.protocolType
	stable := g.state == stateStable
	if stable {
		d.Protocol = g.protocolName
	}
	d.Members = []kmsg.DescribeGroupsResponseGroupMember{}
	for _, m := range g.memberList() {
		dm := kmsg.NewDescribeGroupsResponseGroupMember()
		dm.MemberID, dm.ClientID, dm.ClientHost = m.id, m.clientID, m.clientHost
		if m.instanceID != "" {
			inst := m.instanceID
			dm.InstanceID = &inst
		}
		dm.ProtocolMetadata, dm.MemberAssignment = []byte{}, []byte{}
		if stable {
			dm.ProtocolMetadata = m.metadataFor(g.protocolName)
			if m.assignment != nil {
				dm.MemberAssignment = m.assignment
			}
		}
		d.Members = append(d.Members, dm)
	}
	return d
}

// ListGroups lists the groups of every partition this broker
// coordinates, filtered by state (v4+, case-insensitive) and type (v5+).
// Clients ask every broker and merge the answers.
func (c *Coordinator) ListGroups(ctx context.Context, states, types []string) ([]kmsg.ListGroupsResponseGroup, error) {
	stateSet := map[string]bool{}
	for _, st := range states {
		stateSet[strings.ToLower(strings.TrimSpace(st))] = true
	}
	typeSet := map[Type]bool{}
	for _, t := range types {
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "classic":
			typeSet[Classic] = true
		case "consumer":
			typeSet[Consumer] = true
		default:
			// Kafka's GroupType.parse maps unknown names to UNKNOWN,
			// which no group has.
			typeSet[Type("unknown")] = true
		}
	}
	var out []kmsg.ListGroupsResponseGroup
	for _, s := range c.allShards() {
		err := s.read(func() {
			for _, g := range s.groups {
				if len(stateSet) > 0 && !stateSet[strings.ToLower(g.stateName())] {
					continue
				}
				if len(typeSet) > 0 && !typeSet[g.groupType()] {
					continue
				}
				lg := kmsg.NewListGroupsResponseGroup()
				lg.Group = g.groupID()
				lg.GroupState = g.stateName()
				lg.GroupType = string(g.groupType())
				if cg, ok := g.(*classicGroup); ok {
					lg.ProtocolType = cg.protocolType
				} else {
					lg.ProtocolType = "consumer"
				}
				out = append(out, lg)
			}
		})
		if err != nil && kafkaerr.Code(err) == kerr.CoordinatorLoadInProgress.Code {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out, nil
}

// DeleteGroups deletes empty groups and all their committed offsets
// (NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown
// groups). Tombstones for the group and each offset are written to
// __consumer_offsets.
func (c *Coordinator) DeleteGroups(ctx context.Context, groupIDs []string) ([]kmsg.DeleteGroupsResponseGroup, error) {
	out := make([]kmsg.DeleteGroupsResponseGroup, 0, len(groupIDs))
	for _, id := range groupIDs {
		r := kmsg.NewDeleteGroupsResponseGroup()
		r.Group = id
		s, err := c.shardFor(id)
		if err != nil {
			r.ErrorCode = kafkaerr.Code(err)
			out = append(out, r)
			continue
		}
		done := make(chan error, 1)
		err = s.do(func() {
			g := s.groups[id]
			if g == nil {
				done <- kafkaerr.New(kerr.GroupIDNotFound, "group %s does not exist", id)
				return
			}
			if err := g.validateDelete(); err != nil {
				done <- err
				return
			}
			var recs []logRecord
			for _, topic := range s.offsets.sortedTopics(id) {
				for _, p := range sortedPartitions(s.offsets[id][topic]) {
					recs = append(recs, offsetTombstone(id, topic, p))
				}
			}
			recs = append(recs, groupTombstone(id))
			if cg, ok := g.(*consumerGroup); ok {
				// Consumer groups are not stored as GroupMetadata records;
				// remove it directly (the tombstone above is harmless).
				s.removeConsumerGroup(cg)
			}
			s.write(recs, func() { s.replayRecords(recs) }, func(err error) {
				if err == nil {
					s.emit(Event{Type: EventGroupDeleted, Group: id, Reason: "DeleteGroups"})
				}
				done <- err
			})
		})
		if err == nil {
			var cerr error
			err, cerr = wait(ctx, done)
			if cerr != nil {
				return nil, cerr
			}
		}
		r.ErrorCode = kafkaerr.Code(err)
		out = append(out, r)
	}
	return out, nil
}

// ConsumerGroupDescribe describes consumer-protocol groups: epochs, the
// assignor, and per member its epoch, subscription, current and target
// assignment (GROUP_ID_NOT_FOUND for unknown or classic groups).
func (c *Coordinator) ConsumerGroupDescribe(ctx context.Context, groupIDs []string) []kmsg.ConsumerGroupDescribeResponseGroup {
	out := make([]kmsg.ConsumerGroupDescribeResponseGroup, 0, len(groupIDs))
	for _, id := range groupIDs {
		d := kmsg.NewConsumerGroupDescribeResponseGroup()
		d.Group = id
		if id == "" {
			d.ErrorCode = kerr.InvalidGroupID.Code
			out = append(out, d)
			continue
		}
		s, err := c.shardFor(id)
		if err == nil {
			err = s.read(func() {
				g, ok := s.groups[id].(*consumerGroup)
				if !ok {
					d.ErrorCode = kerr.GroupIDNotFound.Code
					msg := "consumer group " + id + " not found"
					d.ErrorMessage = &msg
					return
				}
				d = g.describeResponse()
			})
		}
		if err != nil {
			d.ErrorCode, d.ErrorMessage = kafkaerr.Code(err), kafkaerr.Message(err)
		}
		out = append(out, d)
	}
	return out
}

func (g *consumerGroup) describeResponse() kmsg.ConsumerGroupDescribeResponseGroup {
	ids := topicNamesByID(g.s.c.topics())
	d := kmsg.NewConsumerGroupDescribeResponseGroup()
	d.Group = g.id
	d.State = g.stateName()
	d.Epoch = g.groupEpoch
	d.AssignmentEpoch = g.assignmentEpoch
	d.AssignorName = g.preferredAssignor(g.s.c.cfg.ConsumerAssignors[0])
	toWire := func(a assignment) kmsg.Assignment {
		w := kmsg.NewAssignment()
		for _, t := range keys(a) {
			name, ok := ids[t]
			if !ok || len(a[t]) == 0 {
				continue
			}
			tp := kmsg.NewAssignmentTopicPartition()
			tp.TopicID, tp.Topic, tp.Partitions = t, name, sortedParts(a[t])
			w.TopicPartitions = append(w.TopicPartitions, tp)
		}
		return w
	}
	for _, m := range g.sortedMembers() {
		dm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
		dm.MemberID, dm.MemberEpoch, dm.ClientID, dm.ClientHost = m.id, m.epoch, m.clientID, m.clientHost
		if m.instanceID != "" {
			inst := m.instanceID
			dm.InstanceID = &inst
		}
		if m.rackID != "" {
			rack := m.rackID
			dm.RackID = &rack
		}
		dm.SubscribedTopics = append([]string{}, m.subscribedNames...)
		// Kafka describes a member without a regex with an empty one,
		// not a null.
		re := m.subscribedRegex
		dm.SubscribedTopicRegex = &re
		dm.Assignment = toWire(m.assigned)
		dm.TargetAssignment = toWire(g.target[m.id])
		dm.MemberType = 1
		d.Members = append(d.Members, dm)
	}
	return d
}
