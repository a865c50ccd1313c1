// Package quota is Kafka's client quotas: how much a client may produce,
// fetch, keep a broker busy or change the cluster's topics, and how a
// broker holds it to that by throttling.
//
// # Entities
//
// A quota is set on an entity (KIP-55, KIP-257): a user (the principal's
// name), a client-id (the client.id of the request header), the pair of
// both, or an ip (KIP-612, for connection_creation_rate only). Each part
// of an entity is a name or the default, which stands for every name that
// has no quota of its own ("--entity-default" in kafka-configs.sh; a null
// name on the wire). An ip may not be combined with a user or client-id.
//
// # Quota values (QuotaConfig in Kafka)
//
//	producer_byte_rate        bytes/s of Produce requests          (user, client-id)
//	consumer_byte_rate        bytes/s of Fetch responses           (user, client-id)
//	request_percentage        % of one request handler's time      (user, client-id)
//	controller_mutation_rate  partitions created or deleted per s  (user, client-id; KIP-599)
//	connection_creation_rate  new connections per s                (ip; KIP-612)
//
// # Which quota applies (precedence)
//
// For a request from user u with client-id c, Kafka takes the first of
// these entities that has a value for the quota, the most specific one:
//
//  1. user u, client-id c
//  2. user u, default client-id
//  3. user u
//  4. default user, client-id c
//  5. default user, default client-id
//  6. default user
//  7. client-id c
//  8. default client-id
//
// No match means no quota. The level that matched also decides who shares
// the measured rate: a quota found at level 3 or 6 is shared by all of
// u's clients, one at level 7 or 8 by every user of client-id c, and one
// at the other levels by the pair (Kafka's quota metric tags). Resolve
// does this.
//
// # Measuring a rate (Rate, quota.window.num, quota.window.size.seconds)
//
// A rate is kept as quota.window.num (11) samples of
// quota.window.size.seconds (1 s) each: a sample collects what is
// recorded until it is a window old, then the next one (the oldest,
// reset) takes over. The rate is the sum of the samples divided by the
// time they span, and while less than ten full windows have passed the
// span counts as ten windows, so a new client's first burst is spread
// over ten seconds rather than judged on its first millisecond.
//
// When a recorded value takes the rate above the quota, the client is
// throttled for as long as the rate needs, with nothing more recorded, to
// come back to the quota:
//
//	throttle = (rate - quota) / quota * span
//
// The broker still answers the request, with throttle_time_ms set, and
// then stops reading from the connection for that time (KIP-219): a
// client that honours throttle_time_ms waits the same time before its
// next request on the connection. A throttled fetch is answered without
// records, and the bytes it would have returned are not counted.
//
// controller_mutation_rate (KIP-599) is measured by a TokenBucket
// instead: a bucket holds quota * window.num * window.size credits, each
// partition created or deleted takes one, and credits come back at the
// quota's rate. A CreateTopics (v6+), CreatePartitions (v3+) or
// DeleteTopics (v5+) request that finds the bucket empty gets
// THROTTLING_QUOTA_EXCEEDED for its topics; older versions are let
// through and throttled instead.
//
// connection_creation_rate (KIP-612) counts the connections an ip
// opens, with the same Rate: one over the quota is held unread for the
// throttle (at most one window) and then closed.
//
// Everything here reads time from the caller (milliseconds on the
// cluster's clock), so rates and throttles follow a manual clock in tests.
package quota
