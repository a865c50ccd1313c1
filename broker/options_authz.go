package broker

import (
	"fmt"
	"strings"

	"github.com/gregorkafka/gregor/acl"
)

// StandardAuthorizer enables ACLs with Kafka's StandardAuthorizer
// semantics (package acl), as the broker configs
// authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
// and super.users do; superUsers are principals such as "User:admin".
// With no ACLs every other principal is then denied, unless
// Config("allow.everyone.if.no.acl.found", "true").
func StandardAuthorizer(superUsers ...string) Option {
	return func(o *options) error {
		for _, p := range superUsers {
			if _, _, err := acl.ParsePrincipal(p); err != nil {
				return fmt.Errorf("super user: %w", err)
			}
			if strings.Contains(p, ";") {
				return fmt.Errorf("super user %q: a principal cannot contain ';'", p)
			}
		}
		o.brokerConfig["authorizer.class.name"] = acl.StandardAuthorizerClass
		o.brokerConfig["super.users"] = strings.Join(superUsers, ";")
		return nil
	}
}
