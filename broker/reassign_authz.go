package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// reassignmentsDenied completes the answer to a reassignment request
// denied on the cluster (no ALTER, or no DESCRIBE for the listing) as
// Kafka's getErrorResponse builds it: the error at the top level, where
// admin clients look for it, as well as on each partition of an
// AlterPartitionReassignments, and a ListPartitionReassignments echoing
// the partitions it was asked about.
func reassignmentsDenied(r *request, resp kmsg.Response, code int16) {
	switch resp := resp.(type) {
	case *kmsg.AlterPartitionAssignmentsResponse:
		resp.ErrorCode = code
	case *kmsg.ListPartitionReassignmentsResponse:
		resp.ErrorCode = code
		resp.Topics = nil
		for _, t := range r.body.(*kmsg.ListPartitionReassignmentsRequest).Topics {
			rt := kmsg.NewListPartitionReassignmentsResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
				rp.Partition = p
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
	}
}
