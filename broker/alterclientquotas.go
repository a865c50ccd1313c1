package broker

// AlterClientQuotas (key 49), versions 0-1 (KIP-546).
//
// Sets or removes quota values on entities (user, client-id, both, or
// ip; a null name is the default entity). Each entry is answered on its
// own, with Kafka's INVALID_REQUEST messages for an empty or malformed
// entity, ip combined with user or client-id, an unknown key, a value of
// 0 or less, a fraction for an integral key, a key given twice or an
// entity given twice; the valid entries are applied together, published
// in the metadata image (clientquotas.go) and so enforced by every
// broker from their next request. validate_only checks without applying.
// Needs ALTER_CONFIGS on the cluster (authz_rules.go).

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 1, handleAlterClientQuotas) }

func handleAlterClientQuotas(r *request, req *kmsg.AlterClientQuotasRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.AlterClientQuotasResponse))
	alts := make([]quota.Alteration, len(req.Entries))
	for i, e := range req.Entries {
		for _, c := range e.Entity {
			alts[i].Entity = append(alts[i].Entity, quota.Component{Type: c.Type, Name: c.Name})
		}
		for _, op := range e.Ops {
			alts[i].Ops = append(alts[i].Ops, quota.Op{Key: op.Key, Value: op.Value, Remove: op.Remove})
		}
	}
	errs, err := r.broker.cluster.ctl.alterQuotas(alts, req.ValidateOnly)
	for i, e := range req.Entries {
		re := kmsg.NewAlterClientQuotasResponseEntry()
		for _, c := range e.Entity {
			re.Entity = append(re.Entity, kmsg.AlterClientQuotasResponseEntryEntity{Type: c.Type, Name: c.Name})
		}
		switch {
		case errs[i] != nil:
			re.ErrorCode, re.ErrorMessage = kafkaerr.Code(errs[i]), kafkaerr.Message(errs[i])
		case err != nil:
			// Saving the metadata failed: the change is in force but may
			// not survive a restart.
			re.ErrorCode, re.ErrorMessage = kafkaerr.Code(err), kmsg.StringPtr(err.Error())
		}
		resp.Entries = append(resp.Entries, re)
	}
	return resp, nil
}
