package acl

import "strings"

// ResourceType is what a binding protects, numbered as on the wire.
type ResourceType int8

// Resource types, with Kafka's codes.
const (
	ResourceUnknown         ResourceType = 0
	ResourceAny             ResourceType = 1 // filters only
	ResourceTopic           ResourceType = 2
	ResourceGroup           ResourceType = 3
	ResourceCluster         ResourceType = 4
	ResourceTransactionalID ResourceType = 5
	ResourceDelegationToken ResourceType = 6
	ResourceUser            ResourceType = 7
)

// ClusterName is the one name of the CLUSTER resource.
const ClusterName = "kafka-cluster"

// Wildcard, as a literal resource name or a host, matches any; as the
// principal User:* it matches every principal.
const (
	Wildcard          = "*"
	WildcardPrincipal = "User:*"
)

// PatternType says how a binding's resource name selects resources.
type PatternType int8

// Pattern types, with Kafka's codes. ANY and MATCH are for filters.
const (
	PatternUnknown  PatternType = 0
	PatternAny      PatternType = 1
	PatternMatch    PatternType = 2
	PatternLiteral  PatternType = 3
	PatternPrefixed PatternType = 4
)

// Operation is what a principal does to a resource.
type Operation int8

// Operations, with Kafka's codes; a resource's authorized-operations
// bitfield sets bit 1<<code for each allowed operation.
const (
	OpUnknown         Operation = 0
	OpAny             Operation = 1 // filters only
	OpAll             Operation = 2
	OpRead            Operation = 3
	OpWrite           Operation = 4
	OpCreate          Operation = 5
	OpDelete          Operation = 6
	OpAlter           Operation = 7
	OpDescribe        Operation = 8
	OpClusterAction   Operation = 9
	OpDescribeConfigs Operation = 10
	OpAlterConfigs    Operation = 11
	OpIdempotentWrite Operation = 12
	OpCreateTokens    Operation = 13
	OpDescribeTokens  Operation = 14
	OpTwoPhaseCommit  Operation = 15
)

// Permission is ALLOW or DENY.
type Permission int8

// Permissions, with Kafka's codes. ANY is for filters.
const (
	PermissionUnknown Permission = 0
	PermissionAny     Permission = 1
	PermissionDeny    Permission = 2
	PermissionAllow   Permission = 3
)

// Operations lists the operations Kafka defines on a resource type
// (ResourceType.java's supported operations), the ones an
// authorized-operations field reports on.
func Operations(rt ResourceType) []Operation {
	switch rt {
	case ResourceTopic:
		return []Operation{OpRead, OpWrite, OpCreate, OpDescribe, OpDelete, OpAlter, OpDescribeConfigs, OpAlterConfigs}
	case ResourceGroup:
		return []Operation{OpRead, OpDescribe, OpDelete}
	case ResourceCluster:
		return []Operation{OpCreate, OpClusterAction, OpDescribeConfigs, OpAlterConfigs, OpIdempotentWrite, OpAlter, OpDescribe}
	case ResourceTransactionalID:
		return []Operation{OpDescribe, OpWrite, OpTwoPhaseCommit}
	case ResourceDelegationToken:
		return []Operation{OpDescribe}
	case ResourceUser:
		return []Operation{OpCreateTokens, OpDescribeTokens}
	}
	return nil
}

var resourceNames = map[ResourceType]string{ResourceUnknown: "UNKNOWN", ResourceAny: "ANY", ResourceTopic: "TOPIC",
	ResourceGroup: "GROUP", ResourceCluster: "CLUSTER", ResourceTransactionalID: "TRANSACTIONAL_ID",
	ResourceDelegationToken: "DELEGATION_TOKEN", ResourceUser: "USER"}

var patternNames = map[PatternType]string{PatternUnknown: "UNKNOWN", PatternAny: "ANY", PatternMatch: "MATCH",
	PatternLiteral: "LITERAL", PatternPrefixed: "PREFIXED"}

var operationNames = map[Operation]string{OpUnknown: "UNKNOWN", OpAny: "ANY", OpAll: "ALL", OpRead: "READ",
	OpWrite: "WRITE", OpCreate: "CREATE", OpDelete: "DELETE", OpAlter: "ALTER", OpDescribe: "DESCRIBE",
	OpClusterAction: "CLUSTER_ACTION", OpDescribeConfigs: "DESCRIBE_CONFIGS", OpAlterConfigs: "ALTER_CONFIGS",
	OpIdempotentWrite: "IDEMPOTENT_WRITE", OpCreateTokens: "CREATE_TOKENS", OpDescribeTokens: "DESCRIBE_TOKENS",
	OpTwoPhaseCommit: "TWO_PHASE_COMMIT"}

var permissionNames = map[Permission]string{PermissionUnknown: "UNKNOWN", PermissionAny: "ANY",
	PermissionDeny: "DENY", PermissionAllow: "ALLOW"}

func name[K comparable](names map[K]string, k K) string {
	if s, ok := names[k]; ok {
		return s
	}
	return "UNKNOWN"
}

func (t ResourceType) String() string { return name(resourceNames, t) }
func (t PatternType) String() string  { return name(patternNames, t) }
func (o Operation) String() string    { return name(operationNames, o) }
func (p Permission) String() string   { return name(permissionNames, p) }

// Known reports whether t is one of Kafka's codes. Codes a newer client
// might send decode to UNKNOWN in Kafka, and so here.
func (t ResourceType) Known() bool { _, ok := resourceNames[t]; return ok && t != ResourceUnknown }

// Known reports whether t is one of Kafka's codes other than UNKNOWN.
func (t PatternType) Known() bool { _, ok := patternNames[t]; return ok && t != PatternUnknown }

// Known reports whether o is one of Kafka's codes other than UNKNOWN.
func (o Operation) Known() bool { _, ok := operationNames[o]; return ok && o != OpUnknown }

// Known reports whether p is one of Kafka's codes other than UNKNOWN.
func (p Permission) Known() bool { _, ok := permissionNames[p]; return ok && p != PermissionUnknown }

// ParsePrincipal splits "Type:Name" (User:alice) as Kafka's
// SecurityUtils.parseKafkaPrincipal does: at the first colon; only a
// missing colon is refused, with Kafka's message.
func ParsePrincipal(s string) (typ, name string, err error) {
	if s == "" {
		return "", "", invalidf("expected a string in format principalType:principalName but got %s", s)
	}
	typ, name, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", invalidf("Could not parse principal from `%s` (no colon is present separating the principal type from the principal name)", s)
	}
	return typ, name, nil
}
