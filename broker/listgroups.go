package broker

// ListGroups (key 16), versions 0-5.
//
// Lists the groups this broker coordinates; clients ask every broker and
// merge. v4 filters by state (KIP-518), v5 by type, classic or consumer
// (KIP-848); both filters are case-insensitive.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 5, handleListGroups) }

func handleListGroups(r *request, req *kmsg.ListGroupsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ListGroupsResponse))
	groups, err := r.broker.groups.ListGroups(r.ctx, req.StatesFilter, req.TypesFilter)
	if err != nil {
		resp.ErrorCode = kafkaerr.Code(err)
		return resp, nil
	}
	resp.Groups = groups
	if resp.Groups == nil {
		resp.Groups = []kmsg.ListGroupsResponseGroup{}
	}
	return resp, nil
}
