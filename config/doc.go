// Package config holds Kafka's broker and topic configs: their names,
// types, defaults (Apache Kafka 4.x) and validation, and the rule that
// ties the two together: a topic config that is not set on the topic
// falls back to a broker config, its "synonym" (retention.ms falls back to
// log.retention.ms, then log.retention.minutes, then log.retention.hours,
// then the default).
//
// DescribeConfigs reports every value with its source, which this package
// computes:
//
//	TOPIC_CONFIG                   set on the topic (CreateTopics, AlterConfigs)
//	DYNAMIC_BROKER_CONFIG          set on this broker at runtime (AlterConfigs)
//	DYNAMIC_DEFAULT_BROKER_CONFIG  set for all brokers at runtime
//	STATIC_BROKER_CONFIG           set on the broker at start (gregor's broker options)
//	DEFAULT_CONFIG                 Kafka's default
//
// The two dynamic levels are KIP-226's dynamic broker configs
// (dynamic.go): Kafka lets some broker configs change while the cluster
// runs (the log.* defaults of topic configs, the cleaner's backoff,
// min.insync.replicas, ...), some only for one broker (listeners), and
// keeps the rest read-only (num.partitions, log.retention.hours). This
// package holds that classification and Kafka's messages for a change it
// refuses; a config Kafka could change but gregor does not apply at
// runtime is refused too, rather than stored without effect.
//
// Every config gregor accepts is listed here. A config that gregor stores
// and reports but that has no effect (fsync tuning, preallocation, tiered
// storage) says so in its Note, and the broker logs that note when the
// config is set, rather than silently ignoring it. Names that Kafka does
// not know are refused.
package config
