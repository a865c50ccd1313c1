package broker

import (
	"fmt"

	"github.com/gregorkafka/gregor/config"
)

// Effective configs from Go: the value a broker or a topic actually runs
// with, whether set by an option, by AlterConfigs or left at Kafka's
// default, so that tests derive timeouts and limits
// (broker.session.timeout.ms, session.timeout.ms bounds, segment.bytes...)
// from the cluster instead of hard-coding Kafka's defaults.

// Config returns the effective value of a broker config, the same on
// every broker: what Config or Configs set, or else Kafka's default. A
// config Kafka leaves null (no default) reads as "". node.id, broker.id
// and log.dirs differ per broker; ask BrokerConfig. An unknown name is an
// error.
func (c *Cluster) Config(name string) (string, error) {
	if _, unknown := c.brokerConfig.Describe([]string{name}); len(unknown) > 0 {
		return "", fmt.Errorf("no broker config %q", name)
	}
	if _, perBroker := assignedConfigs[name]; perBroker {
		return "", fmt.Errorf("broker config %q differs per broker: use BrokerConfig", name)
	}
	return c.brokerConfig.String(name), nil
}

// BrokerConfig returns the effective value of a broker config on one
// broker, including those gregor assigns per broker (node.id, broker.id,
// log.dirs: <DataDir>/broker-<id>, or "(memory)/broker-<id>" without a
// data directory). An unknown broker or config name is an error.
func (c *Cluster) BrokerConfig(brokerID int32, name string) (string, error) {
	b := c.Broker(brokerID)
	if b == nil {
		return "", fmt.Errorf("no broker %d (brokers are 1..%d)", brokerID, len(c.brokers))
	}
	if _, unknown := b.config.Describe([]string{name}); len(unknown) > 0 {
		return "", fmt.Errorf("no broker config %q", name)
	}
	return b.config.String(name), nil
}

// TopicConfig returns the effective value of a topic config as the brokers
// apply it now, and where it comes from: the topic's own setting (created
// with it or changed by AlterConfigs), the broker config it falls back to
// (log.retention.hours for retention.ms...), or Kafka's default. An
// unknown topic or config name is an error.
func (c *Cluster) TopicConfig(topic, name string) (string, config.Source, error) {
	t := c.ctl.current().topics[topic]
	if t == nil {
		return "", config.SourceUnknown, fmt.Errorf("topic %q does not exist", topic)
	}
	v, src, ok := c.brokerConfig.Topic(t.configs).Lookup(name)
	if !ok && src == config.SourceUnknown {
		return "", src, fmt.Errorf("no topic config %q", name)
	}
	return v, src, nil
}
