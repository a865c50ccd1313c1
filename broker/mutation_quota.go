package broker

// controller_mutation_rate (KIP-599): CreateTopics, CreatePartitions and
// DeleteTopics cost one credit per partition they create or delete,
// taken from the client's token bucket (quota.TokenBucket). From
// CreateTopics v6, CreatePartitions v3 and DeleteTopics v5 the quota is
// strict: a topic that finds the bucket in debt is not touched and gets
// THROTTLING_QUOTA_EXCEEDED, the ones before it go ahead, and the
// response carries the time until the bucket is out of debt. Older
// versions, whose clients do not know the error, mutate everything and
// are throttled afterwards. validate_only requests cost nothing, and
// credits taken for a topic that then fails (it exists, its name is
// invalid, ...) are given back, as Kafka takes them only for what it
// changes.
//
// The step runs around the handler, leaving the handlers as they are: it
// takes the throttled topics out of the request and adds their results
// back to the response, after the others.

import (
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// mutationCheck is what checkMutations decided for one request; the zero
// value changes nothing.
type mutationCheck struct {
	b          *Broker
	qs         *quota.Set
	user       string
	client     string
	throttleMs int64
	throttled  []string         // topics refused with THROTTLING_QUOTA_EXCEEDED
	charged    map[string]int64 // credits taken per topic, given back if it fails
	throttledN [][16]byte       // DeleteTopics v6+: the ids of the refused topics, by position in throttled
}

// mutation is one topic of a request and the partitions it would change.
type mutation struct {
	name       string
	partitions int64
}

// checkMutations charges a mutating request's topics to the client's
// controller_mutation_rate and, for strict versions, takes the ones over
// the quota out of the request.
func (b *Broker) checkMutations(r *request, qs *quota.Set, user, client string) mutationCheck {
	if !qs.Has(quota.ControllerMutationRate) {
		return mutationCheck{}
	}
	ms, strict := b.mutations(r)
	if ms == nil {
		return mutationCheck{}
	}
	m := b.quotas.mutation
	mc := mutationCheck{b: b, qs: qs, user: user, client: client, charged: map[string]int64{}}
	nowMs := b.cluster.clock.Now().UnixMilli()
	refused := map[string]bool{}
	for _, mu := range ms {
		if strict {
			if t := m.MutationThrottle(qs, user, client, nowMs); t > 0 {
				mc.throttleMs = max(mc.throttleMs, t)
				refused[mu.name] = true
				mc.throttled = append(mc.throttled, mu.name)
				continue
			}
		}
		t := m.RecordMutation(qs, user, client, float64(mu.partitions), nowMs)
		mc.charged[mu.name] += mu.partitions
		if !strict {
			mc.throttleMs = max(mc.throttleMs, t)
		}
	}
	if len(refused) > 0 {
		mc.dropRefused(r, refused)
	}
	return mc
}

// mutations lists the request's topics and partitions changed, and
// whether its version is strict; nil for a request that mutates nothing.
func (b *Broker) mutations(r *request) ([]mutation, bool) {
	im := b.cluster.ctl.current()
	var out []mutation
	switch req := r.body.(type) {
	case *kmsg.CreateTopicsRequest:
		if req.ValidateOnly {
			return nil, false
		}
		for _, t := range req.Topics {
			n := int64(t.NumPartitions)
			if len(t.ReplicaAssignment) > 0 {
				n = int64(len(t.ReplicaAssignment))
			} else if n < 0 {
				n = int64(b.config.Int("num.partitions"))
			}
			out = append(out, mutation{t.Topic, n})
		}
		return out, req.Version >= 6
	case *kmsg.CreatePartitionsRequest:
		if req.ValidateOnly {
			return nil, false
		}
		for _, t := range req.Topics {
			n := int64(t.Count)
			if ti := im.topics[t.Topic]; ti != nil {
				n -= int64(len(ti.partitions))
			}
			out = append(out, mutation{t.Topic, max(n, 0)})
		}
		return out, req.Version >= 3
	case *kmsg.DeleteTopicsRequest:
		names := req.TopicNames
		if req.Version >= 6 {
			names = nil
			for _, t := range req.Topics {
				if t.Topic != nil {
					names = append(names, *t.Topic)
				} else if ti := im.topicIDs[TopicID(t.TopicID)]; ti != nil {
					names = append(names, ti.name)
				}
			}
		}
		for _, name := range names {
			var n int64
			if ti := im.topics[name]; ti != nil {
				n = int64(len(ti.partitions))
			}
			out = append(out, mutation{name, n})
		}
		return out, req.Version >= 5
	}
	return nil, false
}

// dropRefused takes the refused topics out of the request.
func (mc *mutationCheck) dropRefused(r *request, refused map[string]bool) {
	im := mc.b.cluster.ctl.current()
	switch req := r.body.(type) {
	case *kmsg.CreateTopicsRequest:
		req.Topics = without(req.Topics, func(t kmsg.CreateTopicsRequestTopic) bool { return refused[t.Topic] })
	case *kmsg.CreatePartitionsRequest:
		req.Topics = without(req.Topics, func(t kmsg.CreatePartitionsRequestTopic) bool { return refused[t.Topic] })
	case *kmsg.DeleteTopicsRequest:
		if req.Version < 6 {
			req.TopicNames = without(req.TopicNames, func(n string) bool { return refused[n] })
			return
		}
		mc.throttled = mc.throttled[:0]
		kept := req.Topics[:0:0]
		for _, t := range req.Topics {
			name := ""
			if t.Topic != nil {
				name = *t.Topic
			} else if ti := im.topicIDs[TopicID(t.TopicID)]; ti != nil {
				name = ti.name
			}
			if refused[name] {
				mc.throttled = append(mc.throttled, name)
				mc.throttledN = append(mc.throttledN, t.TopicID)
				continue
			}
			kept = append(kept, t)
		}
		req.Topics = kept
	}
}

// without is s less what drop picks, in a new backing array: the
// request's own slice stays as it came.
func without[T any](s []T, drop func(T) bool) []T {
	kept := s[:0:0]
	for _, v := range s {
		if !drop(v) {
			kept = append(kept, v)
		}
	}
	return kept
}

// finish adds the refused topics' results to the response and gives back
// the credits of topics that failed.
func (mc mutationCheck) finish(resp kmsg.Response) kmsg.Response {
	if mc.b == nil || resp == nil {
		return resp
	}
	failed := func(name string, code int16) {
		if n := mc.charged[name]; code != 0 && n > 0 {
			mc.b.quotas.mutation.RecordMutation(mc.qs, mc.user, mc.client, -float64(n), mc.b.cluster.clock.Now().UnixMilli())
			delete(mc.charged, name)
		}
	}
	// Kafka leaves the message null: it is the error's generic one.
	var msg *string
	code := kerr.ThrottlingQuotaExceeded.Code
	switch resp := resp.(type) {
	case *kmsg.CreateTopicsResponse:
		resp.Topics = settleMutations(mc, resp.Topics, failed,
			func(t kmsg.CreateTopicsResponseTopic) (string, int16) { return t.Topic, t.ErrorCode },
			func(name string) kmsg.CreateTopicsResponseTopic {
				t := kmsg.NewCreateTopicsResponseTopic()
				t.Topic, t.ErrorCode, t.ErrorMessage = name, code, msg
				return t
			})
	case *kmsg.CreatePartitionsResponse:
		resp.Topics = settleMutations(mc, resp.Topics, failed,
			func(t kmsg.CreatePartitionsResponseTopic) (string, int16) { return t.Topic, t.ErrorCode },
			func(name string) kmsg.CreatePartitionsResponseTopic {
				t := kmsg.NewCreatePartitionsResponseTopic()
				t.Topic, t.ErrorCode, t.ErrorMessage = name, code, msg
				return t
			})
	case *kmsg.DeleteTopicsResponse:
		for _, t := range resp.Topics {
			if t.Topic != nil {
				failed(*t.Topic, t.ErrorCode)
			}
		}
		for i, name := range mc.throttled {
			t := kmsg.NewDeleteTopicsResponseTopic()
			t.Topic, t.ErrorCode, t.ErrorMessage = kmsg.StringPtr(name), code, msg
			if i < len(mc.throttledN) {
				t.TopicID = mc.throttledN[i]
			}
			resp.Topics = append(resp.Topics, t)
		}
	}
	return resp
}

// settleMutations is finish for a response whose topics are named by
// string: each handled topic's outcome goes to failed, and each
// throttled topic gets the result refused makes for it, after the others.
func settleMutations[T any](mc mutationCheck, topics []T, failed func(string, int16), outcome func(T) (string, int16), refused func(string) T) []T {
	for _, t := range topics {
		failed(outcome(t))
	}
	for _, name := range mc.throttled {
		topics = append(topics, refused(name))
	}
	return topics
}
