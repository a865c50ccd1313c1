package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// Dynamic broker configs (KIP-226), after Kafka's DynamicBrokerConfig.
//
// Some broker configs can be changed while the cluster runs, with
// AlterConfigs or IncrementalAlterConfigs on a BROKER resource: for one
// broker (the resource names its node id) or for every broker at once (the
// empty name, the cluster-wide default). A broker's value then comes from
// the first of these layers that sets it:
//
//	DYNAMIC_BROKER_CONFIG          set for this broker at runtime
//	DYNAMIC_DEFAULT_BROKER_CONFIG  set for all brokers at runtime
//	STATIC_BROKER_CONFIG           set when the broker started
//	DEFAULT_CONFIG                 Kafka's default
//
// and a topic config that the topic does not set follows its broker
// synonyms through the same layers, so a topic without its own
// retention.ms keeps records for a changed log.retention.ms from the next
// retention check on.
//
// Kafka classifies each config: most are read-only (num.partitions,
// log.retention.hours, log.cleaner.enable: "Cannot update these configs
// dynamically"); listeners and listener.security.protocol.map can be
// changed for one broker only ("broker id must be specified"); the
// SSL and SASL settings only per listener, with a listener prefix; the
// rest (the log.* defaults of topic configs, the cleaner, thread pools,
// compression, min.insync.replicas, ...) at either level. Gregor keeps
// that classification, and accepts a dynamic change only where it applies
// it: a config that Kafka can change but gregor does not apply at runtime
// (thread pools, fsync tuning, listeners) is refused with a message saying
// so, never stored without effect.

// dynamicScope is where Kafka lets a config be altered at runtime.
type dynamicScope int8

const (
	readOnly      dynamicScope = iota
	clusterWide                // per broker or as the cluster-wide default
	perBrokerOnly              // per broker only (DynamicBrokerConfig.PerBrokerConfigs)
	perListener                // only with a listener prefix (DynamicSecurityConfigs)
)

// dynamicScopes are the broker configs gregor knows that Kafka 4.4 can
// alter at runtime (those it describes with read_only false); every other
// known broker config is read-only.
var dynamicScopes = func() map[string]dynamicScope {
	m := map[string]dynamicScope{}
	for _, n := range []string{
		// DynamicLogConfig: the broker synonyms of topic configs.
		"compression.type", "compression.gzip.level", "compression.lz4.level", "compression.zstd.level",
		"log.cleanup.policy", "log.cleaner.delete.retention.ms", "log.cleaner.min.compaction.lag.ms",
		"log.cleaner.max.compaction.lag.ms", "log.cleaner.min.cleanable.ratio",
		"log.flush.interval.messages", "log.flush.interval.ms", "log.index.interval.bytes",
		"log.index.size.max.bytes", "log.message.timestamp.type", "log.message.timestamp.before.max.ms",
		"log.message.timestamp.after.max.ms", "log.preallocate", "log.retention.bytes", "log.retention.ms",
		"log.roll.jitter.ms", "log.roll.ms", "log.segment.bytes", "log.segment.delete.delay.ms",
		"message.max.bytes", "min.insync.replicas", "unclean.leader.election.enable",
		// LogCleaner.ReconfigurableConfigs.
		"log.cleaner.backoff.ms", "log.cleaner.threads",
		// DynamicThreadPool.
		"num.io.threads", "num.network.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir", "background.threads",
		// DynamicProducerStateManagerConfig, and KIP-890's verification switch.
		"producer.id.expiration.ms", "transaction.partition.verification.enable",
	} {
		m[n] = clusterWide
	}
	for _, n := range []string{"listeners", "listener.security.protocol.map"} {
		m[n] = perBrokerOnly
	}
	for _, n := range []string{
		"sasl.enabled.mechanisms", "sasl.mechanism.inter.broker.protocol", "ssl.client.auth", "ssl.enabled.protocols",
		"ssl.endpoint.identification.algorithm", "ssl.key.password", "ssl.keystore.location", "ssl.keystore.password",
		"ssl.keystore.type", "ssl.protocol", "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
	} {
		m[n] = perListener
	}
	return m
}()

// notAppliedDynamically says, for the configs Kafka can alter at runtime
// but gregor does not apply when they change, why; configs with a Note
// (accepted without effect) are refused with their note.
var notAppliedDynamically = map[string]string{
	"listeners":                      "a broker's listeners are gregor options, opened when the broker starts",
	"listener.security.protocol.map": "a broker's listeners are gregor options, opened when the broker starts",
	"producer.id.expiration.ms":      "producer state is set up with the value the broker started with",
}

// IsDynamic reports whether gregor applies a broker config changed at
// runtime (DescribeConfigs reports the others read-only).
func IsDynamic(name string) bool {
	s := dynamicScopes[name]
	if s != clusterWide && s != perBrokerOnly {
		return false
	}
	if _, ok := notAppliedDynamically[name]; ok {
		return false
	}
	return brokerByName[name] != nil && brokerByName[name].Note == ""
}

