// Package security holds what a Kafka broker knows about who is on the
// other end of a connection: the principal (Kafka's KafkaPrincipal) and
// the listener the connection came in on, with its security protocol.
//
// Kafka names every authenticated party with a principal of a type and a
// name, written "User:alice". The type is "User" for every principal the
// broker itself builds: from a SASL username (PLAIN, SCRAM, the
// OAUTHBEARER subject), from a client certificate's distinguished name
// mapped by ssl.principal.mapping.rules, or, on a listener that
// authenticates nobody (PLAINTEXT, or SSL without a client certificate),
// the anonymous principal User:ANONYMOUS. ACLs are written against these
// principals, so their spelling matters: it is the one Kafka's tools and
// kafka-acls.sh use.
//
// The security protocols are Kafka's four (SecurityProtocol.java):
// PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL. A listener has a name
// (PLAINTEXT, EXTERNAL, ...) that listener.security.protocol.map maps to
// one of them.
package security
