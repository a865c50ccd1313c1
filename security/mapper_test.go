package security

import "testing"

// Kafka's rule syntax (KIP-371): the first rule matching the whole DN
// wins; L and U change case; DEFAULT keeps the DN.
func TestPrincipalMapper(t *testing.T) {
	m, err := NewPrincipalMapper(`RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?)$/$1@$2/L,DEFAULT`)
	if err != nil {
		t.Fatal(err)
	}
	for dn, want := range map[string]string{
		"CN=kafka,OU=ServiceUsers,O=acme,C=US": "kafka",
		"CN=Alice,OU=Eng,O=acme":               "alice@eng",
		"CN=bob":                               "CN=bob",
	} {
		if p, err := m.Map(dn); err != nil || p != User(want) {
			t.Errorf("Map(%q) = %v, %v; want User:%s", dn, p, err, want)
		}
	}
	only, _ := NewPrincipalMapper(`RULE:^CN=(.*)$/$1/`)
	if _, err := only.Map("O=acme"); err == nil {
		t.Error("a DN no rule matches got a principal")
	}
	if _, err := NewPrincipalMapper("RULE:nope"); err == nil {
		t.Error("a malformed rule was accepted")
	}
}
