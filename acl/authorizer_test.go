package acl_test

import (
	"testing"

	"github.com/gregorkafka/gregor/acl"
)

func allow(rt acl.ResourceType, name string, pt acl.PatternType, principal string, op acl.Operation) acl.Binding {
	return acl.Binding{Pattern: acl.Pattern{Type: rt, Name: name, PatternType: pt},
		Entry: acl.Entry{Principal: principal, Host: "*", Operation: op, Permission: acl.PermissionAllow}}
}

func deny(rt acl.ResourceType, name string, pt acl.PatternType, principal string, op acl.Operation) acl.Binding {
	b := allow(rt, name, pt, principal, op)
	b.Permission = acl.PermissionDeny
	return b
}

func topicAction(principal string, op acl.Operation, name string) acl.Action {
	return acl.Action{Principal: principal, Host: "127.0.0.1", Op: op, Type: acl.ResourceTopic, Name: name}
}

// The rules of StandardAuthorizerData.findAclRule, one line each.
func TestAuthorize(t *testing.T) {
	const alice, bob = "User:alice", "User:bob"
	lit, pre := acl.PatternLiteral, acl.PatternPrefixed
	T := acl.ResourceTopic
	cases := []struct {
		name         string
		bindings     []acl.Binding
		allowIfNoACL bool
		act          acl.Action
		want         bool
	}{
		{"no ACLs, default deny", nil, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"no ACLs, allow.everyone.if.no.acl.found", nil, true, topicAction(alice, acl.OpRead, "orders"), true},
		{"ACLs for someone else: denied even with allow.everyone", []acl.Binding{allow(T, "orders", lit, bob, acl.OpRead)}, true, topicAction(alice, acl.OpRead, "orders"), false},
		{"ACLs on another topic only: default applies", []acl.Binding{allow(T, "other", lit, bob, acl.OpRead)}, true, topicAction(alice, acl.OpRead, "orders"), true},
		{"literal allow", []acl.Binding{allow(T, "orders", lit, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), true},
		{"literal is not a prefix", []acl.Binding{allow(T, "ord", lit, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"prefixed allow", []acl.Binding{allow(T, "ord", pre, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), true},
		{"prefixed does not match a shorter name", []acl.Binding{allow(T, "orders-eu", pre, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"wildcard name", []acl.Binding{allow(T, "*", lit, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), true},
		{"wildcard principal", []acl.Binding{allow(T, "orders", lit, "User:*", acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), true},
		{"other operation", []acl.Binding{allow(T, "orders", lit, alice, acl.OpWrite)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"ALL allows read", []acl.Binding{allow(T, "orders", lit, alice, acl.OpAll)}, false, topicAction(alice, acl.OpRead, "orders"), true},
		{"READ implies DESCRIBE", []acl.Binding{allow(T, "orders", lit, alice, acl.OpRead)}, false, topicAction(alice, acl.OpDescribe, "orders"), true},
		{"WRITE implies DESCRIBE", []acl.Binding{allow(T, "orders", lit, alice, acl.OpWrite)}, false, topicAction(alice, acl.OpDescribe, "orders"), true},
		{"DESCRIBE does not imply READ", []acl.Binding{allow(T, "orders", lit, alice, acl.OpDescribe)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"ALTER_CONFIGS implies DESCRIBE_CONFIGS", []acl.Binding{allow(T, "orders", lit, alice, acl.OpAlterConfigs)}, false, topicAction(alice, acl.OpDescribeConfigs, "orders"), true},
		{"deny beats allow", []acl.Binding{allow(T, "orders", lit, alice, acl.OpRead), deny(T, "ord", pre, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"wildcard-principal deny beats own allow", []acl.Binding{allow(T, "orders", lit, alice, acl.OpRead), deny(T, "*", lit, "User:*", acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"deny READ does not deny DESCRIBE", []acl.Binding{allow(T, "orders", lit, alice, acl.OpDescribe), deny(T, "orders", lit, alice, acl.OpRead)}, false, topicAction(alice, acl.OpDescribe, "orders"), true},
		{"deny ALL denies DESCRIBE", []acl.Binding{allow(T, "orders", lit, alice, acl.OpRead), deny(T, "orders", lit, alice, acl.OpAll)}, false, topicAction(alice, acl.OpDescribe, "orders"), false},
		{"other resource type", []acl.Binding{allow(acl.ResourceGroup, "orders", lit, alice, acl.OpRead)}, false, topicAction(alice, acl.OpRead, "orders"), false},
		{"super user ignores deny", []acl.Binding{deny(T, "*", lit, "User:*", acl.OpAll)}, false, topicAction("User:admin", acl.OpWrite, "orders"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := acl.NewAuthorizer("User:admin; User:root", tc.allowIfNoACL)
			if err != nil {
				t.Fatal(err)
			}
			s := (*acl.Set)(nil).With(tc.bindings...)
			if got := a.Authorize(s, tc.act); got != tc.want {
				t.Errorf("Authorize(%+v) = %v, want %v; bindings %v", tc.act, got, tc.want, tc.bindings)
			}
		})
	}
}

func TestHostMatching(t *testing.T) {
	a, _ := acl.NewAuthorizer("", false)
	b := allow(acl.ResourceTopic, "orders", acl.PatternLiteral, "User:alice", acl.OpRead)
	b.Host = "10.0.0.1"
	s := (*acl.Set)(nil).With(b)
	act := topicAction("User:alice", acl.OpRead, "orders")
	if a.Authorize(s, act) {
		t.Errorf("an ACL for host 10.0.0.1 allowed a client from %s", act.Host)
	}
	act.Host = "10.0.0.1"
	if !a.Authorize(s, act) {
		t.Errorf("an ACL for host 10.0.0.1 did not allow a client from there")
	}
}

func TestAuthorizedOperations(t *testing.T) {
	a, _ := acl.NewAuthorizer("", false)
	s := (*acl.Set)(nil).With(allow(acl.ResourceTopic, "orders", acl.PatternLiteral, "User:alice", acl.OpRead))
	got := a.AuthorizedOperations(s, "User:alice", "127.0.0.1", acl.ResourceTopic, "orders")
	if want := int32(1<<acl.OpRead | 1<<acl.OpDescribe); got != want {
		t.Errorf("authorized operations = %b, want READ|DESCRIBE = %b", got, want)
	}
}

// KIP-679's check for idempotent producers: WRITE on some topic.
func TestAuthorizeByResourceType(t *testing.T) {
	lit, pre := acl.PatternLiteral, acl.PatternPrefixed
	T := acl.ResourceTopic
	cases := []struct {
		name     string
		bindings []acl.Binding
		want     bool
	}{
		{"nothing", nil, false},
		{"a literal allow", []acl.Binding{allow(T, "orders", lit, "User:alice", acl.OpWrite)}, true},
		{"a literal allow cancelled by its literal deny", []acl.Binding{allow(T, "orders", lit, "User:alice", acl.OpWrite), deny(T, "orders", lit, "User:alice", acl.OpWrite)}, false},
		{"a prefixed allow under a prefixed deny", []acl.Binding{allow(T, "orders-eu", pre, "User:alice", acl.OpWrite), deny(T, "ord", pre, "User:alice", acl.OpWrite)}, false},
		{"a wildcard deny", []acl.Binding{allow(T, "*", lit, "User:alice", acl.OpWrite), deny(T, "*", lit, "User:*", acl.OpWrite)}, false},
		{"a wildcard allow", []acl.Binding{allow(T, "*", lit, "User:alice", acl.OpWrite)}, true},
		{"read only", []acl.Binding{allow(T, "orders", lit, "User:alice", acl.OpRead)}, false},
	}
	for _, tc := range cases {
		a, _ := acl.NewAuthorizer("", false)
		s := (*acl.Set)(nil).With(tc.bindings...)
		if got := a.AuthorizeByResourceType(s, "User:alice", "127.0.0.1", acl.OpWrite, T); got != tc.want {
			t.Errorf("%s: AuthorizeByResourceType = %v, want %v", tc.name, got, tc.want)
		}
	}
}
