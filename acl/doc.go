// Package acl is Kafka's authorizer: access control lists (ACLs) and the
// rules StandardAuthorizer (KIP-801, the KRaft authorizer) applies to
// them.
//
// # Bindings
//
// An ACL binding says that a principal (User:alice, or User:* for every
// principal) connecting from a host (an IP address, or * for any) is
// allowed or denied an operation on the resources a pattern selects:
//
//	User:alice  from *  ALLOW  READ  on TOPIC  orders     LITERAL
//	User:bob    from *  DENY   WRITE on TOPIC  audit-     PREFIXED
//	User:*      from *  ALLOW  READ  on GROUP  *          LITERAL
//
// The resource types are TOPIC, GROUP, CLUSTER (one resource, named
// kafka-cluster), TRANSACTIONAL_ID, DELEGATION_TOKEN and USER. A LITERAL
// pattern names one resource, or every resource of its type when the
// name is the wildcard *; a PREFIXED pattern selects every resource whose
// name starts with it (KIP-290).
//
// # Deciding
//
// Authorize asks whether one principal may do one operation on one named
// resource. The answer, in StandardAuthorizer's order:
//
//  1. a principal listed in super.users is allowed everything;
//  2. otherwise the bindings that select the resource are collected (its
//     literal name, the wildcard, every prefix of its name); any
//     matching DENY wins over every ALLOW;
//  3. a matching ALLOW allows;
//  4. when no binding at all selects the resource (for any principal),
//     allow.everyone.if.no.acl.found decides (default false: deny);
//     when some do, but none for this principal, it is denied.
//
// An ALLOW for an operation may imply others: READ, WRITE, DELETE and
// ALTER each imply DESCRIBE, and ALTER_CONFIGS implies DESCRIBE_CONFIGS;
// ALL implies every operation. Implication applies only to ALLOW: a DENY
// of READ does not deny DESCRIBE, but a DENY of ALL denies everything.
//
// AuthorizeByResourceType answers a broader question Kafka asks for
// InitProducerId without a transactional id: may the principal do the
// operation on at least one resource of a type, judged from the
// patterns alone (KIP-679).
//
// # Filters
//
// CreateAcls adds bindings; DescribeAcls and DeleteAcls take a Filter,
// whose ANY fields match everything and whose MATCH pattern type selects
// the bindings that would apply to one resource name.
//
// A Set is an immutable collection of bindings: changes return a new Set,
// so readers (every request being authorized) never lock.
package acl
