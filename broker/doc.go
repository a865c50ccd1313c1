// Package broker is a Kafka cluster in one process: brokers that speak the
// Kafka wire protocol, a KRaft-style controller that owns the cluster
// metadata, replication between brokers, and a control surface for tests.
//
// # The cluster
//
// New starts n brokers (node ids 1..n) on loopback ports, or on an
// in-memory network for testing/synctest. Every broker plays both KRaft
// roles (process.roles=broker,controller); the controller role is one
// object shared by all of them (controller.go). It owns an immutable
// metadata image (image.go): the brokers, the topics and, per partition,
// its replicas, ISR, leader, leader epoch and partition epoch. Each change
// produces a new image, which every running broker applies before the
// change returns (apply.go): it opens or deletes replicas and tells each
// replica whether it leads or follows, in which epoch.
//
// # Requests
//
// Each connection (conn.go) reads 4-byte size-prefixed frames and decodes
// them with franz-go's kmsg on a reader goroutine (frame.go), handles one
// request at a time and writes the responses in request order, as Kafka
// does per connection. Each Kafka API
// has its own file that registers the versions it serves (api.go), so
// ApiVersions always tells the truth: produce.go, fetch.go (with
// fetchsession.go), listoffsets.go, metadata.go, createtopics.go, ...
// Kafka errors are data: a handler puts an error code in its response. A
// Go error from a handler closes the connection; so does a request that
// cannot be parsed. A panic in a handler is recovered, logged, and closes
// only that connection.
//
// # Replication
//
// Every replica of a partition lives on its broker as a
// partition.Partition. Followers copy their leaders (fetcher.go), the
// leader tracks their progress and the high watermark, and leaders ask the
// controller to shrink and expand the ISR (isr.go). The controller fences
// a broker that shuts down (controlled shutdown) or stops heartbeating for
// broker.session.timeout.ms, and elects new leaders from the ISR
// (election.go, replication_control.go). acks=all produces wait for the
// ISR (produce.go).
//
// Partition reassignment (KIP-455; reassign.go) moves replicas between
// brokers with the same machinery: AlterPartitionReassignments adds the
// target replicas to the assignment (replicas = target + removing, with
// adding_replicas and removing_replicas, as ListPartitionReassignments,
// Metadata and DescribeTopicPartitions show), the new replicas copy from
// the leader as any follower does, and once every target replica is in
// the ISR the controller drops the removing ones, whose brokers delete
// their logs, and moves leadership to the first in-sync target replica if
// the leader left. Cancelling reverts to the original replicas. The move
// in progress is part of the saved metadata. Replication throttles are not
// applied (reassign_throttle.go).
//
// # Listeners and security
//
// By default every broker has one PLAINTEXT listener, and everything is
// allowed: a Kafka broker with no authorizer. Kafka's listeners,
// listener.security.protocol.map, inter.broker.listener.name and
// advertised.listeners configs (listeners_config.go) and the Listener
// option make SSL, SASL_PLAINTEXT and SASL_SSL listeners, the first one
// included, with listener.name.<name>.* configs of their own; each
// answers Metadata, FindCoordinator and the KIP-951 leader hints with
// its own addresses (listeners.go, leaderhints.go). A SASL
// listener serves ApiVersions and SaslHandshake until the client has
// authenticated with SaslAuthenticate (sasl.go: PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512, OAUTHBEARER; KIP-43, KIP-152, connections.max.reauth.ms
// of KIP-368), against users whose SCRAM credentials are saved with the
// cluster metadata (persist_scram.go);
// a TLS listener takes a certificate or generates a throwaway CA (tls.go,
// ssl.client.auth, ssl.principal.mapping.rules). Each connection carries
// its principal (session.go, package security), what an authorizer
// checks.
//
// # The control surface
//
// A test can do what a Kafka client cannot (control.go): stop, crash and
// start brokers, pause a follower's replication, elect preferred leaders,
// read partitions, replicas and segments (introspect.go) and replication
// metrics, and wait for the effects of what it did (wait.go). Every
// timeout runs on the cluster's clock: with clock.Manual a test moves time
// itself, and Advance first lets followers finish copying what their
// leaders already have.
//
// Configs are Kafka's, by name (package config); see options.go for the
// options New takes.
//
// # Authorization
//
// With authorizer.class.name set to Kafka's StandardAuthorizer (or the
// StandardAuthorizer option), each request is checked against the ACLs
// kept in the metadata image (acls.go; CreateAcls, DescribeAcls and
// DeleteAcls change and read them) before its handler runs, by one table
// of Kafka's rules per API (authz_rules.go): a denied request gets the
// API's authorization error, and the topics or groups a principal may
// not touch are taken out of a request and answered with theirs
// (authz_filter.go). Package acl holds the rules themselves. Without an
// authorizer nothing is checked.
//
// # Quotas
//
// Client quotas (package quota) are kept in the metadata image
// (clientquotas.go; DescribeClientQuotas and AlterClientQuotas read and
// change them). Each broker measures its own clients against them in one
// step around the handlers (conn_quota.go, mutation_quota.go): a client
// over its rate gets throttle_time_ms and its connection is muted on the
// cluster clock. With no quota set the step costs one atomic load.
//
// # Locks
//
// Metadata is read without locks (the controller swaps an immutable
// image); the mutexes that remain (the controller's, a broker's replica
// table, a partition's, a group shard's, ...) are taken in one order,
// written down with the reason for each step in LOCKING.md at the root of
// the repository.
package broker
