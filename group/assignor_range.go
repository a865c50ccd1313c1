package group

// The range assignor: for each topic, the members that subscribe to it
// take contiguous ranges of its partitions in order, the first
// (partitions % members) of them one partition more. Members are ordered
// static members first by group.instance.id (so a rolling restart of
// static members keeps the same ranges), then dynamic members by member
// id. With every member on the same topics and every topic of the same
// size, member i gets the same partition numbers of every topic
// (co-partitioning).

import "sort"

type rangeAssignor struct{}

func (rangeAssignor) name() string { return "range" }

func (rangeAssignor) assign(spec assignorSpec) map[string]assignment {
	members := append([]assignorMember(nil), spec.members...)
	sort.SliceStable(members, func(i, j int) bool {
		a, b := members[i], members[j]
		switch {
		case a.instanceID != "" && b.instanceID != "":
			return a.instanceID < b.instanceID
		case a.instanceID != "":
			return true
		case b.instanceID != "":
			return false
		}
		return a.id < b.id
	})
	type topicRanges struct {
		partitions, members, minQuota, extra, next int32
	}
	ranges := map[topicID]*topicRanges{}
	for _, m := range members {
		for _, t := range m.topics {
			if ranges[t] == nil {
				ranges[t] = &topicRanges{partitions: spec.partitions[t]}
			}
			ranges[t].members++
		}
	}
	for _, r := range ranges {
		r.minQuota = r.partitions / r.members
		r.extra = r.partitions % r.members
	}
	out := make(map[string]assignment, len(members))
	for _, m := range members {
		a := assignment{}
		for _, t := range m.topics {
			r := ranges[t]
			quota := r.minQuota
			if r.extra > 0 {
				quota++
				r.extra--
			}
			end := min(r.next+quota, r.partitions)
			for p := r.next; p < end; p++ {
				a.add(t, p)
			}
			r.next = end
		}
		out[m.id] = a
	}
	return out
}
