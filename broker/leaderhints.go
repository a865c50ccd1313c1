package broker

// Leader hints (KIP-951): a Produce (v10+) or Fetch (v16+) partition
// answered NOT_LEADER_OR_FOLLOWER (and, for Fetch, FENCED_LEADER_EPOCH)
// carries the partition's current leader and leader epoch, and the
// response lists that leader's endpoint, so the client redirects at once
// instead of waiting for a metadata refresh. The endpoint is the
// leader's address on the listener the request came in on, as Metadata
// answers: a client of the SASL_SSL port is sent to the new leader's
// SASL_SSL port.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// leaderHints collects the leaders named in one response.
type leaderHints struct {
	r       *request
	im      *image
	leaders []int32 // in the order first named
	named   map[int32]bool
}

func newLeaderHints(r *request) *leaderHints {
	return &leaderHints{r: r, im: r.broker.cluster.ctl.current(), named: map[int32]bool{}}
}

// leader is the current leader and leader epoch of a partition, by
// topic name or (Fetch v13+) id; ok is false when the broker knows no
// such partition. A leader that runs is kept for the endpoints.
func (h *leaderHints) leader(topic string, id TopicID, p int32) (leader, epoch int32, ok bool) {
	t := h.im.topics[topic]
	if t == nil {
		t = h.im.topicIDs[id]
	}
	if t == nil || p < 0 || int(p) >= len(t.partitions) {
		return 0, 0, false
	}
	pi := t.partitions[p]
	if bi := h.im.brokers[pi.leader]; bi != nil && !bi.fenced && !h.named[pi.leader] {
		h.named[pi.leader] = true
		h.leaders = append(h.leaders, pi.leader)
	}
	return pi.leader, pi.leaderEpoch, true
}

// endpoints calls add with each named leader's address on the
// request's listener.
func (h *leaderHints) endpoints(add func(id int32, host string, port int32, rack *string)) {
	for _, id := range h.leaders {
		bi := h.im.brokers[id]
		host, port := h.r.advertised(bi)
		add(id, host, port, bi.rack)
	}
}

// addProduceLeaderHints fills the hints of a Produce v10+ response.
func addProduceLeaderHints(r *request, resp *kmsg.ProduceResponse) {
	h := newLeaderHints(r)
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			if rp.ErrorCode != kerr.NotLeaderForPartition.Code {
				continue
			}
			if leader, epoch, ok := h.leader(rt.Topic, TopicID{}, rp.Partition); ok {
				rp.CurrentLeader.LeaderID, rp.CurrentLeader.LeaderEpoch = leader, epoch
			}
		}
	}
	h.endpoints(func(id int32, host string, port int32, rack *string) {
		ep := kmsg.NewProduceResponseBroker()
		ep.NodeID, ep.Host, ep.Port, ep.Rack = id, host, port, rack
		resp.Brokers = append(resp.Brokers, ep)
	})
}

// addFetchLeaderHints fills the hints of a Fetch v16+ response.
func addFetchLeaderHints(r *request, resp *kmsg.FetchResponse) {
	if r.version < 16 {
		return
	}
	h := newLeaderHints(r)
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			if rp.ErrorCode != kerr.NotLeaderForPartition.Code && rp.ErrorCode != kerr.FencedLeaderEpoch.Code {
				continue
			}
			if leader, epoch, ok := h.leader(rt.Topic, TopicID(rt.TopicID), rp.Partition); ok {
				rp.CurrentLeader.LeaderID, rp.CurrentLeader.LeaderEpoch = leader, epoch
			}
		}
	}
	h.endpoints(func(id int32, host string, port int32, rack *string) {
		ep := kmsg.NewFetchResponseBroker()
		ep.NodeID, ep.Host, ep.Port, ep.Rack = id, host, port, rack
		resp.Brokers = append(resp.Brokers, ep)
	})
}
