package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Every API the broker serves has a row in authRules, so a handler added
// later cannot skip authorization by being forgotten; a nil row says on
// purpose that the API is not checked.
func TestEveryServedAPIHasAnAuthorizationRule(t *testing.T) {
	for _, a := range supportedAPIs() {
		if _, ok := authRules[a.key]; !ok {
			t.Errorf("%s (key %d) is served but has no row in authRules (authz_rules.go)", kmsg.NameForKey(a.key), a.key)
		}
	}
}
