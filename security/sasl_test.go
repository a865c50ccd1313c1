package security

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// run drives a client mechanism (franz-go's) against the server side.
func run(t *testing.T, m sasl.Mechanism, creds *Credentials) (Principal, error) {
	t.Helper()
	sess, tok, err := m.Authenticate(context.Background(), "host:9092")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := NewExchange(m.Name(), creds, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for {
		reply, done, err := ex.Next(tok)
		if err != nil {
			return Principal{}, err
		}
		clientDone, next, cerr := sess.Challenge(reply)
		if cerr != nil {
			t.Fatalf("client refused the server's reply: %v", cerr)
		}
		if done {
			if !clientDone {
				t.Fatal("server done before client")
			}
			return ex.Principal(), nil
		}
		tok = next
	}
}

func TestSASLMechanisms(t *testing.T) {
	creds := NewCredentials()
	if err := creds.AddUser("alice", "alice-secret"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		good, bad     sasl.Mechanism
		wantBadReason string
	}{
		{"PLAIN", plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism(), plain.Auth{User: "alice", Pass: "wrong"}.AsMechanism(),
			"Authentication failed: Invalid username or password"},
		{"SCRAM-SHA-256", scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha256Mechanism(), scram.Auth{User: "alice", Pass: "wrong"}.AsSha256Mechanism(),
			"Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"},
		{"SCRAM-SHA-512", scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha512Mechanism(), scram.Auth{User: "alice", Pass: "wrong"}.AsSha512Mechanism(),
			"Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := run(t, tc.good, creds)
			if err != nil || p != User("alice") {
				t.Fatalf("right password: %v, %v; want User:alice", p, err)
			}
			_, err = run(t, tc.bad, creds)
			var ae *AuthenticationError
			if !errors.As(err, &ae) || ae.ClientMessage(false) != tc.wantBadReason {
				t.Fatalf("wrong password: %v, want %q", err, tc.wantBadReason)
			}
		})
	}
	_, err := run(t, scram.Auth{User: "mallory", Pass: "x"}.AsSha256Mechanism(), creds)
	if err == nil || err.Error() != "Authentication failed: Invalid user credentials" {
		t.Errorf("unknown SCRAM user: %v", err)
	}
}

// A SCRAM credential stored from a salted password (AlterUserScramCredentials)
// authenticates the password it was salted from.
func TestScramFromSalted(t *testing.T) {
	creds := NewCredentials()
	salt := []byte("0123456789abcdef")
	want, _ := NewScramCredential(MechanismSCRAMSHA512, "pw", salt, 8192)
	if err := creds.SetScram(MechanismSCRAMSHA512, "bob", want); err != nil {
		t.Fatal(err)
	}
	if p, err := run(t, scram.Auth{User: "bob", Pass: "pw"}.AsSha512Mechanism(), creds); err != nil || p != User("bob") {
		t.Fatalf("%v %v", p, err)
	}
	if err := creds.SetScram(MechanismSCRAMSHA512, "bob", ScramCredential{Iterations: 100}); err == nil {
		t.Error("100 iterations accepted; Kafka's minimum is 4096")
	}
}
