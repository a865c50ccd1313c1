package broker

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// scramRaw runs a whole SCRAM handshake and exchange on a raw
// connection with franz-go's client mechanism, returning the last
// SaslAuthenticate response (a failed one, or the final success).
func scramRaw(t *testing.T, nc net.Conn, m sasl.Mechanism) *kmsg.SASLAuthenticateResponse {
	t.Helper()
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Mechanism = m.Name()
	if r := roundTrip(t, nc, hs, 1).(*kmsg.SASLHandshakeResponse); r.ErrorCode != 0 {
		t.Fatalf("handshake: %v", kerr.ErrorForCode(r.ErrorCode))
	}
	sess, tok, err := m.Authenticate(context.Background(), nc.RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	for {
		auth := kmsg.NewPtrSASLAuthenticateRequest()
		auth.SASLAuthBytes = tok
		r := roundTrip(t, nc, auth, 2).(*kmsg.SASLAuthenticateResponse)
		if r.ErrorCode != 0 {
			return r
		}
		done, next, err := sess.Challenge(r.SASLAuthBytes)
		if err != nil {
			t.Fatalf("client refused the broker's reply: %v", err)
		}
		if done {
			return r
		}
		tok = next
	}
}

// KIP-368: a wrong SCRAM proof while re-authenticating is answered as
// Kafka's SaslServerAuthenticator answers it, naming the
// re-authentication, and the connection is closed.
func TestSASLReauthenticationFailureMessage(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := saslCluster(t, Clock(mc), Config("connections.max.reauth.ms", "60000"))
	nc := saslRaw(t, c)
	if r := scramRaw(t, nc, scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha256Mechanism()); r.ErrorCode != 0 {
		t.Fatalf("first authentication: %v", kerr.ErrorForCode(r.ErrorCode))
	}
	mc.Advance(30 * time.Second)
	r := scramRaw(t, nc, scram.Auth{User: "alice", Pass: "wrong"}.AsSha256Mechanism())
	const want = "Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"
	if r.ErrorCode != kerr.SaslAuthenticationFailed.Code || r.ErrorMessage == nil || *r.ErrorMessage != want {
		t.Errorf("re-authenticating with a wrong password: error %d %v, want SASL_AUTHENTICATION_FAILED %q", r.ErrorCode, r.ErrorMessage, want)
	}
	expectClosed(t, nc)
}
