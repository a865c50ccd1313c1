package broker

// OffsetDelete (key 47), version 0.
//
// Deletes a group's committed offsets for some partitions (what
// kafka-consumer-groups.sh --delete-offsets sends). The group must exist
// (GROUP_ID_NOT_FOUND); offsets of topics its members consume are kept
// (GROUP_SUBSCRIBED_TO_TOPIC); a classic group whose protocol type is not
// "consumer" must be empty (NON_EMPTY_GROUP). Deleted offsets become
// tombstones in __consumer_offsets.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(0, 0, handleOffsetDelete) }

func handleOffsetDelete(r *request, req *kmsg.OffsetDeleteRequest) (kmsg.Response, error) {
	resp, err := r.broker.groups.DeleteOffsets(r.ctx, req)
	if err != nil {
		return nil, err
	}
	return responseFor(r, resp), nil
}
