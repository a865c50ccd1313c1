package quota

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The match types of a DescribeClientQuotas filter component (KIP-546).
const (
	MatchExact     int8 = 0 // the entity of this type with this name
	MatchDefault   int8 = 1 // the default entity of this type
	MatchSpecified int8 = 2 // any entity that has this type, default or named
)

// FilterComponent is one part of a DescribeClientQuotas filter.
type FilterComponent struct {
	Type      string
	MatchType int8
	Match     *string // the name, for MatchExact only
}

// Filter selects entities for Describe. An entity matches when every
// component matches one of its parts; with Strict it must also have no
// other parts. A filter with no components matches every entity, or none
// when Strict.
type Filter struct {
	Components []FilterComponent
	Strict     bool
}

// Describe returns the entries the filter selects, in Entries' order, or
// Kafka's error for a filter it refuses (ClientQuotasImage.describe):
// INVALID_REQUEST for an empty or repeated type, a match string where
// none belongs or none where one does, an unknown match type, or ip with
// user or client-id; UNSUPPORTED_VERSION for an unknown entity type.
func (s *Set) Describe(f Filter) ([]Entry, error) {
	exact := map[string]*string{}
	typed := map[string]bool{}
	for _, c := range f.Components {
		if c.Type == "" {
			return nil, kafkaerr.New(kerr.InvalidRequest, "Invalid empty entity type.")
		}
		if _, ok := exact[c.Type]; ok || typed[c.Type] {
			return nil, kafkaerr.New(kerr.InvalidRequest, "Entity type %s cannot appear more than once in the filter.", c.Type)
		}
		if c.Type != User && c.Type != ClientID && c.Type != IP {
			return nil, kafkaerr.New(kerr.UnsupportedVersion, "Unsupported entity type %s", c.Type)
		}
		switch c.MatchType {
		case MatchExact:
			if c.Match == nil {
				return nil, kafkaerr.New(kerr.InvalidRequest, "Request specified MATCH_TYPE_EXACT, but set match string to null.")
			}
			exact[c.Type] = c.Match
		case MatchDefault:
			if c.Match != nil {
				return nil, kafkaerr.New(kerr.InvalidRequest, "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.")
			}
			exact[c.Type] = nil
		case MatchSpecified:
			if c.Match != nil {
				return nil, kafkaerr.New(kerr.InvalidRequest, "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.")
			}
			typed[c.Type] = true
		default:
			return nil, kafkaerr.New(kerr.InvalidRequest, "Unknown match type %d", c.MatchType)
		}
	}
	_, exactIP := exact[IP]
	_, exactUser := exact[User]
	_, exactClient := exact[ClientID]
	if (exactIP || typed[IP]) && (exactUser || typed[User] || exactClient || typed[ClientID]) {
		return nil, kafkaerr.New(kerr.InvalidRequest, "Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.")
	}
	if len(f.Components) == 0 && f.Strict {
		return nil, nil
	}
	var out []Entry
	for _, en := range s.Entries() {
		if matches(en.Entity, exact, typed, f.Strict) {
			out = append(out, en)
		}
	}
	return out, nil
}

func matches(e Entity, exact map[string]*string, typed map[string]bool, strict bool) bool {
	if strict && len(e) != len(exact)+len(typed) {
		return false
	}
	for t, want := range exact {
		got, ok := e[t]
		if !ok || (got == nil) != (want == nil) || (got != nil && *got != *want) {
			return false
		}
	}
	for t := range typed {
		if _, ok := e[t]; !ok {
			return false
		}
	}
	return true
}
