package broker

// ElectLeaders (key 43), versions 0-2.
//
// Triggers leader elections, as kafka-leader-election.sh does: PREFERRED
// (0) moves leadership back to each partition's first assigned replica if
// it is live and in sync (ELECTION_NOT_NEEDED if it already leads,
// PREFERRED_LEADER_NOT_AVAILABLE if it cannot); UNCLEAN (1, v1+) gives a
// leaderless partition to any live replica, accepting data loss
// (ELIGIBLE_LEADERS_NOT_AVAILABLE if none is live). A null partition list
// means every partition, and then partitions that needed no election are
// left out of the response.

import (
	"slices"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 2, handleElectLeaders) }

func handleElectLeaders(r *request, req *kmsg.ElectLeadersRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ElectLeadersResponse))
	unclean := r.version >= 1 && req.ElectionType == 1
	var targets map[string][]int32
	if req.Topics != nil {
		targets = map[string][]int32{}
		for _, t := range req.Topics {
			targets[t.Topic] = append(targets[t.Topic], t.Partitions...)
		}
	}
	results := r.broker.cluster.ctl.electLeaders(unclean, targets)
	topics := make([]string, 0, len(results))
	if req.Topics != nil {
		seen := map[string]bool{}
		for _, t := range req.Topics {
			if !seen[t.Topic] {
				seen[t.Topic] = true
				topics = append(topics, t.Topic)
			}
		}
	} else {
		for _, t := range r.broker.cluster.ctl.current().sortedTopics() {
			topics = append(topics, t.name)
		}
	}
	for _, topic := range topics {
		rt := kmsg.NewElectLeadersResponseTopic()
		rt.Topic = topic
		parts := results[topic]
		var order []int32
		if targets != nil {
			order = targets[topic]
		} else {
			for p := range parts {
				order = append(order, p)
			}
			slices.Sort(order)
		}
		for _, p := range order {
			err := parts[p]
			if targets == nil && kafkaerr.Code(err) == kerr.ElectionNotNeeded.Code {
				continue
			}
			rp := kmsg.NewElectLeadersResponseTopicPartition()
			rp.Partition = p
			rp.ErrorCode = kafkaerr.Code(err)
			rp.ErrorMessage = kafkaerr.Message(err)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
