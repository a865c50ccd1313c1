package kafkaref

import (
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The classic group protocol with wrong generations and unknown members,
// committed offsets, and a KIP-848 group seen through the classic
// DescribeGroups. The member ids that coordinators hand out are
// remembered per side under a label.

func joinGroup(group, memberLabel string) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := kmsg.NewPtrJoinGroupRequest()
		r.Group, r.MemberID = group, s.members[memberLabel]
		if memberLabel != "" && r.MemberID == "" {
			r.MemberID = memberLabel // a member id no coordinator gave out
		}
		r.SessionTimeoutMillis, r.RebalanceTimeoutMillis = 10000, 10000
		r.ProtocolType = "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0, 3, 0, 0, 0, 1, 0, 11, 'c', 'o', 'n', 'f', 'o', 'r', 'm', 'a', 'n', 'c', 'e', 0, 0, 0, 0, 0, 0, 0, 0}
		r.Protocols = append(r.Protocols, p)
		return r
	}
}

// rememberMember keeps the member id a JoinGroup response handed out.
func rememberMember(label string) func(*side, kmsg.Response) {
	return func(s *side, resp kmsg.Response) {
		if id := resp.(*kmsg.JoinGroupResponse).MemberID; id != "" {
			s.members[label] = id
		}
	}
}

func member(s *side, label string) string {
	if id, ok := s.members[label]; ok {
		return id
	}
	return label
}

func syncGroup(group, memberLabel string, generation int32) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := kmsg.NewPtrSyncGroupRequest()
		r.Group, r.MemberID, r.Generation = group, member(s, memberLabel), generation
		r.ProtocolType, r.Protocol = kmsg.StringPtr("consumer"), kmsg.StringPtr("range")
		a := kmsg.NewSyncGroupRequestGroupAssignment()
		a.MemberID, a.MemberAssignment = r.MemberID, []byte{0, 3, 0, 0, 0, 0, 0, 0, 0, 0}
		r.GroupAssignment = append(r.GroupAssignment, a)
		return r
	}
}

func heartbeat(group, memberLabel string, generation int32) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := kmsg.NewPtrHeartbeatRequest()
		r.Group, r.MemberID, r.Generation = group, member(s, memberLabel), generation
		return r
	}
}

func offsetCommit(group, memberLabel string, generation int32, topic string, partition int32, offset int64) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := kmsg.NewPtrOffsetCommitRequest()
		r.Group, r.Generation = group, generation
		if memberLabel != "" {
			r.MemberID = member(s, memberLabel)
		}
		t := kmsg.NewOffsetCommitRequestTopic()
		t.Topic = topic
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition, p.Offset, p.Metadata = partition, offset, kmsg.StringPtr("meta")
		t.Partitions = append(t.Partitions, p)
		r.Topics = append(r.Topics, t)
		return r
	}
}

func offsetFetch(group string, topic string, partitions ...int32) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrOffsetFetchRequest()
		g := kmsg.NewOffsetFetchRequestGroup()
		g.Group = group
		if topic != "" {
			t := kmsg.NewOffsetFetchRequestGroupTopic()
			t.Topic, t.Partitions = topic, partitions
			g.Topics = append(g.Topics, t)
		}
		r.Groups = append(r.Groups, g)
		// Before v8 the group is a top-level field.
		r.Group = group
		if topic != "" {
			t := kmsg.NewOffsetFetchRequestTopic()
			t.Topic, t.Partitions = topic, partitions
			r.Topics = append(r.Topics, t)
		}
		return r
	}
}

func describeGroups(groups ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDescribeGroupsRequest()
		r.Groups = groups
		return r
	}
}

func leaveGroup(group string, memberLabels ...string) func(*side) kmsg.Request {
	return func(s *side) kmsg.Request {
		r := kmsg.NewPtrLeaveGroupRequest()
		r.Group = group
		for _, l := range memberLabels {
			m := kmsg.NewLeaveGroupRequestMember()
			m.MemberID = member(s, l)
			r.Members = append(r.Members, m)
			r.MemberID = m.MemberID // v0-2
		}
		return r
	}
}

func deleteGroups(groups ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrDeleteGroupsRequest()
		r.Groups = groups
		return r
	}
}

func findCoordinator(key string, kind int8) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrFindCoordinatorRequest()
		r.CoordinatorKey, r.CoordinatorType, r.CoordinatorKeys = key, kind, []string{key}
		return r
	}
}

// consumerHeartbeat joins (epoch 0) or heartbeats a KIP-848 member whose
// id the client chose, as Kafka 4 clients do.
func consumerHeartbeat(group, memberID string, epoch int32, topics ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		r.Group, r.MemberID, r.MemberEpoch = group, memberID, epoch
		if epoch == 0 {
			r.RebalanceTimeoutMillis = 10000
			r.SubscribedTopicNames = topics
			r.ServerAssignor = kmsg.StringPtr("uniform")
			r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		}
		return r
	}
}

func consumerGroupDescribe(groups ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrConsumerGroupDescribeRequest()
		r.Groups = groups
		return r
	}
}

