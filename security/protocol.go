package security

import "fmt"

// Protocol is a listener's security protocol (SecurityProtocol.java):
// whether the connection is encrypted with TLS and whether the client
// authenticates with SASL.
type Protocol string

const (
	Plaintext     Protocol = "PLAINTEXT"
	SSL           Protocol = "SSL"
	SASLPlaintext Protocol = "SASL_PLAINTEXT"
	SASLSSL       Protocol = "SASL_SSL"
)

// ParseProtocol parses a security protocol name, case-insensitively as
// Kafka does.
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(upper(s)); p {
	case Plaintext, SSL, SASLPlaintext, SASLSSL:
		return p, nil
	}
	return "", fmt.Errorf("no security protocol named %q (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)", s)
}

// UsesTLS reports whether connections on the protocol are TLS.
func (p Protocol) UsesTLS() bool { return p == SSL || p == SASLSSL }

// UsesSASL reports whether clients on the protocol must authenticate
// with SASL before any other request.
func (p Protocol) UsesSASL() bool { return p == SASLPlaintext || p == SASLSSL }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
