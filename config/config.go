package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

var (
	brokerByName = indexDefs(brokerDefs)
	topicByName  = func() map[string]*topicDef {
		m := make(map[string]*topicDef, len(topicDefs))
		for i := range topicDefs {
			m[topicDefs[i].Name] = &topicDefs[i]
		}
		return m
	}()
)

func indexDefs(defs []Def) map[string]*Def {
	m := make(map[string]*Def, len(defs))
	for i := range defs {
		m[defs[i].Name] = &defs[i]
	}
	return m
}

// Entry is one config as DescribeConfigs reports it.
type Entry struct {
	Name      string
	Value     string
	IsNull    bool
	Source    Source
	ReadOnly  bool
	Sensitive bool
	Type      Type
	Note      string
	Synonyms  []SynonymEntry
}

// SynonymEntry is one place a value could come from, most specific first.
type SynonymEntry struct {
	Name   string
	Value  string
	Source Source
}

// Broker is a broker's configuration: the values set at start (static,
// immutable) over Kafka's defaults, under the dynamic configs altered at
// runtime (dynamic.go), which SetDynamic replaces atomically.
type Broker struct {
	set map[string]string
	dyn *dynamicHolder // nil: static only
}

// NewBroker validates the given broker configs. It returns the notes of
// configs that gregor accepts without effect, for the caller to log.
func NewBroker(set map[string]string) (*Broker, []string, error) {
	b := &Broker{set: make(map[string]string, len(set)), dyn: &dynamicHolder{}}
	var notes []string
	for _, name := range slices.Sorted(maps.Keys(set)) {
		d, ok := brokerByName[name]
		if !ok {
			if _, isTopic := topicByName[name]; isTopic {
				return nil, nil, fmt.Errorf("%s is a topic config; set it on a topic, or set its broker default %s", name, topicByName[name].Synonyms[0].Name)
			}
			return nil, nil, fmt.Errorf("unknown broker config %q", name)
		}
		if err := d.parse(set[name]); err != nil {
			return nil, nil, err
		}
		if d.Note != "" {
			notes = append(notes, name+": "+d.Note)
		}
		b.set[name] = strings.TrimSpace(set[name])
	}
	if err := checkCompactionLag("log.cleaner.min.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", func(n string) string { return b.set[n] }); err != nil {
		return nil, nil, err
	}
	return b, notes, nil
}

// Defaults returns a broker configuration with nothing set: Kafka's
// defaults throughout.
func Defaults() *Broker { return &Broker{set: map[string]string{}} }

// With returns a copy of b with name set, for values gregor fills in
// itself (node.id, log.dirs). The copy has its own dynamic layers,
// starting as b's.
func (b *Broker) With(name, value string) *Broker {
	c := &Broker{set: maps.Clone(b.set), dyn: &dynamicHolder{}}
	l := b.dyn.load()
	c.SetDynamic(l.perBroker, l.clusterDefault)
	c.set[name] = value
	return c
}

// IsSet reports whether name was set explicitly, at start or at runtime.
func (b *Broker) IsSet(name string) bool {
	return b.sourceOf(b.dyn.load(), name) != SourceDefault
}

// sourceOf returns the most specific level that sets name, or
// SourceDefault.
func (b *Broker) sourceOf(l *dynamicLayers, name string) Source {
	if s := b.layered(l, name); len(s) > 0 {
		return s[0].Source
	}
	return SourceDefault
}

// Value returns a broker config's value; ok is false when it is null.
func (b *Broker) Value(name string) (string, bool) {
	if s := b.layered(b.dyn.load(), name); len(s) > 0 {
		return s[0].Value, true
	}
	return "", false
}

// String returns a config's value ("" when null).
func (b *Broker) String(name string) string {
	v, _ := b.Value(name)
	return v
}

// Long returns a numeric config's value (0 when null).
func (b *Broker) Long(name string) int64 {
	n, _ := strconv.ParseInt(b.String(name), 10, 64)
	return n
}

// Int returns a numeric config's value as an int.
func (b *Broker) Int(name string) int { return int(b.Long(name)) }

// Bool returns a boolean config's value.
func (b *Broker) Bool(name string) bool { return strings.EqualFold(b.String(name), "true") }

