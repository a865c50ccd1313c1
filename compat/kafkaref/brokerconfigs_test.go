package kafkaref

import "github.com/twmb/franz-go/pkg/kmsg"

// Dynamic broker configs (KIP-226): the answers to altering a broker's
// configs and the cluster-wide defaults, good and bad, and what
// DescribeConfigs reports after, compared with Kafka's. Each change is
// undone at the end, so that the steps after see the static configs; what
// Kafka describes right after the undoing is not compared, since its
// broker applies the controller's committed change a moment after the
// alter is answered.

func alterBrokerLegacy(name string, kv ...string) func(*side) kmsg.Request {
	return func(*side) kmsg.Request {
		r := kmsg.NewPtrAlterConfigsRequest()
		res := kmsg.NewAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeBroker, name
		for i := 0; i+1 < len(kv); i += 2 {
			c := kmsg.NewAlterConfigsRequestResourceConfig()
			c.Name, c.Value = kv[i], kmsg.StringPtr(kv[i+1])
			res.Configs = append(res.Configs, c)
		}
		r.Resources = append(r.Resources, res)
		return r
	}
}

func brokerConfigSteps() []step {
	const set, del = kmsg.IncrementalAlterConfigOpSet, kmsg.IncrementalAlterConfigOpDelete
	const broker = kmsg.ConfigResourceTypeBroker
	return []step{
		{name: "brokerconfigs-default-set", req: incrementalAlter(broker, "", set, "log.cleaner.backoff.ms", "20000", false)},
		{name: "brokerconfigs-broker-set", req: incrementalAlter(broker, "1", set, "log.cleaner.backoff.ms", "25000", false)},
		{name: "brokerconfigs-broker-retention", req: incrementalAlter(broker, "1", set, "log.retention.ms", "604800000", false)},
		{name: "brokerconfigs-bad-value", req: incrementalAlter(broker, "1", set, "log.retention.ms", "soon", false)},
		{name: "brokerconfigs-below-minimum", req: incrementalAlter(broker, "", set, "log.segment.bytes", "100", false)},
		{name: "brokerconfigs-read-only", req: incrementalAlter(broker, "", set, "num.partitions", "3", false)},
		{name: "brokerconfigs-read-only-hours", req: incrementalAlter(broker, "1", set, "log.retention.hours", "1", false)},
		{name: "brokerconfigs-per-broker-at-default", req: incrementalAlter(broker, "", set, "listeners", "PLAINTEXT://:1", false)},
		{name: "brokerconfigs-security-unprefixed", req: incrementalAlter(broker, "", set, "ssl.keystore.location", "/x", false)},
		{name: "brokerconfigs-validate-only", req: incrementalAlter(broker, "", set, "log.cleanup.policy", "compact", true)},
		{name: "brokerconfigs-legacy-read-only", req: alterBrokerLegacy("1", "num.partitions", "3")},
		{name: "brokerconfigs-describe-broker", req: describeConfigs(true, configResource(broker, "1", "log.cleaner.backoff.ms", "log.retention.ms", "log.cleanup.policy", "num.partitions"))},
		{name: "brokerconfigs-describe-default", req: describeConfigs(true, configResource(broker, "", "log.cleaner.backoff.ms"))},
		{name: "brokerconfigs-describe-topic", req: describeConfigs(true, configResource(kmsg.ConfigResourceTypeTopic, topicSmall, "retention.ms"))},
		{name: "brokerconfigs-broker-delete", req: incrementalAlter(broker, "1", del, "log.cleaner.backoff.ms", "", false)},
		{name: "brokerconfigs-broker-delete-retention", req: incrementalAlter(broker, "1", del, "log.retention.ms", "", false)},
		{name: "brokerconfigs-default-delete", req: incrementalAlter(broker, "", del, "log.cleaner.backoff.ms", "", false)},
	}
}
