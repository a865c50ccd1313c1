package broker

// CreatePartitions (key 37), versions 0-3.
//
// Adds partitions to a topic. Partitions can only be added, never removed:
// a count at or below the current one is INVALID_PARTITIONS with a message
// that says so. New partitions get replicas round-robin, or the given
// assignment (INVALID_REPLICA_ASSIGNMENT when it does not fit). Adding
// partitions changes which partition a key hashes to, so per-key order
// only holds from then on, as in Kafka. A topic named twice in one
// request gets a single INVALID_REQUEST answer (ControllerApis.createPartitions).

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 3, handleCreatePartitions) }

func handleCreatePartitions(r *request, req *kmsg.CreatePartitionsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.CreatePartitionsResponse))
	counts := countNames(req.Topics, func(t kmsg.CreatePartitionsRequestTopic) string { return t.Topic })
	answered := map[string]bool{}
	for _, rt := range req.Topics {
		if answered[rt.Topic] {
			continue // one answer per name, as in Kafka
		}
		answered[rt.Topic] = true
		st := kmsg.NewCreatePartitionsResponseTopic()
		st.Topic = rt.Topic
		var err error
		if counts[rt.Topic] > 1 {
			err = kafkaerr.New(kerr.InvalidRequest, "duplicate topic name %s", rt.Topic)
		} else {
			var assignment [][]int32
			if rt.Assignment != nil { // null: place replicas; empty: assign none
				assignment = make([][]int32, 0, len(rt.Assignment))
			}
			for _, a := range rt.Assignment {
				assignment = append(assignment, a.Replicas)
			}
			err = b.cluster.ctl.createPartitions(rt.Topic, rt.Count, assignment, req.ValidateOnly)
		}
		if err != nil {
			st.ErrorCode = kafkaerr.Code(err)
			st.ErrorMessage = kafkaerr.Message(err)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}
