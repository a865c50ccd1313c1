package security

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// PrincipalMapper turns a client certificate's distinguished name into a
// principal name by ssl.principal.mapping.rules (KIP-371), Kafka's
// SslPrincipalMapper. The rules are tried in order; the first that
// matches the whole DN gives the name:
//
//	RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,   CN=kafka,OU=ServiceUsers,O=acme → kafka
//	RULE:^CN=(.*?),OU=(.*?)$/$1@$2/L,        lower-cased (U upper-cases)
//	DEFAULT                                  the DN as it is
//
// A DN no rule matches has no principal, and the connection is refused.
type PrincipalMapper struct {
	rules []mappingRule
}

type mappingRule struct {
	def     bool
	pattern *regexp.Regexp
	replace string
	caseOp  byte // 0, 'L' or 'U'
}

// ruleRE reads one rule at the start of the remaining text; Kafka's
// syntax lets '/' and ',' appear escaped with a backslash.
var ruleRE = regexp.MustCompile(`^\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?))\s*(?:,|$)`)

// NewPrincipalMapper parses ssl.principal.mapping.rules; "" means DEFAULT.
func NewPrincipalMapper(rules string) (*PrincipalMapper, error) {
	m := &PrincipalMapper{}
	rest := strings.TrimSpace(rules)
	if rest == "" {
		rest = "DEFAULT"
	}
	for rest != "" {
		g := ruleRE.FindStringSubmatch(rest)
		if g == nil {
			return nil, fmt.Errorf("invalid rule: %s", rest)
		}
		rest = strings.TrimSpace(rest[len(g[0]):])
		if g[1] != "" {
			m.rules = append(m.rules, mappingRule{def: true})
			continue
		}
		re, err := regexp.Compile("^(?:" + g[2] + ")$")
		if err != nil {
			return nil, fmt.Errorf("invalid rule pattern %q: %v", g[2], err)
		}
		r := mappingRule{pattern: re, replace: javaReplacement(g[3])}
		if g[4] != "" {
			r.caseOp = g[4][0]
		}
		m.rules = append(m.rules, r)
	}
	return m, nil
}

// javaReplacement rewrites Java's $1 group references as Go's ${1}.
func javaReplacement(s string) string {
	return regexp.MustCompile(`\$(\d+)`).ReplaceAllString(s, `$${$1}`)
}

// Map returns the principal of a distinguished name.
func (m *PrincipalMapper) Map(dn string) (Principal, error) {
	for _, r := range m.rules {
		if r.def {
			return User(dn), nil
		}
		if !r.pattern.MatchString(dn) {
			continue
		}
		name := r.pattern.ReplaceAllString(dn, r.replace)
		switch r.caseOp {
		case 'L':
			name = strings.ToLower(name)
		case 'U':
			name = strings.ToUpper(name)
		}
		return User(name), nil
	}
	return Principal{}, errors.New("no ssl.principal.mapping.rules rule applies to " + dn)
}
