package quota

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The entity types, as Kafka names them on the wire and in
// kafka-configs.sh --entity-type (without the plural).
const (
	User     = "user"
	ClientID = "client-id"
	IP       = "ip"
)

// Component is one part of an entity as a request names it: a type and a
// name, nil for the default entity of that type.
type Component struct {
	Type string
	Name *string
}

// Entity is what a quota is set on: at most one name per entity type,
// nil for the default. Compare entities with Key.
type Entity map[string]*string

// Key is a canonical string for the entity, equal for equal entities.
func (e Entity) Key() string {
	var b strings.Builder
	for _, t := range e.types() {
		b.WriteByte(byte('0' + typeRank(t))) // so that keys sort users first
		b.WriteString(t)
		if n := e[t]; n == nil {
			b.WriteString("\x00d")
		} else {
			b.WriteString("\x00n")
			b.WriteString(*n)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// types returns the entity's types in a fixed order: user, client-id, ip,
// then any other in name order.
func (e Entity) types() []string {
	out := make([]string, 0, len(e))
	for t := range e {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int {
		ra, rb := typeRank(a), typeRank(b)
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return out
}

func typeRank(t string) int {
	switch t {
	case User:
		return 0
	case ClientID:
		return 1
	case IP:
		return 2
	}
	return 3
}

// Components returns the entity's parts, user first.
func (e Entity) Components() []Component {
	out := make([]Component, 0, len(e))
	for _, t := range e.types() {
		out = append(out, Component{Type: t, Name: e[t]})
	}
	return out
}

// String prints the entity as Kafka's ClientQuotaEntity prints in error
// messages.
func (e Entity) String() string {
	var parts []string
	for _, t := range e.types() {
		name := "null"
		if n := e[t]; n != nil {
			name = *n
		}
		parts = append(parts, t+"="+name)
	}
	return "ClientQuotaEntity(entries={" + strings.Join(parts, ", ") + "})"
}

func (e Entity) clone() Entity {
	c := make(Entity, len(e))
	for t, n := range e {
		if n != nil {
			s := *n
			n = &s
		}
		c[t] = n
	}
	return c
}

// entityOf builds the entity a request names, with Kafka's errors
// (ClientQuotaControlManager.validateEntity) for no parts, an unknown
// type or an empty name. A type named twice keeps its last name: Kafka
// reads a request's entity into a map before validating it.
func entityOf(cs []Component) (Entity, error) {
	if len(cs) == 0 {
		return nil, kafkaerr.New(kerr.InvalidRequest, "Invalid empty client quota entity")
	}
	e := make(Entity, len(cs))
	for _, c := range cs {
		switch c.Type {
		case User, ClientID, IP:
		default:
			return nil, kafkaerr.New(kerr.InvalidRequest, "Unhandled client quota entity type: %s", c.Type)
		}
		if c.Name != nil && *c.Name == "" {
			return nil, kafkaerr.New(kerr.InvalidRequest, "Empty %s not supported", c.Type)
		}
		e[c.Type] = c.Name
	}
	return e, nil
}

// keysFor returns the quota keys an entity may have: the four user and
// client-id quotas, or connection_creation_rate for an ip alone.
func keysFor(e Entity) (map[string]keyType, error) {
	_, user := e[User]
	_, client := e[ClientID]
	ip, hasIP := e[IP]
	switch {
	case hasIP && (user || client):
		// Kafka's message lacks the space between "should" and "not".
		return nil, kafkaerr.New(kerr.InvalidRequest, "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId")
	case hasIP:
		if ip != nil && !validHost(*ip) {
			return nil, kafkaerr.New(kerr.InvalidRequest, "%s is not a valid IP or resolvable host.", *ip)
		}
		return ipKeys, nil
	case user || client:
		return userClientKeys, nil
	}
	return nil, kafkaerr.New(kerr.InvalidRequest, "Invalid empty client quota entity")
}

// validHost accepts an IP address or a host name. Kafka resolves names
// with DNS; gregor does not look names up, it accepts any well-formed
// one, so that a test never depends on the machine's resolver.
func validHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
