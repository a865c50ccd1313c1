package broker

// AlterConfigs (key 33), versions 0-2.
//
// The original way to change configs: each resource is given its complete
// new set of settings, and any setting not named is removed (back to the
// broker's value or Kafka's default). IncrementalAlterConfigs
// (incrementalalterconfigs.go) changes single keys instead and is what
// current tools use; both share the code below.
//
// Topics: the new settings are checked like CreateTopics configs
// (INVALID_CONFIG for an unknown name or a bad value), then the topic must
// exist (UNKNOWN_TOPIC_OR_PARTITION), and the controller publishes them, so
// every replica applies new segment, message and retention settings at
// once. validate_only checks and changes nothing. An illegal topic name is
// INVALID_TOPIC_EXCEPTION, the empty one INVALID_REQUEST.
//
// Brokers: a broker resource names this broker's node id, or is empty
// for the cluster-wide defaults, and changes that level of the dynamic
// broker configs (dynamicconfig.go). A config that cannot change at
// runtime ("Cannot update these configs dynamically"), a bad value, and a
// per-broker config at the cluster-wide level are INVALID_REQUEST with
// Kafka's messages (DynamicBrokerConfig.validateConfigs, KAFKA-13609); so
// is a config Kafka can change but gregor does not apply at runtime, with
// a message saying so.
//
// Request checks, as in ConfigAdminManager.preprocess: a resource named
// twice, a config named twice in one resource, and a null value are
// INVALID_REQUEST. v2 is the flexible version.

import (
	"maps"
	"slices"
	"strings"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 2, handleAlterConfigs) }

func handleAlterConfigs(r *request, req *kmsg.AlterConfigsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.AlterConfigsResponse))
	seen := map[configResource]int{}
	for _, res := range req.Resources {
		seen[configResource{res.ResourceType, res.ResourceName}]++
	}
	for _, res := range req.Resources {
		out := kmsg.NewAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		var ops []configOp
		for _, c := range res.Configs {
			ops = append(ops, configOp{name: c.Name, op: kmsg.IncrementalAlterConfigOpSet, value: c.Value})
		}
		change := configChange{resource: configResource{res.ResourceType, res.ResourceName}, ops: ops,
			replace: true, validateOnly: req.ValidateOnly, named: seen[configResource{res.ResourceType, res.ResourceName}]}
		if err := b.alterConfigs(change); err != nil {
			out.ErrorCode = kafkaerr.Code(err)
			out.ErrorMessage = kafkaerr.Message(err)
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// configResource is a resource whose configs change.
type configResource struct {
	kind kmsg.ConfigResourceType
	name string
}

// configOp is one change to one config.
type configOp struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp // SET, DELETE, APPEND or SUBTRACT
	value *string
}

// configChange is the changes asked for one resource.
type configChange struct {
	resource     configResource
	ops          []configOp
	replace      bool // AlterConfigs: settings not named are removed
	validateOnly bool
	named        int // how often the request names the resource
}

// alterConfigs checks and applies the changes to one resource.
func (b *Broker) alterConfigs(c configChange) error {
	if c.named > 1 {
		return kafkaerr.New(kerr.InvalidRequest, "each resource must appear at most once")
	}
	names := map[string]bool{}
	var nulls []string
	for _, o := range c.ops {
		if names[o.name] {
			return kafkaerr.New(kerr.InvalidRequest, "error due to duplicate config keys: %s", o.name)
		}
		names[o.name] = true
		if o.value == nil && o.op != kmsg.IncrementalAlterConfigOpDelete {
			nulls = append(nulls, o.name)
		}
	}
	if len(nulls) > 0 {
		return kafkaerr.New(kerr.InvalidRequest, "null value not supported for: %s", strings.Join(nulls, ", "))
	}
	switch c.resource.kind {
	case resourceTopic:
		return b.alterTopicConfigs(c)
	case resourceBroker:
		if c.resource.name != "" {
			if err := b.checkBrokerResource(c.resource.name); err != nil {
				return err
			}
		}
		if handled, err := replicationThrottleChange(c); handled {
			return err
		}
		return b.alterBrokerConfigs(c)
	}
	return kafkaerr.New(kerr.InvalidRequest, "unknown resource type %d", c.resource.kind)
}

// kafkaDefaults are the broker configs with nothing set: what APPEND and
// SUBTRACT start from when a topic has no setting of its own, as Kafka's
// ConfigurationControlManager starts from the topic config's default.
var kafkaDefaults = config.Defaults()

func (b *Broker) alterTopicConfigs(c configChange) error {
	name := c.resource.name
	if name == "" {
		return kafkaerr.New(kerr.InvalidRequest, "default topic resources are not allowed")
	}
	if err := validateTopicName(name); err != nil {
		return kafkaerr.New(kerr.InvalidTopicException, "%v", err)
	}
	b.cluster.alterConfigsMu.Lock()
	defer b.cluster.alterConfigsMu.Unlock()
	t := b.cluster.ctl.current().topics[name]
	next := map[string]string{}
	if t != nil && !c.replace {
		next = maps.Clone(t.configs)
	}
	for _, o := range c.ops {
		if err := applyConfigOp(next, o); err != nil {
			return err
		}
	}
	if _, err := config.ValidateTopic(next); err != nil {
		return kafkaerr.New(kerr.InvalidConfig, "%v", err)
	}
	if t == nil {
		return kafkaerr.New(kerr.UnknownTopicOrPartition, "topic %s does not exist", name)
	}
	if c.validateOnly {
		return nil
	}
	return b.cluster.ctl.alterTopicConfigs(name, next)
}

// applyConfigOp applies one change to a topic's settings.
func applyConfigOp(settings map[string]string, o configOp) error {
	return applyOp(settings, o, kafkaDefaults.Topic(nil))
}

// configDescriber is what gives the current value APPEND and SUBTRACT
// start from when settings do not set the config: the topic defaults or
// the broker's own configs.
type configDescriber interface {
	Describe(names []string) ([]config.Entry, []string)
}

// applyOp applies one IncrementalAlterConfigs operation to settings;
// only a LIST config may be appended to or subtracted from.
func applyOp(settings map[string]string, o configOp, base configDescriber) error {
	switch o.op {
	case kmsg.IncrementalAlterConfigOpSet:
		settings[o.name] = *o.value
	case kmsg.IncrementalAlterConfigOpDelete:
		delete(settings, o.name)
	case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
		entries, _ := base.Describe([]string{o.name})
		if len(entries) == 0 || entries[0].Type != config.List {
			return kafkaerr.New(kerr.InvalidConfig, "can't %s to key %s because its type is not LIST", o.op, o.name)
		}
		current, ok := settings[o.name]
		if !ok {
			current = entries[0].Value
		}
		settings[o.name] = editList(current, *o.value, o.op == kmsg.IncrementalAlterConfigOpAppend)
	default:
		return kafkaerr.New(kerr.InvalidRequest, "unknown operations type %d", o.op)
	}
	return nil
}

// editList appends the comma-separated values not yet in list, or
// subtracts them from it.
func editList(list, values string, add bool) string {
	var items []string
	for _, v := range strings.Split(list, ",") {
		if v != "" {
			items = append(items, v)
		}
	}
	for _, v := range strings.Split(values, ",") {
		if add && !slices.Contains(items, v) {
			items = append(items, v)
		} else if !add {
			items = slices.DeleteFunc(items, func(s string) bool { return s == v })
		}
	}
	return strings.Join(items, ",")
}