// membersByID flattens a ConsumerGroupDescribe with each group's members
// in member id order: both brokers list them in their map's order, and
// the ids, chosen by the client, are the same on both.
func membersByID(resp kmsg.Response) map[string]string {
	r := resp.(*kmsg.ConsumerGroupDescribeResponse)
	for i := range r.Groups {
		slices.SortFunc(r.Groups[i].Members, func(a, b kmsg.ConsumerGroupDescribeResponseGroupMember) int {
			return strings.Compare(a.MemberID, b.MemberID)
		})
	}
	return flatten(r)
}

func groupSteps() []step {
	const (
		g       = groupMain
		leader  = "leader"
		nobody  = "nobody"
		solo    = "conformance-solo"
		absent  = "conformance-absent"
		nextGen = "conformance-848"
		m848    = "conformance-848-member-000000000"
		m848b   = "conformance-848-member-000000001"
	)
	return []step{
		{name: "findcoordinator-group", req: findCoordinator(g, 0)},
		{name: "findcoordinator-bad-type", req: findCoordinator(g, 5)},
		{name: "joingroup-unknown-member-new-group", req: joinGroup(absent, nobody)},
		{name: "joingroup-member-id-required", req: joinGroup(g, ""), after: rememberMember(leader)},
		{name: "joingroup", req: joinGroup(g, leader), after: rememberMember(leader)},
		{name: "joingroup-unknown-member", req: joinGroup(g, nobody)},
		{name: "syncgroup-wrong-generation", req: syncGroup(g, leader, 2)},
		{name: "syncgroup-unknown-member", req: syncGroup(g, nobody, 1)},
		{name: "syncgroup-unknown-group", req: syncGroup(absent, nobody, 1)},
		{name: "syncgroup", req: syncGroup(g, leader, 1)},
		{name: "heartbeat", req: heartbeat(g, leader, 1)},
		{name: "heartbeat-wrong-generation", req: heartbeat(g, leader, 7)},
		{name: "heartbeat-unknown-member", req: heartbeat(g, nobody, 1)},
		{name: "heartbeat-unknown-group", req: heartbeat(absent, nobody, 1)},
		{name: "offsetcommit", req: offsetCommit(g, leader, 1, topicMain, 0, 2)},
		{name: "offsetcommit-wrong-generation", req: offsetCommit(g, leader, 5, topicMain, 0, 3)},
		{name: "offsetcommit-unknown-member", req: offsetCommit(g, nobody, 1, topicMain, 0, 3)},
		{name: "offsetcommit-no-member-to-live-group", req: offsetCommit(g, "", -1, topicMain, 0, 3)},
		{name: "offsetcommit-standalone", req: offsetCommit(solo, "", -1, topicMain, 1, 0)},
		{name: "offsetcommit-unknown-topic", req: offsetCommit(solo, "", -1, "conformance-nope", 0, 1)},
		{name: "offsetcommit-unknown-partition", req: offsetCommit(solo, "", -1, topicMain, 9, 1)},
		{name: "offsetfetch", req: offsetFetch(g, topicMain, 0, 1)},
		{name: "offsetfetch-all", req: offsetFetch(g, "")},
		{name: "offsetfetch-unknown-group", req: offsetFetch(absent, topicMain, 0)},
		{name: "offsetfetch-unknown-topic", req: offsetFetch(g, "conformance-nope", 0)},
		{name: "describegroups", req: describeGroups(g, absent)},
		{name: "leavegroup-unknown-member", req: leaveGroup(g, nobody)},
		{name: "leavegroup", req: leaveGroup(g, leader)},
		{name: "describegroups-after-leave", req: describeGroups(g)},
		{name: "deletegroups", req: deleteGroups(g, absent)},
		{name: "consumergroupheartbeat-join", req: consumerHeartbeat(nextGen, m848, 0, topicMain)},
		// A second member right after the first assignment: within
		// group.consumer.assignment.interval.ms (KIP-1263) the group stays
		// Assigning, and the newcomer gets epoch 2 with nothing.
		{name: "consumergroupheartbeat-second-member", req: consumerHeartbeat(nextGen, m848b, 0, topicMain)},
		{name: "consumergroupdescribe-assigning", req: consumerGroupDescribe(nextGen), flat: membersByID},
		{name: "consumergroupheartbeat-second-member-leave", req: consumerHeartbeat(nextGen, m848b, -1)},
		{name: "consumergroupheartbeat-wrong-epoch", req: consumerHeartbeat(nextGen, m848, 9)},
		{name: "consumergroupheartbeat-unknown-member", req: consumerHeartbeat(nextGen, "conformance-848-nobody-00000000", 1)},
		{name: "describegroups-consumer-protocol-group", req: describeGroups(nextGen)},
		{name: "joingroup-into-consumer-protocol-group", req: joinGroup(nextGen, "")},
		{name: "consumergroupheartbeat-leave", req: consumerHeartbeat(nextGen, m848, -1)},
	}
}
