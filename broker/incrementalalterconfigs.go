package broker

// IncrementalAlterConfigs (key 44), versions 0-1.
//
// Changes single configs of a resource and leaves the others alone
// (KIP-339), which is what kafka-configs.sh --alter and kadm's
// AlterTopicConfigs send. Each change is an operation on one key:
//
//	SET       give the key a value
//	DELETE    remove the topic's own setting (back to the broker's value
//	          or Kafka's default)
//	APPEND    add values to a list config (cleanup.policy), starting from
//	          Kafka's default when the topic has no setting
//	SUBTRACT  remove values from a list config
//
// APPEND or SUBTRACT on a config that is not a list is INVALID_CONFIG, an
// unknown operation INVALID_REQUEST. Everything else (validation, topics
// that must exist, dynamic broker configs, validate_only, how the change
// reaches the replicas) is as for AlterConfigs, in alterconfigs.go.
// Broker loggers (KIP-412) are not implemented: gregor logs through the
// slog.Logger it is given. v1 is the flexible version.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 1, handleIncrementalAlterConfigs) }

func handleIncrementalAlterConfigs(r *request, req *kmsg.IncrementalAlterConfigsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse))
	seen := map[configResource]int{}
	for _, res := range req.Resources {
		seen[configResource{res.ResourceType, res.ResourceName}]++
	}
	for _, res := range req.Resources {
		out := kmsg.NewIncrementalAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		key := configResource{res.ResourceType, res.ResourceName}
		var err error
		if res.ResourceType == resourceBrokerLogger && seen[key] == 1 {
			err = kafkaerr.New(kerr.InvalidRequest, "broker logger configs are not implemented: gregor logs through the slog.Logger it is given")
		} else {
			change := configChange{resource: key, validateOnly: req.ValidateOnly, named: seen[key]}
			for _, c := range res.Configs {
				change.ops = append(change.ops, configOp{name: c.Name, op: c.Op, value: c.Value})
			}
			err = b.alterConfigs(change)
		}
		if err != nil {
			out.ErrorCode = kafkaerr.Code(err)
			out.ErrorMessage = kafkaerr.Message(err)
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}
