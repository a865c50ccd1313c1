package broker

// SASL authentication on SASL_PLAINTEXT and SASL_SSL listeners: the
// connection's state machine (KIP-43, KIP-152, KIP-368). The mechanisms
// (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER with Kafka's
// unsecured-token validator) live in package security.
//
//	        ApiVersions
//	          ┌──┐
//	          ▼  │        SaslHandshake (enabled mechanism)
//	     ┌─────────┐ ────────────────────────▶ ┌──────────────┐
//	     │handshake│                           │ authenticate │◀─┐ SaslAuthenticate
//	     └─────────┘ ◀── (never)               └──────────────┘ ─┘ (more rounds)
//	          │ anything else:                   │ done   │ anything else: ILLEGAL_SASL_STATE,
//	          │ connection closed                │        │ then closed; wrong credentials:
//	          ▼                                  ▼        │ SASL_AUTHENTICATION_FAILED, then closed
//	                                     ┌───────────────┐
//	                                     │ authenticated │── SaslHandshake: re-authentication
//	                                     └───────────────┘   (KIP-368), same mechanism and principal
//
// Before the handshake a SASL listener serves only ApiVersions and
// SaslHandshake; Kafka closes the connection on any other request
// ("Unexpected Kafka request of type ... during SASL handshake"). A
// handshake naming a mechanism that is not enabled is answered
// UNSUPPORTED_SASL_MECHANISM with the enabled list (so the client can
// say what it could have used) and the connection is closed.
//
// With connections.max.reauth.ms set, a successful SaslAuthenticate (v1+)
// tells the client its session lifetime; a client that has not
// re-authenticated by then has its connection closed at its next
// request, measured on the cluster clock.
//
// SaslHandshake v0 is advertised, as Kafka does (librdkafka looks for it
// before it authenticates at all), but a v0 handshake is answered
// UNSUPPORTED_VERSION and the connection closed: v0 is followed by bare
// SASL tokens outside Kafka's framing, which gregor does not read and no
// current client sends (they use v1 and SaslAuthenticate).

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() {
	register(0, 1, handleSaslHandshake)
	register(0, 2, handleSaslAuthenticate)
}

type saslPhase int

const (
	saslHandshake saslPhase = iota
	saslAuthenticate
	saslAuthenticated
)

type saslState struct {
	phase          saslPhase
	mechanism      string // of the last handshake
	exchange       security.Exchange
	reauth         bool      // authenticating again on an authenticated connection
	expires        time.Time // zero: the session never expires
	supportsReauth bool      // the client sent SaslAuthenticate v1+
}

const (
	saslHandshakeKey    = 17
	saslAuthenticateKey = 36
)

// errSessionExpired closes a connection whose session outlived
// connections.max.reauth.ms.
var errSessionExpired = errors.New("SASL session expired (connections.max.reauth.ms) without re-authentication")

// saslGate decides, before a request's handler, what a SASL listener's
// state allows. gated is true when the request is answered (or the
// connection closed) here instead of by its handler.
func (c *conn) saslGate(r *request) (resp kmsg.Response, err error, gated bool) {
	s := c.sasl
	if s == nil {
		return nil, nil, false
	}
	switch s.phase {
	case saslHandshake:
		if r.key == apiVersionsKey || r.key == saslHandshakeKey {
			return nil, nil, false
		}
		return nil, badRequestf("unexpected Kafka request of type %s during SASL handshake", kmsg.NameForKey(r.key)), true
	case saslAuthenticate:
		if r.key == saslAuthenticateKey {
			return nil, nil, false
		}
		c.closeAfterResponse = true
		return errorResponse(r, kerr.IllegalSaslState.Code), nil, true
	}
	if !s.expires.IsZero() && !c.b.cluster.clock.Now().Before(s.expires) && r.key != saslHandshakeKey {
		return nil, errSessionExpired, true
	}
	return nil, nil, false
}

