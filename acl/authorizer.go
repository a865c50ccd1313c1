package acl

import (
	"fmt"
	"strings"
)

// StandardAuthorizerClass is the authorizer.class.name that enables
// Kafka's KRaft authorizer, and gregor's.
const StandardAuthorizerClass = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"

// Authorizer holds the static part of StandardAuthorizer's configuration;
// the ACLs themselves are a Set passed to each call, since they live in
// the cluster metadata and change while the authorizer does not.
type Authorizer struct {
	superUsers map[string]bool
	// allowIfNoACL is allow.everyone.if.no.acl.found.
	allowIfNoACL bool
}

// NewAuthorizer makes an authorizer from super.users (principals
// separated by semicolons, as Kafka reads it) and
// allow.everyone.if.no.acl.found.
func NewAuthorizer(superUsers string, allowEveryoneIfNoACL bool) (*Authorizer, error) {
	a := &Authorizer{superUsers: map[string]bool{}, allowIfNoACL: allowEveryoneIfNoACL}
	for _, p := range strings.Split(superUsers, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, _, err := ParsePrincipal(p); err != nil {
			return nil, fmt.Errorf("super.users: %w", err)
		}
		a.superUsers[p] = true
	}
	return a, nil
}

// Action is one question to the authorizer: may principal, connected
// from host, do op on the named resource of type rt.
type Action struct {
	Principal string // Type:Name
	Host      string // the client's IP address
	Op        Operation
	Type      ResourceType
	Name      string
}

// Authorize answers a, following StandardAuthorizerData: super users
// first, then DENY before ALLOW among the bindings selecting the
// resource, then the no-ACL default.
func (a *Authorizer) Authorize(s *Set, act Action) bool {
	return a.Decide(s, act).Allowed
}

// Decision is an answer with the rule that gave it, for the audit log.
type Decision struct {
	Allowed bool
	// Rule is what decided: a super user, the deciding binding, or the
	// default (allow.everyone.if.no.acl.found, or a principal no
	// binding of the resource names).
	Rule string
}

// Decide answers a as Authorize does and says why.
func (a *Authorizer) Decide(s *Set, act Action) Decision {
	if a.superUsers[act.Principal] {
		return Decision{true, "SuperUser"}
	}
	hasResourceACLs := false
	var allow *Binding
	for _, b := range s.Bindings() {
		if !b.Pattern.selects(act.Type, act.Name) {
			continue
		}
		hasResourceACLs = true
		switch b.decides(act) {
		case PermissionDeny:
			return Decision{false, "MatchingAcl(acl=" + b.String() + ", result=DENIED)"}
		case PermissionAllow:
			if allow == nil {
				allow = &b
			}
		}
	}
	if allow != nil {
		return Decision{true, "MatchingAcl(acl=" + allow.String() + ", result=ALLOWED)"}
	}
	if !hasResourceACLs && a.allowIfNoACL {
		return Decision{true, "DefaultResult=ALLOWED (allow.everyone.if.no.acl.found)"}
	}
	return Decision{false, "DefaultResult=DENIED"}
}

// ResourceTypeName is a resource type as Kafka's audit log and error
// messages write it (SecurityUtils.resourceTypeName): Topic, Group,
// Cluster, TransactionalId, DelegationToken, User.
func ResourceTypeName(rt ResourceType) string {
	switch rt {
	case ResourceTopic:
		return "Topic"
	case ResourceGroup:
		return "Group"
	case ResourceCluster:
		return "Cluster"
	case ResourceTransactionalID:
		return "TransactionalId"
	case ResourceDelegationToken:
		return "DelegationToken"
	case ResourceUser:
		return "User"
	}
	return rt.String()
}

// decides returns b's permission when its entry applies to the action,
// PermissionUnknown when it does not. The resource is already matched.
func (b Binding) decides(act Action) Permission {
	if b.Principal != act.Principal && b.Principal != WildcardPrincipal {
		return PermissionUnknown
	}
	if b.Host != Wildcard && b.Host != act.Host {
		return PermissionUnknown
	}
	if b.Operation != OpAll && b.Operation != act.Op && !(b.Permission == PermissionAllow && implies(b.Operation, act.Op)) {
		return PermissionUnknown
	}
	return b.Permission
}

// implies reports whether an ALLOW of have also allows want: READ,
// WRITE, DELETE and ALTER let a principal DESCRIBE, and ALTER_CONFIGS
// lets it DESCRIBE_CONFIGS.
func implies(have, want Operation) bool {
	switch want {
	case OpDescribe:
		return have == OpRead || have == OpWrite || have == OpDelete || have == OpAlter
	case OpDescribeConfigs:
		return have == OpAlterConfigs
	}
	return false
}

// AuthorizedOperations is the authorized-operations bitfield of the
// named resource for a principal: bit 1<<op for each operation of the
// resource type it may do.
func (a *Authorizer) AuthorizedOperations(s *Set, principal, host string, rt ResourceType, name string) int32 {
	var ops int32
	for _, op := range Operations(rt) {
		if a.Authorize(s, Action{Principal: principal, Host: host, Op: op, Type: rt, Name: name}) {
			ops |= 1 << op
		}
	}
	return ops
}

// AuthorizeByResourceType reports whether principal may do op on at least
// one resource of type rt, the check Kafka's Authorizer interface
// defines for KIP-679 (an idempotent producer needs WRITE on some
// topic). It asks a placeholder name first, so super users and the
// no-ACL default answer as for any one resource; then it looks for an
// ALLOW pattern that no DENY covers: a wildcard DENY denies all, a
// literal DENY cancels the same literal ALLOW, a prefixed DENY cancels
// any ALLOW whose name it prefixes.
func (a *Authorizer) AuthorizeByResourceType(s *Set, principal, host string, op Operation, rt ResourceType) bool {
	if a.Authorize(s, Action{Principal: principal, Host: host, Op: op, Type: rt, Name: "hardcode"}) {
		return true
	}
	denyLiteral, denyPrefix := map[string]bool{}, map[string]bool{}
	var allows []Pattern
	wildcardAllow := false
	for _, b := range s.Bindings() {
		if b.Type != rt || (b.Host != host && b.Host != Wildcard) ||
			(b.Principal != principal && b.Principal != WildcardPrincipal) ||
			(b.Operation != op && b.Operation != OpAll) {
			continue
		}
		if b.Permission == PermissionDeny {
			if b.PatternType == PatternLiteral && b.Name == Wildcard {
				return false
			}
			if b.PatternType == PatternLiteral {
				denyLiteral[b.Name] = true
			} else {
				denyPrefix[b.Name] = true
			}
			continue
		}
		if b.PatternType == PatternLiteral && b.Name == Wildcard {
			wildcardAllow = true // a wildcard DENY later still wins
			continue
		}
		allows = append(allows, b.Pattern)
	}
	if wildcardAllow {
		return true
	}
	for _, p := range allows {
		if p.PatternType == PatternLiteral && denyLiteral[p.Name] {
			continue
		}
		covered := false
		for i := 1; i <= len(p.Name) && !covered; i++ {
			covered = denyPrefix[p.Name[:i]]
		}
		if !covered {
			return true
		}
	}
	return false
}
