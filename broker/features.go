package broker

// Feature flags (KIP-584, KIP-778, KIP-1022).
//
// A Kafka cluster does not switch a protocol on by its brokers' software
// version alone: each broker says which levels of each feature it
// supports (ApiVersions SupportedFeatures), and the controller keeps one
// finalized level per feature for the whole cluster (FinalizedFeatures,
// with FinalizedFeaturesEpoch so a client can tell a newer answer from an
// older one). Clients read the finalized levels to choose a protocol: a
// producer uses transaction version 2 (KIP-890 part 2) only when
// transaction.version is finalized at 2 or more. An operator raises or
// lowers a level with UpdateFeatures (kafka-features.sh upgrade,
// downgrade), and new clusters are formatted with the release's default
// levels (kafka-storage.sh format --feature).
//
// gregor lists only the features whose levels it honours:
//
//   - transaction.version 0-2: 2 (the default, as Kafka 4 formats) is
//     KIP-890 part 2, the epoch bump on every EndTxn and Produce v12's
//     implicit AddPartitionsToTxn; at 0 or 1 clients use the older
//     protocol (AddPartitionsToTxn, the same epoch for every
//     transaction). Kafka writes TransactionLogValue version 0 at level
//     0; gregor writes version 1 at every level (package txn,
//     records.go), which Kafka reads too.
//   - group.version 1: the KIP-848 consumer group protocol
//     (ConsumerGroupHeartbeat), which gregor always serves, so it cannot
//     be lowered to 0.
//
// metadata.version, kraft.version, eligible.leader.replicas.version,
// share.version and streams.version are not listed: gregor's controller
// is not a Raft quorum, keeps no versioned metadata log, has no eligible
// leader replicas and serves neither share nor streams groups, so no
// level of theirs would be true (docs/not-yet.md).
//
// Kafka's FinalizedFeaturesEpoch is the offset of the last record in
// __cluster_metadata; gregor has no metadata log, and its epoch instead
// counts the feature changes since the cluster was formatted (starting
// at 1), which still only grows.

import (
	"fmt"
	"maps"
	"slices"
)

// A feature is one feature flag gregor supports: the levels it honours
// and the level a new cluster is formatted with.
type feature struct {
	name     string
	min, max int16
	dflt     int16
}

// The feature names, as Kafka spells them.
const (
	transactionVersionFeature = "transaction.version"
	groupVersionFeature       = "group.version"
)

// features lists the supported features by name.
var features = []feature{
	{name: groupVersionFeature, min: 1, max: 1, dflt: 1},
	{name: transactionVersionFeature, min: 0, max: 2, dflt: 2},
}

func featureNamed(name string) (feature, bool) {
	for _, f := range features {
		if f.name == name {
			return f, true
		}
	}
	return feature{}, false
}

// featureLevels are the finalized levels and their epoch. A level of 0
// is kept out of the map, as Kafka drops a feature finalized at 0 from
// its features image.
type featureLevels struct {
	levels map[string]int16
	epoch  int64
}

// level is the finalized level of name, 0 when it is not finalized.
func (f featureLevels) level(name string) int16 { return f.levels[name] }

// with returns the levels with name set to level, the epoch advanced.
func (f featureLevels) with(name string, level int16) featureLevels {
	next := featureLevels{levels: maps.Clone(f.levels), epoch: f.epoch + 1}
	if next.levels == nil {
		next.levels = map[string]int16{}
	}
	if level == 0 {
		delete(next.levels, name)
	} else {
		next.levels[name] = level
	}
	return next
}

// sortedNames lists the finalized features by name.
func (f featureLevels) sortedNames() []string {
	return slices.Sorted(maps.Keys(f.levels))
}

// defaultFeatureLevels are what a new cluster is formatted with: each
// feature's default unless an option chose another level.
func defaultFeatureLevels(chosen map[string]int16) featureLevels {
	out := featureLevels{levels: map[string]int16{}, epoch: 1}
	for _, f := range features {
		l := f.dflt
		if c, ok := chosen[f.name]; ok {
			l = c
		}
		if l != 0 {
			out.levels[f.name] = l
		}
	}
	return out
}

// TransactionVersion sets the transaction.version feature level a new
// cluster is formatted with (kafka-storage.sh format --feature
// transaction.version=N): 2 by default, as in Kafka 4; 1 or 0 make
// clients use the transaction protocol before KIP-890 part 2. A cluster
// restarted on a data directory keeps the level it has (UpdateFeatures
// changes it), as a formatted Kafka ignores --feature.
func TransactionVersion(level int16) Option {
	return func(o *options) error {
		f, _ := featureNamed(transactionVersionFeature)
		if level < f.min || level > f.max {
			return fmt.Errorf("transaction.version %d is outside the supported %d-%d", level, f.min, f.max)
		}
		if o.features == nil {
			o.features = map[string]int16{}
		}
		o.features[transactionVersionFeature] = level
		return nil
	}
}

// FinalizedFeature returns the cluster's finalized level of a feature
// (0 when it is not finalized or not known), as ApiVersions reports it.
func (c *Cluster) FinalizedFeature(name string) int16 {
	return c.ctl.current().features.level(name)
}
