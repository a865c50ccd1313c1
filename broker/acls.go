package broker

import (
	"fmt"

	"github.com/gregorkafka/gregor/acl"
)

// The cluster's ACLs live in the metadata image, as KRaft keeps them in
// __cluster_metadata (AccessControlEntryRecord and
// RemoveAccessControlEntryRecord): the controller changes them, every
// broker reads the current image's set without a lock, and they are
// saved with the topics in cluster-metadata.json, so they survive a
// restart.

// persistedACL is one binding in cluster-metadata.json, by Kafka's names.
type persistedACL struct {
	ResourceType string `json:"resource_type"`
	Name         string `json:"name"`
	PatternType  string `json:"pattern_type"`
	Principal    string `json:"principal"`
	Host         string `json:"host"`
	Operation    string `json:"operation"`
	Permission   string `json:"permission"`
}

func persistACLs(s *acl.Set) []persistedACL {
	var out []persistedACL
	for _, b := range s.Bindings() {
		out = append(out, persistedACL{b.Type.String(), b.Name, b.PatternType.String(),
			b.Principal, b.Host, b.Operation.String(), b.Permission.String()})
	}
	return out
}

// loadACLs reads the saved bindings, refusing one the controller could
// not have written.
func loadACLs(saved []persistedACL) (*acl.Set, error) {
	var bs []acl.Binding
	for _, p := range saved {
		b := acl.Binding{
			Pattern: acl.Pattern{Type: byName[acl.ResourceType](p.ResourceType, 8), Name: p.Name,
				PatternType: byName[acl.PatternType](p.PatternType, 5)},
			Entry: acl.Entry{Principal: p.Principal, Host: p.Host,
				Operation: byName[acl.Operation](p.Operation, 16), Permission: byName[acl.Permission](p.Permission, 4)},
		}
		if err := b.Validate(); err != nil {
			return nil, fmt.Errorf("ACL %+v: %w", p, err)
		}
		bs = append(bs, b)
	}
	return (*acl.Set)(nil).With(bs...), nil
}

// byName finds the code whose String is name among the first n codes,
// or 0 (UNKNOWN).
func byName[T interface {
	~int8
	String() string
}](name string, n int) T {
	for i := range n {
		if T(i).String() == name {
			return T(i)
		}
	}
	return 0
}

// createACLs adds validated bindings to the cluster's ACLs.
func (ctl *controller) createACLs(bs []acl.Binding) error {
	if len(bs) == 0 {
		return nil
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	next := ctl.current().clone()
	next.acls = next.acls.With(bs...)
	ctl.cluster.logger.Info("ACLs created", "bindings", fmt.Sprint(bs))
	return ctl.publish(next)
}

// deleteACLs removes the bindings each filter matches, all in one
// change, and returns what each filter removed. A binding two filters
// match is reported by both, as Kafka does.
func (ctl *controller) deleteACLs(filters []acl.Filter) ([][]acl.Binding, error) {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	out := make([][]acl.Binding, len(filters))
	rest := im.acls
	for i, f := range filters {
		out[i] = im.acls.Match(f)
		rest, _ = rest.Without(f)
	}
	if rest.Len() == im.acls.Len() {
		return out, nil
	}
	next := im.clone()
	next.acls = rest
	ctl.cluster.logger.Info("ACLs deleted", "count", im.acls.Len()-rest.Len())
	return out, ctl.publish(next)
}
