package acl

import (
	"fmt"
	"strings"
)

// Pattern selects resources: one type, a name and how the name is read.
type Pattern struct {
	Type        ResourceType
	Name        string
	PatternType PatternType
}

// Entry is who may or may not do what, from where.
type Entry struct {
	Principal  string // Type:Name, or User:* for everyone
	Host       string // an IP address, or * for any
	Operation  Operation
	Permission Permission
}

// Binding is one ACL: an entry on a pattern.
type Binding struct {
	Pattern
	Entry
}

func (b Binding) String() string {
	return fmt.Sprintf("(pattern=%s:%s:%s, principal=%s, host=%s, operation=%s, permission=%s)",
		b.Type, b.PatternType, b.Name, b.Principal, b.Host, b.Operation, b.Permission)
}

// Validate checks a binding to be created, with the messages of Kafka's
// AclControlManager and AclApis; CreateAcls answers each failure with
// INVALID_REQUEST.
func (b Binding) Validate() error {
	switch {
	case !b.Type.Known() || b.Type == ResourceAny:
		return invalidf("Invalid resourceType %s", b.Type)
	case b.PatternType != PatternLiteral && b.PatternType != PatternPrefixed:
		return invalidf("Invalid patternType %s", b.PatternType)
	case !b.Operation.Known() || b.Operation == OpAny:
		return invalidf("Invalid operation %s", b.Operation)
	case b.Permission != PermissionAllow && b.Permission != PermissionDeny:
		return invalidf("Invalid permissionType %s", b.Permission)
	case b.Type == ResourceCluster && b.Name != ClusterName:
		return invalidf("The only valid name for the CLUSTER resource is %s", ClusterName)
	case b.Name == "":
		return invalidf("Invalid empty resource name")
	case b.Host == "":
		return invalidf("Invalid empty host")
	}
	if _, _, err := ParsePrincipal(b.Principal); err != nil {
		return err
	}
	return nil
}

// selects reports whether the pattern covers the named resource of its
// type: the same literal name, the literal wildcard, or a prefix.
func (p Pattern) selects(rt ResourceType, name string) bool {
	if p.Type != rt {
		return false
	}
	switch p.PatternType {
	case PatternLiteral:
		return p.Name == name || p.Name == Wildcard
	case PatternPrefixed:
		return strings.HasPrefix(name, p.Name)
	}
	return false
}

// Filter selects bindings, as AclBindingFilter: a nil name, principal or
// host and the ANY codes match everything.
type Filter struct {
	Type        ResourceType
	Name        *string
	PatternType PatternType
	Principal   *string
	Host        *string
	Operation   Operation
	Permission  Permission
}

// Validate refuses a filter with UNKNOWN parts, as Kafka's
// DescribeAcls and DeleteAcls requests do (INVALID_REQUEST).
func (f Filter) Validate() error {
	switch {
	case !f.Type.Known():
		return invalidf("Unknown patternFilter: resource type %s", f.Type)
	case !f.PatternType.Known():
		return invalidf("Unknown patternFilter: pattern type %s", f.PatternType)
	case !f.Operation.Known():
		return invalidf("Unknown entryFilter: operation %s", f.Operation)
	case !f.Permission.Known():
		return invalidf("Unknown entryFilter: permission type %s", f.Permission)
	}
	return nil
}

// Matches reports whether the filter selects b. A MATCH filter with a
// name selects the bindings that apply to a resource of that name (its
// literal, the wildcard, its prefixes); other pattern types compare
// exactly. Operations compare exactly: a filter for DESCRIBE does not
// select an ALLOW READ.
func (f Filter) Matches(b Binding) bool {
	if f.Type != ResourceAny && f.Type != b.Type {
		return false
	}
	switch f.PatternType {
	case PatternAny:
		if f.Name != nil && *f.Name != b.Name {
			return false
		}
	case PatternMatch:
		if f.Name != nil && !b.Pattern.selects(b.Type, *f.Name) {
			return false
		}
	default:
		if f.PatternType != b.PatternType || (f.Name != nil && *f.Name != b.Name) {
			return false
		}
	}
	return (f.Principal == nil || *f.Principal == b.Principal) &&
		(f.Host == nil || *f.Host == b.Host) &&
		(f.Operation == OpAny || f.Operation == b.Operation) &&
		(f.Permission == PermissionAny || f.Permission == b.Permission)
}

// invalid is a request Kafka refuses with INVALID_REQUEST; its message is
// Kafka's, capitalised as Kafka writes it.
type invalid struct{ msg string }

func (e invalid) Error() string { return e.msg }

func invalidf(format string, args ...any) error { return invalid{fmt.Sprintf(format, args...)} }
