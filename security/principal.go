package security

import (
	"errors"
	"strings"
)

// UserType is the principal type of every principal a broker builds
// (KafkaPrincipal.USER_TYPE).
const UserType = "User"

// Principal is an authenticated party: Kafka's KafkaPrincipal. The zero
// value is not a valid principal; a connection that authenticated nobody
// carries Anonymous.
type Principal struct {
	Type string // "User" for every principal gregor builds
	Name string
}

// Anonymous is the principal of a connection that authenticated nobody:
// a PLAINTEXT listener, or an SSL listener without a client certificate
// (KafkaPrincipal.ANONYMOUS).
var Anonymous = Principal{Type: UserType, Name: "ANONYMOUS"}

// User returns the principal User:name.
func User(name string) Principal { return Principal{Type: UserType, Name: name} }

// String writes the principal as Kafka does: "User:alice".
func (p Principal) String() string { return p.Type + ":" + p.Name }

// IsAnonymous reports whether p is User:ANONYMOUS.
func (p Principal) IsAnonymous() bool { return p == Anonymous }

// ParsePrincipal parses "Type:Name" as Kafka's SecurityUtils.parseKafkaPrincipal
// does: the type is everything before the first colon, the name everything
// after it (a name may itself contain colons, as a DN-derived one can).
func ParsePrincipal(s string) (Principal, error) {
	typ, name, ok := strings.Cut(s, ":")
	if !ok || typ == "" {
		return Principal{}, errors.New("principal must be of the form Type:Name, as in User:alice: " + s)
	}
	return Principal{Type: typ, Name: name}, nil
}
