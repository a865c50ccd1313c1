package broker

// DescribeClientQuotas (key 48), versions 0-1 (KIP-546).
//
// Lists the client quotas a filter selects: each component matches an
// entity type by name (MATCH_TYPE_EXACT), its default (MATCH_TYPE_DEFAULT)
// or any entity of that type (MATCH_TYPE_SPECIFIED); strict leaves out
// entities with parts the filter does not name. A filter Kafka refuses is
// answered with a top-level INVALID_REQUEST (or UNSUPPORTED_VERSION for an
// unknown entity type) and no entries, as Kafka's ClientQuotasImage
// answers it. Needs DESCRIBE_CONFIGS on the cluster (authz_rules.go).

import (
	"maps"
	"slices"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 1, handleDescribeClientQuotas) }

func handleDescribeClientQuotas(r *request, req *kmsg.DescribeClientQuotasRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeClientQuotasResponse))
	f := quota.Filter{Strict: req.Strict}
	for _, c := range req.Components {
		f.Components = append(f.Components, quota.FilterComponent{Type: c.EntityType, MatchType: int8(c.MatchType), Match: c.Match})
	}
	entries, err := r.broker.cluster.ctl.current().quotas.Describe(f)
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = kafkaerr.Code(err), kafkaerr.Message(err)
		return resp, nil
	}
	resp.ErrorMessage = kmsg.StringPtr("") // as Kafka answers a success
	resp.Entries = make([]kmsg.DescribeClientQuotasResponseEntry, 0, len(entries))
	for _, e := range entries {
		re := kmsg.NewDescribeClientQuotasResponseEntry()
		for _, c := range e.Entity.Components() {
			re.Entity = append(re.Entity, kmsg.DescribeClientQuotasResponseEntryEntity{Type: c.Type, Name: c.Name})
		}
		for _, k := range slices.Sorted(maps.Keys(e.Values)) {
			re.Values = append(re.Values, kmsg.DescribeClientQuotasResponseEntryValue{Key: k, Value: e.Values[k]})
		}
		resp.Entries = append(resp.Entries, re)
	}
	return resp, nil
}