// CheckDynamic validates a change to one level of dynamic broker configs,
// in the order Kafka's DynamicBrokerConfig.validateConfigs checks: names
// that cannot change at runtime, security configs without a listener
// prefix, values, then per-broker configs at the cluster-wide level; and
// last, configs that gregor does not apply at runtime. names are the
// configs the request touches (set or removed), set the level's values
// after the change. perBroker is false for the cluster-wide default.
// Messages are Kafka's; the broker answers them with INVALID_REQUEST.
func CheckDynamic(names []string, set map[string]string, perBroker bool) error {
	names = slices.Sorted(slices.Values(names))
	var unknown, static, security, broker, notApplied []string
	for _, n := range names {
		d := brokerByName[n]
		switch {
		case d == nil:
			unknown = append(unknown, n)
		case dynamicScopes[n] == readOnly:
			static = append(static, n)
		case dynamicScopes[n] == perListener:
			security = append(security, n)
		case dynamicScopes[n] == perBrokerOnly && !perBroker:
			broker = append(broker, n)
		case !IsDynamic(n):
			notApplied = append(notApplied, n)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unknown broker configs: %s (Kafka keeps unknown names for plugins; gregor has no plugins)", javaList(unknown))
	}
	if len(static) > 0 {
		return kafkaMessage("Cannot update these configs dynamically: " + javaList(static))
	}
	if len(security) > 0 {
		return kafkaMessage("These security configs can be dynamically updated only per-listener using the listener prefix: " + javaList(security))
	}
	for _, n := range slices.Sorted(maps.Keys(set)) {
		if slices.Contains(names, n) {
			if err := brokerByName[n].parseKafka(set[n]); err != nil {
				return err
			}
		}
	}
	if len(broker) > 0 {
		return kafkaMessage("Cannot update these configs at default cluster level, broker id must be specified: " + javaList(broker))
	}
	if len(notApplied) > 0 {
		var why []string
		for _, n := range notApplied {
			reason := notAppliedDynamically[n]
			if reason == "" {
				reason = brokerByName[n].Note
			}
			why = append(why, n+": "+reason)
		}
		return fmt.Errorf("gregor does not apply these configs at runtime yet: %s (%s); set them when the cluster starts", javaList(notApplied), strings.Join(why, "; "))
	}
	return nil
}

// CheckStoredDynamic validates dynamic configs read back from the cluster
// metadata: each must be a config gregor applies at runtime, with a valid
// value.
func CheckStoredDynamic(set map[string]string) error {
	for _, n := range slices.Sorted(maps.Keys(set)) {
		if !IsDynamic(n) {
			return fmt.Errorf("%s is not a dynamic broker config", n)
		}
		if err := brokerByName[n].parse(set[n]); err != nil {
			return err
		}
	}
	return nil
}

// kafkaMessage is an error worded exactly as Kafka words it, capital
// letter included, so that tools matching Kafka's messages match gregor's.
type kafkaMessage string

func (m kafkaMessage) Error() string { return string(m) }

// javaList prints names as Kafka's error messages do: [a, b].
func javaList(names []string) string { return "[" + strings.Join(names, ", ") + "]" }

// parseKafka is parse with the messages of Kafka's ConfigDef:
// "Invalid value soon for configuration log.retention.ms: Not a number of
// type LONG".
func (d *Def) parseKafka(v string) error {
	why := ""
	if err := checkType(d.Type, v); err != nil {
		switch d.Type {
		case Boolean:
			why = "Expected value to be either true or false"
		case Int:
			why = "Not a number of type INT"
		case Short:
			why = "Not a number of type SHORT"
		case Long:
			why = "Not a number of type LONG"
		case Double:
			why = "Not a number of type DOUBLE"
		default:
			why = err.Error()
		}
	} else if d.Check != nil {
		if err := d.Check(v); err != nil {
			why = err.Error()
			why = strings.ToUpper(why[:1]) + why[1:]
		}
	}
	if why != "" {
		return kafkaMessage(fmt.Sprintf("Invalid value %s for configuration %s: %s", v, d.Name, why))
	}
	return nil
}

// dynamicLayers are the two runtime levels of a broker's configs.
type dynamicLayers struct {
	perBroker      map[string]string // DYNAMIC_BROKER_CONFIG
	clusterDefault map[string]string // DYNAMIC_DEFAULT_BROKER_CONFIG
}

// dynamicHolder holds a broker's current dynamic layers. They are
// replaced whole (atomically), so a reader sees one consistent pair.
type dynamicHolder struct {
	p atomic.Pointer[dynamicLayers]
}

func (h *dynamicHolder) load() *dynamicLayers {
	if h == nil {
		return &dynamicLayers{}
	}
	if l := h.p.Load(); l != nil {
		return l
	}
	return &dynamicLayers{}
}

// SetDynamic replaces the broker's dynamic configs: those set for this
// broker and the cluster-wide defaults (either may be nil). The values
// were validated when they were altered. It reports whether anything
// changed. Readers see the old layers or the new ones, never a mix;
// callers serialize SetDynamic itself (gregor's controller lock).
func (b *Broker) SetDynamic(perBroker, clusterDefault map[string]string) bool {
	old := b.dyn.load()
	if maps.Equal(old.perBroker, perBroker) && maps.Equal(old.clusterDefault, clusterDefault) {
		return false
	}
	b.dyn.p.Store(&dynamicLayers{perBroker: maps.Clone(perBroker), clusterDefault: maps.Clone(clusterDefault)})
	return true
}

// CheckEffective validates the broker configs that would result from the
// given dynamic layers, across configs: min.compaction.lag.ms above
// max.compaction.lag.ms is refused.
func (b *Broker) CheckEffective(perBroker, clusterDefault map[string]string) error {
	c := &Broker{set: b.set, dyn: &dynamicHolder{}}
	c.SetDynamic(perBroker, clusterDefault)
	return checkCompactionLag("log.cleaner.min.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", func(n string) string {
		if c.IsSet(n) {
			return c.String(n)
		}
		return ""
	})
}

// layered returns where a broker config's value could come from, most
// specific first: each level that sets it, then Kafka's default.
func (b *Broker) layered(l *dynamicLayers, name string) []SynonymEntry {
	var out []SynonymEntry
	if v, ok := l.perBroker[name]; ok {
		out = append(out, SynonymEntry{name, v, SourceDynamicBroker})
	}
	if v, ok := l.clusterDefault[name]; ok {
		out = append(out, SynonymEntry{name, v, SourceDynamicBrokerDef})
	}
	if v, ok := b.set[name]; ok {
		out = append(out, SynonymEntry{name, v, SourceStaticBroker})
	}
	if d := brokerByName[name]; d != nil && d.Default != nil {
		out = append(out, SynonymEntry{name, *d.Default, SourceDefault})
	}
	return out
}

// brokerSynonyms are the groups of broker configs that set one value
// under several names, the most precise first, as Kafka's
// DynamicBrokerConfig.brokerConfigSynonyms lists them: log.retention.ms
// wins over log.retention.minutes, which wins over log.retention.hours.
var brokerSynonyms = func() map[string][]string {
	m := map[string][]string{}
	for _, g := range [][]string{
		{"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
		{"log.roll.ms", "log.roll.hours"},
		{"log.roll.jitter.ms", "log.roll.jitter.hours"},
		{"log.flush.interval.ms", "log.flush.scheduler.interval.ms"},
	} {
		for _, n := range g {
			m[n] = g
		}
	}
	return m
}()

// synonymsOf lists the places name's value could come from, as Kafka's
// ConfigHelper.configSynonyms does: level by level (this broker's dynamic
// configs, the cluster-wide defaults, the static configs, Kafka's
// defaults), each over the whole group, and from the first entry that is
// name itself on. So with only log.retention.hours set, log.retention.ms
// lists no synonyms, and log.retention.hours lists itself but not a
// log.retention.ms set above it.
func (b *Broker) synonymsOf(l *dynamicLayers, name string, group []string) []SynonymEntry {
	var all []SynonymEntry
	add := func(values map[string]string, source Source) {
		for _, n := range group {
			if v, ok := values[n]; ok {
				all = append(all, SynonymEntry{n, v, source})
			}
		}
	}
	add(l.perBroker, SourceDynamicBroker)
	add(l.clusterDefault, SourceDynamicBrokerDef)
	add(b.set, SourceStaticBroker)
	for _, n := range group {
		if d := brokerByName[n]; d != nil && d.Default != nil {
			all = append(all, SynonymEntry{n, *d.Default, SourceDefault})
		}
	}
	for i, s := range all {
		if s.Name == name {
			return all[i:]
		}
	}
	return nil
}

// synonymGroup is the group name belongs to, or name alone.
func synonymGroup(name string) []string {
	if g := brokerSynonyms[name]; g != nil {
		return g
	}
	return []string{name}
}

// DescribeClusterDefaults reports the cluster-wide dynamic defaults, as a
// DescribeConfigs of the BROKER resource with the empty name answers:
// only the configs set at that level (names nil for all of them).
func (b *Broker) DescribeClusterDefaults(names []string) []Entry {
	l := b.dyn.load()
	if names == nil {
		names = slices.Sorted(maps.Keys(l.clusterDefault))
	}
	var out []Entry
	for _, n := range names {
		v, ok := l.clusterDefault[n]
		d := brokerByName[n]
		if !ok || d == nil {
			continue
		}
		out = append(out, Entry{Name: n, Value: v, Source: SourceDynamicBrokerDef, ReadOnly: !IsDynamic(n),
			Type: d.Type, Note: d.Note, Sensitive: d.Type == Password,
			Synonyms: []SynonymEntry{{n, v, SourceDynamicBrokerDef}}})
	}
	return out
}
