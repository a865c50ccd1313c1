package security

import "testing"

func TestPrincipalString(t *testing.T) {
	if got := User("alice").String(); got != "User:alice" {
		t.Errorf("User(alice) = %q, want User:alice", got)
	}
	if got := Anonymous.String(); got != "User:ANONYMOUS" {
		t.Errorf("Anonymous = %q, want User:ANONYMOUS", got)
	}
	if !Anonymous.IsAnonymous() || User("bob").IsAnonymous() {
		t.Error("IsAnonymous is true only for User:ANONYMOUS")
	}
}

func TestParsePrincipal(t *testing.T) {
	p, err := ParsePrincipal("User:CN=a,O=b:c")
	if err != nil || p != (Principal{"User", "CN=a,O=b:c"}) {
		t.Errorf("ParsePrincipal = %v, %v; the name is everything after the first colon", p, err)
	}
	for _, bad := range []string{"", "alice", ":alice"} {
		if _, err := ParsePrincipal(bad); err == nil {
			t.Errorf("ParsePrincipal(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseProtocol(t *testing.T) {
	p, err := ParseProtocol("sasl_ssl")
	if err != nil || p != SASLSSL || !p.UsesTLS() || !p.UsesSASL() {
		t.Errorf("ParseProtocol(sasl_ssl) = %v, %v", p, err)
	}
	if _, err := ParseProtocol("TLS"); err == nil {
		t.Error("ParseProtocol(TLS) succeeded; Kafka has no such protocol")
	}
}
