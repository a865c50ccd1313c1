package acl_test

import (
	"testing"

	"github.com/gregorkafka/gregor/acl"
)

func TestFilters(t *testing.T) {
	lit, pre := acl.PatternLiteral, acl.PatternPrefixed
	T := acl.ResourceTopic
	s := (*acl.Set)(nil).With(
		allow(T, "orders", lit, "User:alice", acl.OpRead),
		allow(T, "ord", pre, "User:bob", acl.OpWrite),
		allow(T, "*", lit, "User:carol", acl.OpRead),
		allow(acl.ResourceGroup, "g", lit, "User:alice", acl.OpRead),
		allow(T, "orders", lit, "User:alice", acl.OpRead), // a duplicate, kept once
	)
	if s.Len() != 4 {
		t.Fatalf("set has %d bindings, want 4 (a duplicate is stored once)", s.Len())
	}
	name := func(s string) *string { return &s }
	cases := []struct {
		name string
		f    acl.Filter
		want int
	}{
		{"any", acl.Filter{Type: acl.ResourceAny, PatternType: acl.PatternAny, Operation: acl.OpAny, Permission: acl.PermissionAny}, 4},
		{"topics", acl.Filter{Type: T, PatternType: acl.PatternAny, Operation: acl.OpAny, Permission: acl.PermissionAny}, 3},
		{"literal orders", acl.Filter{Type: T, Name: name("orders"), PatternType: lit, Operation: acl.OpAny, Permission: acl.PermissionAny}, 1},
		{"match orders: literal, prefix and wildcard", acl.Filter{Type: T, Name: name("orders"), PatternType: acl.PatternMatch, Operation: acl.OpAny, Permission: acl.PermissionAny}, 3},
		{"prefixed only", acl.Filter{Type: T, PatternType: pre, Operation: acl.OpAny, Permission: acl.PermissionAny}, 1},
		{"by principal", acl.Filter{Type: acl.ResourceAny, PatternType: acl.PatternAny, Principal: name("User:alice"), Operation: acl.OpAny, Permission: acl.PermissionAny}, 2},
		{"operation is exact", acl.Filter{Type: acl.ResourceAny, PatternType: acl.PatternAny, Operation: acl.OpDescribe, Permission: acl.PermissionAny}, 0},
		{"deny only", acl.Filter{Type: acl.ResourceAny, PatternType: acl.PatternAny, Operation: acl.OpAny, Permission: acl.PermissionDeny}, 0},
	}
	for _, tc := range cases {
		if got := len(s.Match(tc.f)); got != tc.want {
			t.Errorf("%s: matched %d, want %d", tc.name, got, tc.want)
		}
	}
	rest, removed := s.Without(acl.Filter{Type: T, PatternType: acl.PatternAny, Operation: acl.OpAny, Permission: acl.PermissionAny})
	if rest.Len() != 1 || len(removed) != 3 || s.Len() != 4 {
		t.Errorf("Without: %d left, %d removed, original %d; want 1, 3 and the original untouched (4)", rest.Len(), len(removed), s.Len())
	}
}

func TestValidate(t *testing.T) {
	good := allow(acl.ResourceTopic, "orders", acl.PatternLiteral, "User:alice", acl.OpRead)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*acl.Binding){
		"ANY resource":          func(b *acl.Binding) { b.Type = acl.ResourceAny },
		"unknown resource":      func(b *acl.Binding) { b.Type = 42 },
		"MATCH pattern":         func(b *acl.Binding) { b.PatternType = acl.PatternMatch },
		"ANY operation":         func(b *acl.Binding) { b.Operation = acl.OpAny },
		"ANY permission":        func(b *acl.Binding) { b.Permission = acl.PermissionAny },
		"empty name":            func(b *acl.Binding) { b.Name = "" },
		"cluster misnamed":      func(b *acl.Binding) { b.Type = acl.ResourceCluster; b.Name = "c" },
		"principal without ':'": func(b *acl.Binding) { b.Principal = "alice" },
	}
	for name, mutate := range bad {
		b := good
		mutate(&b)
		if err := b.Validate(); err == nil {
			t.Errorf("%s: %v validated", name, b)
		}
	}
	if err := (acl.Filter{Type: acl.ResourceAny, PatternType: acl.PatternUnknown, Operation: acl.OpAny, Permission: acl.PermissionAny}).Validate(); err == nil {
		t.Errorf("a filter with an UNKNOWN pattern type validated")
	}
}
