package security

import (
	"errors"
	"time"
)

// The SASL mechanisms gregor serves, by the names clients send in
// SaslHandshake (sasl.enabled.mechanisms).
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// Mechanisms lists the mechanisms gregor implements, in the order a
// broker with SASL users enables them.
var Mechanisms = []string{MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512, MechanismOAuthBearer}

// Exchange is the server side of one SASL authentication: the broker
// hands it each token from SaslAuthenticate and sends back what it
// returns. It is Java's SaslServer, reduced to what Kafka uses.
type Exchange interface {
	// Next takes the client's token and returns the server's reply. done
	// is true once the client is authenticated; the principal is then
	// Principal(). An error is a failed authentication; its message is
	// what Kafka tells the client.
	Next(token []byte) (reply []byte, done bool, err error)
	// Principal is the authenticated principal, valid once done.
	Principal() Principal
}

// AuthenticationError is a failed authentication. Its message is the one
// Kafka sends in the SaslAuthenticate response (error_message), so that
// clients print what they would print against Kafka.
//
// A failure Java's SaslServer reports as a SaslException (a wrong SCRAM
// proof, a malformed message) is not passed on: Kafka tells the client
// only that its credentials were invalid, naming the mechanism and
// whether it was authenticating or re-authenticating (KIP-368). Such an
// error has InvalidCredentials set, and ClientMessage words it.
type AuthenticationError struct {
	Message            string
	InvalidCredentials bool
	Mechanism          string // with InvalidCredentials
}

func (e *AuthenticationError) Error() string { return e.ClientMessage(false) }

// ClientMessage is the error_message of the SaslAuthenticate response;
// reauthenticating says the client was renewing an authenticated
// session.
func (e *AuthenticationError) ClientMessage(reauthenticating bool) string {
	if !e.InvalidCredentials {
		return e.Message
	}
	during := "authentication"
	if reauthenticating {
		during = "re-authentication"
	}
	return "Authentication failed during " + during + " due to invalid credentials with SASL mechanism " + e.Mechanism
}

func authFailed(msg string) error { return &AuthenticationError{Message: msg} }

// IsAuthenticationError reports whether err is a failed authentication.
func IsAuthenticationError(err error) bool {
	var ae *AuthenticationError
	return errors.As(err, &ae)
}

// Expiring is an Exchange whose credential has a lifetime of its own
// (an OAUTHBEARER token): the session ends with it.
type Expiring interface {
	Expires() time.Time
}

// NewExchange starts the server side of mechanism against the users in
// creds; now is the clock OAUTHBEARER token lifetimes are checked on. It
// fails for a mechanism gregor does not implement.
func NewExchange(mechanism string, creds *Credentials, now func() time.Time) (Exchange, error) {
	if creds == nil || now == nil {
		return nil, errors.New("security: nil credentials or clock")
	}
	switch mechanism {
	case MechanismPlain:
		return &plainExchange{creds: creds}, nil
	case MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		return &scramExchange{mech: mechanism, creds: creds}, nil
	case MechanismOAuthBearer:
		return &oauthExchange{now: now}, nil
	}
	return nil, errors.New("security: unsupported SASL mechanism " + mechanism)
}
