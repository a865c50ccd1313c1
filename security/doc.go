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
// one of them; the broker's listeners, their ports and their
// listener.name.<name>.* configs are in broker/listeners_config.go.
//
// SASL mechanisms (KIP-43, KIP-152): PLAIN (plain.go, RFC 4616),
// SCRAM-SHA-256 and SCRAM-SHA-512 (scram.go, RFC 5802 and 7677, KIP-84)
// against Credentials, stored as Kafka stores them (salt, iterations,
// stored key, server key), and OAUTHBEARER (oauthbearer.go, RFC 7628,
// KIP-255) with Kafka's unsecured-token validator, for tests. Each runs
// as an Exchange the broker feeds SaslAuthenticate tokens to; a failure
// carries the message Kafka sends, naming a re-authentication (KIP-368)
// as such. The broker saves the SCRAM credentials (ScramEntries) with the
// cluster metadata, as Kafka keeps them in UserScramCredentialRecords.
//
// TLS: CA issues throwaway certificates; DistinguishedName writes a
// client certificate's subject as Java's X500Principal does, and
// PrincipalMapper applies ssl.principal.mapping.rules (KIP-371) to it.
package security
