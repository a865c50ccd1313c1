package security

import (
	"testing"
	"time"
)

// Any tokens a client sends, in any order, end in an authentication
// error or a principal, never a panic.
func FuzzSASLExchange(f *testing.F) {
	creds := NewCredentials()
	if err := creds.AddUser("alice", "alice-secret"); err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), []byte("\x00alice\x00alice-secret"), []byte(nil))
	f.Add(uint8(0), []byte("alice\x00alice\x00x\x00"), []byte(nil))
	f.Add(uint8(1), []byte("n,,n=alice,r=abc"), []byte("c=biws,r=abc,p=AAAA"))
	f.Add(uint8(2), []byte("n,a=alice,n=al=2Cice,r=x"), []byte("c=,p="))
	f.Add(uint8(1), []byte("y,,n==,r="), []byte(",p=!!"))
	f.Add(uint8(3), []byte("n,,\x01auth=Bearer "+UnsecuredJWT("alice", time.Now().Add(time.Hour))+"\x01\x01"), []byte{1})
	f.Add(uint8(3), []byte("n,,\x01auth=Bearer e30.e30.\x01\x01"), []byte{1})
	f.Fuzz(func(t *testing.T, mech uint8, first, second []byte) {
		name := Mechanisms[int(mech)%len(Mechanisms)]
		ex, err := NewExchange(name, creds, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range [][]byte{first, second, second} {
			_, done, err := ex.Next(tok)
			if err != nil {
				return
			}
			if done {
				if name != MechanismOAuthBearer && ex.Principal() != User("alice") {
					t.Fatalf("authenticated as %v", ex.Principal())
				}
				return
			}
		}
	})
}

// Any ssl.principal.mapping.rules either parse or are refused, and any
// DN maps or is refused, without a panic.
func FuzzPrincipalMapper(f *testing.F) {
	f.Add(`RULE:^CN=(.*?),OU=(.*?)$/$1@$2/L,DEFAULT`, "CN=a,OU=b")
	f.Add(`RULE:(/x/U`, "")
	f.Add(`RULE:\/\,/$9/,`, "CN=\\,x")
	f.Fuzz(func(t *testing.T, rules, dn string) {
		m, err := NewPrincipalMapper(rules)
		if err != nil {
			return
		}
		_, _ = m.Map(dn)
	})
}
