package security

import (
	"bytes"
	"crypto/subtle"
	"fmt"
)

// SASL/PLAIN (RFC 4616): the client sends, in one token,
// authzid NUL authcid NUL password. The password travels as it is, so
// PLAIN belongs on a TLS listener (SASL_SSL) outside tests. Kafka checks
// it against the user_<name>="<password>" entries of its JAAS config;
// gregor against the users of its Credentials.
type plainExchange struct {
	creds     *Credentials
	principal Principal
}

func (e *plainExchange) Next(token []byte) ([]byte, bool, error) {
	parts := bytes.Split(token, []byte{0})
	if len(parts) != 3 {
		return nil, false, authFailed(fmt.Sprintf("Invalid SASL/PLAIN response: expected 3 tokens, got %d", len(parts)))
	}
	authzid, user, password := string(parts[0]), string(parts[1]), parts[2]
	if user == "" {
		return nil, false, authFailed("Authentication failed: username not specified")
	}
	if len(password) == 0 {
		return nil, false, authFailed("Authentication failed: password not specified")
	}
	want, ok := e.creds.plainPassword(user)
	if !ok || subtle.ConstantTimeCompare([]byte(want), password) != 1 {
		return nil, false, authFailed("Authentication failed: Invalid username or password")
	}
	if authzid != "" && authzid != user {
		return nil, false, authFailed("Authentication failed: Client requested an authorization id that is different from username")
	}
	e.principal = User(user)
	return nil, true, nil
}

func (e *plainExchange) Principal() Principal { return e.principal }