// enabledMechanisms is sasl.enabled.mechanisms as set for the listener
// or the broker, or, by default, every mechanism gregor implements
// (Kafka's default, GSSAPI, is not one of them).
func (b *Broker) enabledMechanisms(l *brokerListener) []string {
	if b.isSet(l, "sasl.enabled.mechanisms") {
		var out []string
		for _, m := range strings.Split(b.setting(l, "sasl.enabled.mechanisms"), ",") {
			if m = strings.TrimSpace(m); m != "" {
				out = append(out, m)
			}
		}
		return out
	}
	return slices.Clone(security.Mechanisms)
}

func handleSaslHandshake(r *request, req *kmsg.SASLHandshakeRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.SASLHandshakeResponse))
	c := r.conn
	if c == nil || c.sasl == nil {
		// A listener without SASL (KafkaApis answers it so).
		resp.ErrorCode = kerr.IllegalSaslState.Code
		return resp, nil
	}
	s := c.sasl
	enabled := r.broker.enabledMechanisms(c.listener)
	resp.SupportedMechanisms = enabled
	if r.version == 0 {
		c.closeAfterResponse = true
		resp.ErrorCode = kerr.UnsupportedVersion.Code
		return resp, nil
	}
	if s.phase == saslAuthenticated {
		if req.Mechanism != s.mechanism {
			// KIP-368: re-authentication keeps the mechanism.
			c.closeAfterResponse = true
			resp.ErrorCode = kerr.IllegalSaslState.Code
			return resp, nil
		}
		s.reauth = true
	}
	ex, err := security.NewExchange(req.Mechanism, r.broker.cluster.creds, r.broker.cluster.clock.Now)
	if err != nil || !slices.Contains(enabled, req.Mechanism) {
		c.closeAfterResponse = true
		resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		return resp, nil
	}
	s.mechanism, s.exchange, s.phase = req.Mechanism, ex, saslAuthenticate
	return resp, nil
}

func handleSaslAuthenticate(r *request, req *kmsg.SASLAuthenticateRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.SASLAuthenticateResponse))
	c := r.conn
	if c == nil || c.sasl == nil || c.sasl.phase != saslAuthenticate {
		resp.ErrorCode = kerr.IllegalSaslState.Code
		resp.ErrorMessage = kmsg.StringPtr("SaslAuthenticate request received after successful authentication")
		return resp, nil
	}
	s := c.sasl
	if r.version > 0 {
		s.supportsReauth = true
	}
	reply, done, err := s.exchange.Next(req.SASLAuthBytes)
	if err == nil && done && s.reauth && s.exchange.Principal() != c.session.Load().Principal {
		err = &security.AuthenticationError{Message: "Cannot change principals during re-authentication from " +
			c.session.Load().Principal.String() + ": " + s.exchange.Principal().String()}
	}
	if err != nil {
		var ae *security.AuthenticationError
		msg := "Authentication failed"
		if errors.As(err, &ae) {
			msg = ae.ClientMessage(s.reauth)
		}
		r.broker.logger.Info("SASL authentication failed", "remote", c.nc.RemoteAddr().String(), "mechanism", s.mechanism, "reason", msg)
		c.closeAfterResponse = true
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		resp.ErrorMessage = &msg
		return resp, nil
	}
	resp.SASLAuthBytes = reply
	if resp.SASLAuthBytes == nil {
		resp.SASLAuthBytes = []byte{}
	}
	if !done {
		return resp, nil
	}
	sess := *c.session.Load()
	sess.Principal = s.exchange.Principal()
	c.setSession(sess)
	s.expires = time.Time{}
	if maxReauth, _ := strconv.ParseInt(r.broker.setting(c.listener, "connections.max.reauth.ms"), 10, 64); maxReauth > 0 {
		// The session ends at connections.max.reauth.ms, or sooner when
		// the credential itself expires (an OAUTHBEARER token's exp).
		now := r.broker.cluster.clock.Now()
		lifetime := time.Duration(maxReauth) * time.Millisecond
		if e, ok := s.exchange.(security.Expiring); ok {
			lifetime = max(0, min(lifetime, e.Expires().Sub(now)))
		}
		s.expires = now.Add(lifetime)
		resp.SessionLifetimeMillis = lifetime.Milliseconds()
	}
	s.phase, s.reauth, s.exchange = saslAuthenticated, false, nil
	return resp, nil
}
