package security

// Session is what the broker knows about the other end of one
// connection, as Kafka's RequestContext carries it to the authorizer:
// the authenticated principal, the listener the connection came in on,
// its security protocol, and the client's host (the IP address ACL host
// patterns match against).
type Session struct {
	Principal    Principal
	ListenerName string
	Protocol     Protocol
	ClientHost   string
}
