package broker

import (
	"net"

	"github.com/gregorkafka/gregor/security"
)

// A connection's security session: who the client is (its principal),
// the listener it came in on with that listener's security protocol, and
// the client's host, as Kafka's RequestContext hands them to the
// authorizer. A connection starts as User:ANONYMOUS; on a SASL listener
// the principal is set once the client authenticates (and stays the
// same on re-authentication, which Kafka requires), on an SSL listener
// from the client certificate.

// session returns the connection's security session. It is read when a
// request is handled, not when it was decoded, so a request read ahead
// of the SaslAuthenticate that precedes it still sees the principal.
func (r *request) session() security.Session {
	if r.conn == nil {
		return security.Session{Principal: security.Anonymous, ListenerName: string(security.Plaintext), Protocol: security.Plaintext}
	}
	return *r.conn.session.Load()
}

// principal is the authenticated principal of the request's connection:
// what ACLs are checked against.
func (r *request) principal() security.Principal { return r.session().Principal }

// setSession replaces the connection's session (on authentication).
func (c *conn) setSession(s security.Session) { c.session.Store(&s) }

// clientHost is the host part of the client's address, as ACL host
// patterns match it: an IP address on TCP, the in-memory network's host
// name otherwise.
func clientHost(nc net.Conn) string {
	addr := nc.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// connections returns the broker's open connections, for tests.
func (b *Broker) connections() []*conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*conn, 0, len(b.conns))
	for c := range b.conns {
		out = append(out, c)
	}
	return out
}
