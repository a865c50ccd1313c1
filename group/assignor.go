package group

// Server-side assignors (KIP-848): in a consumer group the coordinator,
// not a member, decides who gets which partition, with the assignor
// named by group.consumer.assignors (the first is the default; members
// may ask for another with their server assignor). gregor has Kafka's
// two:
//
//   - uniform spreads partitions as evenly as possible, keeping each
//     member's partitions where it can (sticky), so a rebalance moves as
//     few partitions as needed (assignor_uniform.go);
//   - range gives each member a contiguous range of every topic it
//     subscribes to, the same range numbers across topics of equal size
//     (co-partitioning, for joins) (assignor_range.go).

import (
	"sort"
)

// assignorMember is one member as an assignor sees it.
type assignorMember struct {
	id         string
	instanceID string
	topics     []topicID  // subscribed topics that exist
	current    assignment // the member's previous target, for stickiness
}

// assignorSpec is the input of an assignor.
type assignorSpec struct {
	members    []assignorMember // by member id
	partitions map[topicID]int32
	names      map[topicID]string
}

type assignor interface {
	name() string
	assign(spec assignorSpec) map[string]assignment
}

var assignors = map[string]assignor{
	"uniform": uniformAssignor{},
	"range":   rangeAssignor{},
}

func assignorByName(name string) assignor { return assignors[name] }

// sortedTopics lists topic ids by topic name, for a deterministic order.
func (spec assignorSpec) sortedTopics(ids []topicID) []topicID {
	out := append([]topicID(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return spec.names[out[i]] < spec.names[out[j]] })
	return out
}
