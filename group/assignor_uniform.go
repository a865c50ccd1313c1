package group

// The uniform assignor: balanced and sticky.
//
//  1. Every member keeps the partitions of its previous target that it
//     still subscribes to, up to its fair share (partitions / members,
//     rounded down); members that had more keep one more while the
//     division leaves such extra slots.
//  2. The partitions left over go, one at a time in topic and partition
//     order, to the subscribed member with the fewest partitions.
//  3. While a member has two or more partitions more than another member
//     that could take one of them, one moves.
//
// With every member subscribed to the same topics the result is as even
// as it can be (sizes differ by at most one) and only the partitions
// needed for that move; with different subscriptions it is as even as
// the subscriptions allow. Kafka's UniformAssignor follows the same
// principles with more elaborate bookkeeping for very large groups; the
// exact partitions chosen may differ from Kafka's, the properties do not.

import "sort"

type uniformAssignor struct{}

func (uniformAssignor) name() string { return "uniform" }

func (uniformAssignor) assign(spec assignorSpec) map[string]assignment {
	out := make(map[string]assignment, len(spec.members))
	if len(spec.members) == 0 {
		return out
	}
	type tp struct {
		t topicID
		p int32
	}
	subscribers := map[topicID][]int{} // topic -> member indexes
	for i, m := range spec.members {
		out[m.id] = assignment{}
		for _, t := range m.topics {
			subscribers[t] = append(subscribers[t], i)
		}
	}
	subscribed := func(i int, t topicID) bool {
		for _, j := range subscribers[t] {
			if j == i {
				return true
			}
		}
		return false
	}
	var all []tp
	var topicOrder []topicID
	for t := range subscribers {
		topicOrder = append(topicOrder, t)
	}
	topicOrder = spec.sortedTopics(topicOrder)
	for _, t := range topicOrder {
		for p := int32(0); p < spec.partitions[t]; p++ {
			all = append(all, tp{t, p})
		}
	}
	counts := make([]int, len(spec.members))
	minQuota := len(all) / len(spec.members)
	extra := len(all) % len(spec.members) // members that may hold one more

	// 1. Keep previous partitions: up to minQuota each, then one more for
	// members that had more, while such extra slots remain.
	owner := map[tp]int{}
	surplus := map[int][]tp{}
	for i, m := range spec.members {
		for _, t := range spec.sortedTopics(keys(m.current)) {
			if !subscribed(i, t) {
				continue
			}
			for _, p := range sortedParts(m.current[t]) {
				k := tp{t, p}
				if p >= spec.partitions[t] {
					continue
				}
				if _, taken := owner[k]; taken {
					continue
				}
				if counts[i] >= minQuota {
					surplus[i] = append(surplus[i], k)
					continue
				}
				owner[k] = i
				counts[i]++
			}
		}
	}
	for i := range spec.members {
		if extra == 0 {
			break
		}
		for _, k := range surplus[i] {
			if _, taken := owner[k]; !taken {
				owner[k] = i
				counts[i]++
				extra--
				break
			}
		}
	}

	// 2. Hand out the rest to the least loaded subscriber.
	for _, k := range all {
		if _, ok := owner[k]; ok {
			continue
		}
		best := -1
		for _, i := range subscribers[k.t] {
			if best == -1 || counts[i] < counts[best] {
				best = i
			}
		}
		owner[k] = best
		counts[best]++
	}

	// 3. Move partitions from the most to the least loaded while that
	// narrows the gap.
	for moved := true; moved; {
		moved = false
		for _, k := range all {
			from := owner[k]
			to := -1
			for _, i := range subscribers[k.t] {
				if counts[i] < counts[from]-1 && (to == -1 || counts[i] < counts[to]) {
					to = i
				}
			}
			if to >= 0 {
				owner[k] = to
				counts[from]--
				counts[to]++
				moved = true
			}
		}
	}

	for k, i := range owner {
		out[spec.members[i].id].add(k.t, k.p)
	}
	return out
}

func keys(a assignment) []topicID {
	out := make([]topicID, 0, len(a))
	for t := range a {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i][:]) < string(out[j][:]) })
	return out
}
