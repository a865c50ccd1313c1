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
//	TOPIC_CONFIG          set on the topic (CreateTopics, AlterConfigs)
//	STATIC_BROKER_CONFIG  set on the broker at start (gregor's broker options)
//	DEFAULT_CONFIG        Kafka's default
//
// Every config gregor accepts is listed here. A config that gregor stores
// and reports but that has no effect (fsync tuning, preallocation, tiered
// storage) says so in its Note, and the broker logs that note when the
// config is set, rather than silently ignoring it. Names that Kafka does
// not know are refused.
package config
