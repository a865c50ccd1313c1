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
	u := newUniformPlan(spec)
	u.keepPrevious()
	u.handOutRest()
	u.balance()
	for _, m := range spec.members {
		out[m.id] = assignment{}
	}
	for k, i := range u.owner {
		out[spec.members[i].id].add(k.t, k.p)
	}
	return out
}

// topicPartition is one partition of a topic, by topic id.
type topicPartition struct {
	t topicID
	p int32
}

// uniformPlan is the uniform assignor's working state; members are
// referred to by their index in spec.members.
type uniformPlan struct {
	spec        assignorSpec
	subscribers map[topicID][]int // topic -> members subscribed to it
	all         []topicPartition  // every subscribed partition, in topic and partition order
	owner       map[topicPartition]int
	counts      []int // partitions owned, by member
}

func newUniformPlan(spec assignorSpec) *uniformPlan {
	u := &uniformPlan{
		spec:        spec,
		subscribers: map[topicID][]int{},
		owner:       map[topicPartition]int{},
		counts:      make([]int, len(spec.members)),
	}
	for i, m := range spec.members {
		for _, t := range m.topics {
			u.subscribers[t] = append(u.subscribers[t], i)
		}
	}
	var topicOrder []topicID
	for t := range u.subscribers {
		topicOrder = append(topicOrder, t)
	}
	for _, t := range spec.sortedTopics(topicOrder) {
		for p := int32(0); p < spec.partitions[t]; p++ {
			u.all = append(u.all, topicPartition{t, p})
		}
	}
	return u
}

func (u *uniformPlan) subscribed(i int, t topicID) bool {
	for _, j := range u.subscribers[t] {
		if j == i {
			return true
		}
	}
	return false
}

// keepPrevious is step 1: every member keeps the partitions of its
// previous target it still subscribes to, up to minQuota each, then one
// more for members that had more, while such extra slots remain.
func (u *uniformPlan) keepPrevious() {
	minQuota := len(u.all) / len(u.spec.members)
	extra := len(u.all) % len(u.spec.members) // members that may hold one more
	surplus := map[int][]topicPartition{}
	for i, m := range u.spec.members {
		for _, t := range u.spec.sortedTopics(keys(m.current)) {
			if !u.subscribed(i, t) {
				continue
			}
			for _, p := range sortedParts(m.current[t]) {
				k := topicPartition{t, p}
				if p >= u.spec.partitions[t] {
					continue
				}
				if _, taken := u.owner[k]; taken {
					continue
				}
				if u.counts[i] >= minQuota {
					surplus[i] = append(surplus[i], k)
					continue
				}
				u.owner[k] = i
				u.counts[i]++
			}
		}
	}
	for i := range u.spec.members {
		if extra == 0 {
			break
		}
		for _, k := range surplus[i] {
			if _, taken := u.owner[k]; !taken {
				u.owner[k] = i
				u.counts[i]++
				extra--
				break
			}
		}
	}
}

// handOutRest is step 2: each partition still without an owner goes to
// its least loaded subscriber.
func (u *uniformPlan) handOutRest() {
	for _, k := range u.all {
		if _, ok := u.owner[k]; ok {
			continue
		}
		best := -1
		for _, i := range u.subscribers[k.t] {
			if best == -1 || u.counts[i] < u.counts[best] {
				best = i
			}
		}
		u.owner[k] = best
		u.counts[best]++
	}
}

// balance is step 3: partitions move from the most to the least loaded
// subscriber while that narrows the gap.
func (u *uniformPlan) balance() {
	for moved := true; moved; {
		moved = false
		for _, k := range u.all {
			from := u.owner[k]
			to := -1
			for _, i := range u.subscribers[k.t] {
				if u.counts[i] < u.counts[from]-1 && (to == -1 || u.counts[i] < u.counts[to]) {
					to = i
				}
			}
			if to >= 0 {
				u.owner[k] = to
				u.counts[from]--
				u.counts[to]++
				moved = true
			}
		}
	}
}

func keys(a assignment) []topicID {
	out := make([]topicID, 0, len(a))
	for t := range a {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i][:]) < string(out[j][:]) })
	return out
}
