package broker

// Dynamic broker configs (KIP-226), as a KRaft cluster keeps them.
//
// AlterConfigs and IncrementalAlterConfigs on a BROKER resource change a
// broker's configs at runtime: the resource names a node id for that
// broker alone, or is empty for the cluster-wide default of every broker
// (kafka-configs.sh --entity-type brokers --entity-default). The
// controller keeps both levels in the metadata image, as KRaft keeps
// ConfigRecords in __cluster_metadata, and so in cluster-metadata.json
// with a data directory; every broker applies them when it applies the
// image, as Kafka's DynamicConfigPublisher does:
//
//   - the broker's config (config.Broker.SetDynamic) answers with the new
//     values from then on: DescribeConfigs reports them with the sources
//     DYNAMIC_BROKER_CONFIG and DYNAMIC_DEFAULT_BROKER_CONFIG, and
//     settings read per request (transaction.partition.verification.enable)
//     change at once;
//   - every hosted replica takes its topic's effective configs again, so
//     a topic without its own retention.ms follows a changed
//     log.retention.ms at the next retention check, and a topic without its
//     own segment.bytes rolls by a changed log.segment.bytes;
//   - the cleaner takes log.cleaner.backoff.ms when it next schedules.
//
// The controller's own copy (the cluster-wide defaults under the
// controller node's own dynamic configs) decides
// unclean.leader.election.enable for topics that do not set it, at the
// next election. Which configs may change, at
// which level, and the messages for those that may not, are in the config
// package (config/dynamic.go).

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// alterBrokerConfigs checks and applies the changes to one level of
// dynamic broker configs: this broker's (the resource names its id) or
// the cluster-wide default (the empty name).
func (b *Broker) alterBrokerConfigs(c configChange) error {
	level := c.resource.name
	if level != "" {
		if err := b.checkBrokerResource(level); err != nil {
			return err
		}
	}
	b.cluster.alterConfigsMu.Lock()
	defer b.cluster.alterConfigsMu.Unlock()
	im := b.cluster.ctl.current()
	next := map[string]string{}
	if !c.replace {
		next = maps.Clone(im.brokerConfigs[level])
		if next == nil {
			next = map[string]string{}
		}
	}
	var names []string
	for _, o := range c.ops {
		names = append(names, o.name)
		if err := b.applyBrokerConfigOp(next, o); err != nil {
			return err
		}
	}
	if c.replace {
		// AlterConfigs removes what it does not name; those names
		// are changed as well.
		for n := range im.brokerConfigs[level] {
			if _, ok := next[n]; !ok && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if err := config.CheckDynamic(names, next, level != ""); err != nil {
		return kafkaerr.New(kerr.InvalidRequest, "%v", err)
	}
	perBroker, clusterDefault := im.brokerConfigs[strconv.Itoa(int(b.id))], im.brokerConfigs[""]
	if level == "" {
		clusterDefault = next
	} else {
		perBroker = next
	}
	if err := b.cluster.brokerConfig.CheckEffective(perBroker, clusterDefault); err != nil {
		return kafkaerr.New(kerr.InvalidRequest, "Invalid dynamic configuration: %v", err)
	}
	if c.validateOnly {
		return nil
	}
	return b.cluster.ctl.alterBrokerConfigs(level, next)
}

// applyBrokerConfigOp applies one change to a level's settings. APPEND
// and SUBTRACT start from the broker's current value when the level does
// not set the config.
func (b *Broker) applyBrokerConfigOp(settings map[string]string, o configOp) error {
	return applyOp(settings, o, b.config)
}

// alterBrokerConfigs replaces one level of dynamic broker configs
// (already validated) and publishes the image; an empty level is removed.
func (ctl *controller) alterBrokerConfigs(level string, configs map[string]string) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	next := ctl.current().clone()
	next.brokerConfigs = maps.Clone(next.brokerConfigs)
	if next.brokerConfigs == nil {
		next.brokerConfigs = map[string]map[string]string{}
	}
	if len(configs) == 0 {
		delete(next.brokerConfigs, level)
	} else {
		next.brokerConfigs[level] = maps.Clone(configs)
	}
	who := "cluster-wide default"
	if level != "" {
		who = "broker " + level
	}
	ctl.cluster.logger.Info("dynamic broker configs altered", "level", who, "configs", fmt.Sprint(configs))
	return ctl.publish(next)
}

// applyClusterDefaults gives the controller's copy of the broker configs
// the dynamic configs of an image: the cluster-wide defaults and the
// controller node's own, as Kafka's ConfigurationControlManager takes the
// controller's node config for a topic's unclean.leader.election.enable.
func (c *Cluster) applyClusterDefaults(im *image) {
	c.brokerConfig.SetDynamic(im.brokerConfigs[strconv.Itoa(int(im.controllerID))], im.brokerConfigs[""])
}

// applyDynamicConfigs gives the broker its dynamic configs from an image,
// and reports whether they changed.
func (b *Broker) applyDynamicConfigs(im *image) bool {
	return b.config.SetDynamic(im.brokerConfigs[strconv.Itoa(int(b.id))], im.brokerConfigs[""])
}

// reconfigureReplicas hands every hosted replica its topic's effective
// configs again, after the broker defaults they fall back to changed.
// Callers hold replicasMu.
func (b *Broker) reconfigureReplicas(im *image) {
	for key, r := range b.replicas {
		t := im.topics[key.topic]
		if t == nil || t.id != r.topicID {
			continue
		}
		if err := r.SetConfig(b.partitionConfig(t)); err != nil {
			b.logger.Error("applying dynamic broker configs failed", "topic", t.name, "partition", key.partition, "error", err)
		}
	}
}

// loadBrokerConfigs checks the dynamic broker configs read back from the
// metadata file.
func loadBrokerConfigs(levels map[string]map[string]string) (map[string]map[string]string, error) {
	for level, set := range levels {
		if level != "" {
			if id, err := strconv.ParseInt(level, 10, 32); err != nil || id < 1 {
				return nil, fmt.Errorf("dynamic broker configs for %q: not a broker id", level)
			}
		}
		if err := config.CheckStoredDynamic(set); err != nil {
			return nil, fmt.Errorf("dynamic broker configs for %q: %w", level, err)
		}
	}
	return levels, nil
}