// Describe reports broker configs; nil names means all of them. Each
// config's source is the first of its synonyms (synonymsOf), as Kafka's
// ConfigHelper reports it.
func (b *Broker) Describe(names []string) ([]Entry, []string) {
	var out []Entry
	var unknown []string
	if names == nil {
		for i := range brokerDefs {
			if !brokerDefs[i].Internal {
				names = append(names, brokerDefs[i].Name)
			}
		}
	}
	l := b.dyn.load()
	for _, n := range names {
		d, ok := brokerByName[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		e := Entry{Name: n, Type: d.Type, ReadOnly: d.ReadOnly || !IsDynamic(n), Note: d.Note, Source: SourceDefault, Sensitive: d.Type == Password}
		if own := b.layered(l, n); len(own) > 0 {
			e.Value = own[0].Value
		} else {
			e.IsNull = true
		}
		e.Synonyms = b.synonymsOf(l, n, synonymGroup(n))
		if len(e.Synonyms) > 0 {
			e.Source = e.Synonyms[0].Source
		}
		out = append(out, e)
	}
	return out, unknown
}

// IsTopicConfig reports whether name is a topic config.
func IsTopicConfig(name string) bool {
	_, ok := topicByName[name]
	return ok
}

// ValidateTopic checks topic configs as CreateTopics and AlterConfigs do
// (INVALID_CONFIG on failure). It returns the notes of configs gregor
// accepts without effect.
func ValidateTopic(set map[string]string) ([]string, error) {
	var notes []string
	for _, name := range slices.Sorted(maps.Keys(set)) {
		d, ok := topicByName[name]
		if !ok {
			return nil, fmt.Errorf("unknown topic config name: %s", name)
		}
		if err := d.parse(set[name]); err != nil {
			return nil, err
		}
		if d.Note != "" {
			notes = append(notes, name+": "+d.Note)
		}
	}
	if err := checkCompactionLag("min.compaction.lag.ms", "max.compaction.lag.ms", func(n string) string { return strings.TrimSpace(set[n]) }); err != nil {
		return nil, err
	}
	return notes, nil
}

// Topic is the effective configuration of one topic: its own settings
// over the broker's.
type Topic struct {
	broker *Broker
	set    map[string]string
}

// Topic returns the effective configuration for a topic with the given
// settings (already validated).
func (b *Broker) Topic(set map[string]string) Topic {
	return Topic{broker: b, set: set}
}

// Lookup returns a topic config's value and where it comes from.
func (t Topic) Lookup(name string) (string, Source, bool) {
	d, ok := topicByName[name]
	if !ok {
		return "", SourceUnknown, false
	}
	if v, ok := t.set[name]; ok {
		return v, SourceTopic, true
	}
	l := t.broker.dyn.load()
	for _, s := range d.Synonyms {
		if src := t.broker.sourceOf(l, s.Name); src != SourceDefault {
			return scaled(t.broker.layered(l, s.Name)[0].Value, s.Scale), src, true
		}
	}
	if d.Default != nil {
		return *d.Default, SourceDefault, true
	}
	// Topic defaults equal the broker defaults of their synonyms.
	for _, s := range d.Synonyms {
		if v, ok := t.broker.Value(s.Name); ok {
			return scaled(v, s.Scale), SourceDefault, true
		}
	}
	return "", SourceDefault, false
}

func scaled(v string, scale int64) string {
	if scale == 1 {
		return v
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	return strconv.FormatInt(n*scale, 10)
}

// String returns a topic config's value.
func (t Topic) String(name string) string {
	v, _, _ := t.Lookup(name)
	return v
}

// Long returns a numeric topic config's value.
func (t Topic) Long(name string) int64 {
	n, _ := strconv.ParseInt(t.String(name), 10, 64)
	return n
}

// Int returns a numeric topic config's value as an int.
func (t Topic) Int(name string) int { return int(t.Long(name)) }

// Bool returns a boolean topic config's value.
func (t Topic) Bool(name string) bool { return strings.EqualFold(t.String(name), "true") }

// Overrides returns the topic's own settings.
func (t Topic) Overrides() map[string]string { return maps.Clone(t.set) }

// Describe reports topic configs; nil names means all of them.
func (t Topic) Describe(names []string) ([]Entry, []string) {
	var unknown []string
	if names == nil {
		for i := range topicDefs {
			if !topicDefs[i].Internal {
				names = append(names, topicDefs[i].Name)
			}
		}
		slices.Sort(names)
	}
	var out []Entry
	for _, n := range names {
		d, ok := topicByName[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		v, _, ok := t.Lookup(n)
		e := Entry{Name: n, Value: v, IsNull: !ok, Source: SourceDefault, Type: d.Type, Note: d.Note}
		if tv, ok := t.set[n]; ok {
			e.Synonyms = append(e.Synonyms, SynonymEntry{n, tv, SourceTopic})
		}
		// The broker synonyms as Kafka's ConfigHelper lists them: from
		// the primary one (log.retention.ms for retention.ms) on, so a
		// value from log.retention.hours alone lists none.
		if len(d.Synonyms) > 0 {
			group := make([]string, len(d.Synonyms))
			for i, s := range d.Synonyms {
				group[i] = s.Name
			}
			e.Synonyms = append(e.Synonyms, t.broker.synonymsOf(t.broker.dyn.load(), group[0], group)...)
		}
		if len(e.Synonyms) > 0 {
			e.Source = e.Synonyms[0].Source
		}
		out = append(out, e)
	}
	return out, unknown
}
