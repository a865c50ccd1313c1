package quota

import (
	"maps"
	"slices"
	"strings"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Set is the cluster's quotas: the values set on each entity. It is
// immutable (Alter returns a new Set), so that a broker can read the
// current one without a lock, as it reads the rest of the metadata
// image. The zero Set and a nil *Set are empty.
type Set struct {
	entries map[string]Entry // by Entity.Key
	// byKey counts the entities that set each quota key, so that a
	// broker with no quota of a kind skips measuring it.
	byKey map[string]int
}

// Entry is one entity and its quota values.
type Entry struct {
	Entity Entity
	Values map[string]float64
}

// Op is one change to an entity's quotas: set Key to Value, or remove it.
type Op struct {
	Key    string
	Value  float64
	Remove bool
}

// Alteration is the changes to one entity, as AlterClientQuotas names
// them.
type Alteration struct {
	Entity []Component
	Ops    []Op
}

// Len returns the number of entities with a quota.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.entries)
}

// Has reports whether any entity sets the quota key.
func (s *Set) Has(key string) bool { return s != nil && s.byKey[key] > 0 }

// Entries returns a copy of every entity's quotas: users first (the default user
// before named ones, each followed by its client-ids), then client-ids,
// then ips.
func (s *Set) Entries() []Entry {
	if s == nil {
		return nil
	}
	keys := slices.Sorted(maps.Keys(s.entries))
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		// Copies: the caller may change them, the Set must not change.
		e := s.entries[k]
		out = append(out, Entry{Entity: e.Entity.clone(), Values: maps.Clone(e.Values)})
	}
	return out
}

// values returns the quotas of an entity, nil if none.
func (s *Set) values(e Entity) map[string]float64 {
	if s == nil {
		return nil
	}
	return s.entries[e.Key()].Values
}

// Alter applies alterations and returns the new Set and one error (nil
// for success) per alteration, as Kafka's controller does
// (ClientQuotaControlManager.alterClientQuotas): each alteration is
// validated on its own and only the valid ones change the quotas;
// removing a key the entity does not have is not an error. A key named
// twice in one alteration, or an entity altered twice in one request,
// is INVALID_REQUEST. s is not changed.
func (s *Set) Alter(alts []Alteration) (*Set, []error) {
	next := s.clone()
	errs := make([]error, len(alts))
	seen := map[string]bool{}
	for i, a := range alts {
		raw := rawKey(a.Entity)
		if seen[raw] {
			errs[i] = kafkaerr.New(kerr.InvalidRequest, "Ignoring duplicate entity %s", rawEntity(a.Entity))
			continue
		}
		seen[raw] = true
		if dupKey(a.Ops) {
			// Kafka records the duplicate key against the entity and then,
			// finding a result already there, reports the entity as a
			// duplicate.
			errs[i] = kafkaerr.New(kerr.InvalidRequest, "Ignoring duplicate entity %s", rawEntity(a.Entity))
			continue
		}
		errs[i] = next.alterOne(a)
	}
	return next, errs
}

func (s *Set) alterOne(a Alteration) error {
	e, err := entityOf(a.Entity)
	if err != nil {
		return err
	}
	keys, err := keysFor(e)
	if err != nil {
		return err
	}
	for _, op := range a.Ops {
		if !op.Remove {
			if err := checkValue(keys, op.Key, op.Value); err != nil {
				return err
			}
		}
	}
	k := e.Key()
	values := maps.Clone(s.entries[k].Values)
	if values == nil {
		values = map[string]float64{}
	}
	for _, op := range a.Ops {
		_, had := values[op.Key]
		switch {
		case op.Remove && had:
			delete(values, op.Key)
			s.byKey[op.Key]--
		case !op.Remove:
			if !had {
				s.byKey[op.Key]++
			}
			values[op.Key] = op.Value
		}
	}
	if len(values) == 0 {
		delete(s.entries, k)
	} else {
		s.entries[k] = Entry{Entity: e.clone(), Values: values}
	}
	return nil
}

func dupKey(ops []Op) bool {
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Key] {
			return true
		}
		seen[op.Key] = true
	}
	return false
}

// rawKey identifies an entity as the request names it, before any
// validation: Kafka spots a duplicate entity by the request's map.
func rawKey(cs []Component) string {
	m := make(Entity, len(cs))
	for _, c := range cs {
		m[c.Type] = c.Name
	}
	return m.Key()
}

func rawEntity(cs []Component) string {
	m := make(Entity, len(cs))
	for _, c := range cs {
		m[c.Type] = c.Name
	}
	return m.String()
}

func (s *Set) clone() *Set {
	c := &Set{entries: map[string]Entry{}, byKey: map[string]int{}}
	if s != nil {
		maps.Copy(c.entries, s.entries)
		maps.Copy(c.byKey, s.byKey)
	}
	return c
}

// Load builds a Set from saved entries, refusing one that Alter could not
// have made.
func Load(entries []Entry) (*Set, error) {
	var alts []Alteration
	for _, en := range entries {
		a := Alteration{Entity: en.Entity.Components()}
		for _, k := range slices.Sorted(maps.Keys(en.Values)) {
			a.Ops = append(a.Ops, Op{Key: k, Value: en.Values[k]})
		}
		alts = append(alts, a)
	}
	s, errs := (*Set)(nil).Alter(alts)
	for i, err := range errs {
		if err != nil {
			return nil, kafkaerr.New(kerr.InvalidRequest, "quota of %s: %v", entries[i].Entity, strings.TrimPrefix(err.Error(), "INVALID_REQUEST: "))
		}
	}
	return s, nil
}
