package acl

import (
	"cmp"
	"slices"
)

// Set is an immutable collection of distinct bindings, kept in a stable
// order (resource type, name, pattern type, principal, host, operation,
// permission) so that DescribeAcls answers the same way every time. The
// zero value and nil are the empty set.
type Set struct {
	bindings []Binding
}

func compareBindings(a, b Binding) int {
	return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.PatternType, b.PatternType), cmp.Compare(a.Principal, b.Principal),
		cmp.Compare(a.Host, b.Host), cmp.Compare(a.Operation, b.Operation),
		cmp.Compare(a.Permission, b.Permission))
}

// Len is the number of bindings.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.bindings)
}

// Bindings returns a copy of every binding, in the set's order.
func (s *Set) Bindings() []Binding {
	if s == nil {
		return nil
	}
	return slices.Clone(s.bindings)
}

// With returns a set holding s's bindings and bs; a binding already
// present is not added twice, as Kafka creates an existing ACL once.
func (s *Set) With(bs ...Binding) *Set {
	out := &Set{bindings: append(s.Bindings(), bs...)}
	slices.SortFunc(out.bindings, compareBindings)
	out.bindings = slices.CompactFunc(out.bindings, func(a, b Binding) bool { return a == b })
	return out
}

// Without returns a set without the bindings f matches, and those
// bindings.
func (s *Set) Without(f Filter) (*Set, []Binding) {
	out := &Set{}
	var removed []Binding
	for _, b := range s.Bindings() {
		if f.Matches(b) {
			removed = append(removed, b)
		} else {
			out.bindings = append(out.bindings, b)
		}
	}
	return out, removed
}

// Match returns the bindings f matches, in the set's order.
func (s *Set) Match(f Filter) []Binding {
	var out []Binding
	if s == nil {
		return nil
	}
	for _, b := range s.bindings {
		if f.Matches(b) {
			out = append(out, b)
		}
	}
	return out
}
