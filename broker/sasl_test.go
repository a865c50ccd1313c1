package broker

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func saslCluster(t *testing.T, opts ...Option) *Cluster {
	t.Helper()
	return startConnTestCluster(t, append([]Option{Brokers(2), Listener("SASL", security.SASLPlaintext), SASLUser("alice", "alice-secret")}, opts...)...)
}

// roundTripRecord round-trips a record through the cluster and
// returns the first error a client saw.
func roundTripRecord(t *testing.T, c *Cluster, opts ...kgo.Opt) error {
	t.Helper()
	topic := strings.NewReplacer("/", "-").Replace(t.Name())
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.DefaultProduceTopic(topic), kgo.ConsumeTopics(topic), kgo.AllowAutoTopicCreation(),
		kgo.RetryTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("hello")}).FirstErr(); err != nil {
		return err
	}
	fs := cl.PollFetches(ctx)
	if err := fs.Err0(); err != nil {
		return err
	}
	if got := fs.Records(); len(got) != 1 || string(got[0].Value) != "hello" {
		t.Fatalf("consumed %v, want the record produced", got)
	}
	return nil
}

func TestSASLMechanismsWithFranzGo(t *testing.T) {
	c := saslCluster(t)
	for _, m := range []sasl.Mechanism{
		plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism(),
		scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha256Mechanism(),
		scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha512Mechanism(),
	} {
		t.Run(m.Name(), func(t *testing.T) {
			if err := roundTripRecord(t, c, kgo.SeedBrokers(c.ListenerAddrs("SASL")...), kgo.SASL(m)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Metadata answers with the addresses of the listener the request came
// in on: a client bootstrapped on the SASL port stays on SASL ports.
func TestMetadataAnswersWithTheRequestsListener(t *testing.T) {
	c := saslCluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenerAddrs("SASL")[0]), kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	want := c.ListenerAddrs("SASL")
	var got []string
	for _, b := range resp.Brokers {
		got = append(got, net.JoinHostPort(b.Host, itoa(b.Port)))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Metadata brokers on the SASL listener = %v, want %v (not the PLAINTEXT %v)", got, want, c.Addrs())
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// roundTrip sends req at version v and returns the decoded response.
func roundTrip(t *testing.T, nc net.Conn, req kmsg.Request, v int16) kmsg.Response {
	t.Helper()
	req.SetVersion(v)
	resp := req.ResponseKind()
	if err := rawRoundTrip(nc, req, resp); err != nil {
		t.Fatalf("%s v%d: %v", kmsg.NameForKey(req.Key()), v, err)
	}
	return resp
}

// Wrong credentials get SASL_AUTHENTICATION_FAILED with Kafka's message.
func TestSASLWrongPassword(t *testing.T) {
	c := saslCluster(t)
	for _, tc := range []struct {
		m    sasl.Mechanism
		want string
	}{
		{plain.Auth{User: "alice", Pass: "nope"}.AsMechanism(), "Authentication failed: Invalid username or password"},
		{scram.Auth{User: "alice", Pass: "nope"}.AsSha256Mechanism(), "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"},
		{scram.Auth{User: "alice", Pass: "nope"}.AsSha512Mechanism(), "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"},
	} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenerAddrs("SASL")...), kgo.SASL(tc.m), kgo.RequestRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
		cancel()
		cl.Close()
		if !errors.Is(err, kerr.SaslAuthenticationFailed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with a wrong password: %v, want SASL_AUTHENTICATION_FAILED: %s", tc.m.Name(), err, tc.want)
		}
	}
}

// saslRaw opens a raw connection to the SASL listener.
func saslRaw(t *testing.T, c *Cluster) net.Conn {
	t.Helper()
	nc, err := c.Dial(context.Background(), "tcp", c.ListenerAddrs("SASL")[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// An unknown mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled
// list, and the connection is closed.
func TestSASLUnsupportedMechanism(t *testing.T) {
	c := saslCluster(t, Config("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN"))
	nc := saslRaw(t, c)
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Mechanism = "GSSAPI"
	resp := roundTrip(t, nc, hs, 1).(*kmsg.SASLHandshakeResponse)
	if resp.ErrorCode != kerr.UnsupportedSaslMechanism.Code || strings.Join(resp.SupportedMechanisms, ",") != "SCRAM-SHA-512,PLAIN" {
		t.Errorf("handshake for GSSAPI = %d %v, want UNSUPPORTED_SASL_MECHANISM with SCRAM-SHA-512,PLAIN", resp.ErrorCode, resp.SupportedMechanisms)
	}
	expectClosed(t, nc)
}

// Before authenticating, a SASL listener closes the connection on any
// request but ApiVersions and SaslHandshake; between the handshake and
// the end of authentication it answers ILLEGAL_SASL_STATE, then closes.
func TestSASLRequestsBeforeAuthentication(t *testing.T) {
	c := saslCluster(t)
	nc := saslRaw(t, c)
	roundTrip(t, nc, kmsg.NewPtrApiVersionsRequest(), 3)
	if _, err := nc.Write(frameOf(kmsg.NewPtrMetadataRequest(), 12, 2)); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, nc)

	nc = saslRaw(t, c)
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Mechanism = "PLAIN"
	if r := roundTrip(t, nc, hs, 1).(*kmsg.SASLHandshakeResponse); r.ErrorCode != 0 {
		t.Fatalf("handshake: %v", kerr.ErrorForCode(r.ErrorCode))
	}
	lg := roundTrip(t, nc, kmsg.NewPtrListGroupsRequest(), 4).(*kmsg.ListGroupsResponse)
	if lg.ErrorCode != kerr.IllegalSaslState.Code {
		t.Errorf("ListGroups between handshake and authentication: error %d, want ILLEGAL_SASL_STATE", lg.ErrorCode)
	}
	expectClosed(t, nc)
}

// A session past connections.max.reauth.ms (on the manual clock) is
// closed at the next request; the client then connects and
// authenticates again, and the lifetime was told in SaslAuthenticate.
func TestSASLSessionExpires(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := saslCluster(t, Clock(mc), Config("connections.max.reauth.ms", "60000"))
	nc := saslRaw(t, c)
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Mechanism = "PLAIN"
	roundTrip(t, nc, hs, 1)
	auth := kmsg.NewPtrSASLAuthenticateRequest()
	auth.SASLAuthBytes = []byte("\x00alice\x00alice-secret")
	ar := roundTrip(t, nc, auth, 2).(*kmsg.SASLAuthenticateResponse)
	if ar.ErrorCode != 0 || ar.SessionLifetimeMillis != 60000 {
		t.Fatalf("authenticate: error %d, session lifetime %d; want 0 and 60000", ar.ErrorCode, ar.SessionLifetimeMillis)
	}
	if p := c.Broker(1).connections(); len(p) == 0 {
		t.Fatal("no connection")
	}
	roundTrip(t, nc, kmsg.NewPtrMetadataRequest(), 12) // within the session
	mc.Advance(60 * time.Second)
	if _, err := nc.Write(frameOf(kmsg.NewPtrMetadataRequest(), 12, 9)); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, nc)
}

// KIP-368: an authenticated client sends SaslHandshake and
// SaslAuthenticate again on the same connection; its session is renewed
// and the connection keeps serving past the old expiry. Re-authenticating
// as someone else fails and closes the connection.
func TestSASLReauthentication(t *testing.T) {
	mc := clock.NewManual(time.Unix(1_700_000_000, 0))
	c := saslCluster(t, Clock(mc), Config("connections.max.reauth.ms", "60000"), SASLUser("bob", "bob-secret"))
	nc := saslRaw(t, c)
	authenticate := func(user, pass string) *kmsg.SASLAuthenticateResponse {
		hs := kmsg.NewPtrSASLHandshakeRequest()
		hs.Mechanism = "PLAIN"
		if r := roundTrip(t, nc, hs, 1).(*kmsg.SASLHandshakeResponse); r.ErrorCode != 0 {
			t.Fatalf("handshake: %v", kerr.ErrorForCode(r.ErrorCode))
		}
		auth := kmsg.NewPtrSASLAuthenticateRequest()
		auth.SASLAuthBytes = []byte("\x00" + user + "\x00" + pass)
		return roundTrip(t, nc, auth, 2).(*kmsg.SASLAuthenticateResponse)
	}
	if r := authenticate("alice", "alice-secret"); r.ErrorCode != 0 {
		t.Fatalf("first authentication: %v", kerr.ErrorForCode(r.ErrorCode))
	}
	mc.Advance(50 * time.Second)
	if r := authenticate("alice", "alice-secret"); r.ErrorCode != 0 || r.SessionLifetimeMillis != 60000 {
		t.Fatalf("re-authentication: error %d, lifetime %d", r.ErrorCode, r.SessionLifetimeMillis)
	}
	mc.Advance(50 * time.Second) // past the first session's end, within the second's
	roundTrip(t, nc, kmsg.NewPtrApiVersionsRequest(), 3)
	if r := authenticate("bob", "bob-secret"); r.ErrorCode != kerr.SaslAuthenticationFailed.Code {
		t.Errorf("re-authenticating as bob: error %d, want SASL_AUTHENTICATION_FAILED", r.ErrorCode)
	}
	expectClosed(t, nc)
}

// OAUTHBEARER with Kafka's unsecured validator: franz-go's oauth
// mechanism with an unsigned token authenticates as its subject, and
// the session is no longer than the token; an expired token is refused
// with Kafka's {"status":"invalid_token"}.
func TestSASLOAuthBearer(t *testing.T) {
	mc := clock.NewManual(time.Now())
	c := saslCluster(t, Clock(mc), Config("connections.max.reauth.ms", "3600000"))
	tok := security.UnsecuredJWT("carol", mc.Now().Add(10*time.Minute))
	if err := roundTripRecord(t, c, kgo.SeedBrokers(c.ListenerAddrs("SASL")...), kgo.SASL(oauth.Auth{Token: tok}.AsMechanism())); err != nil {
		t.Fatal(err)
	}
	nc := saslRaw(t, c)
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Mechanism = "OAUTHBEARER"
	roundTrip(t, nc, hs, 1)
	auth := kmsg.NewPtrSASLAuthenticateRequest()
	auth.SASLAuthBytes = []byte("n,,\x01auth=Bearer " + tok + "\x01\x01")
	ar := roundTrip(t, nc, auth, 2).(*kmsg.SASLAuthenticateResponse)
	if ar.ErrorCode != 0 || ar.SessionLifetimeMillis > (10*time.Minute).Milliseconds() || ar.SessionLifetimeMillis < (9*time.Minute).Milliseconds() {
		t.Errorf("authenticate: error %d, session lifetime %d ms; want the token's 10 minutes, not connections.max.reauth.ms", ar.ErrorCode, ar.SessionLifetimeMillis)
	}
	var principal security.Principal
	for _, bc := range c.Broker(1).connections() {
		if s := bc.session.Load(); s.ListenerName == "SASL" && !s.Principal.IsAnonymous() {
			principal = s.Principal
		}
	}
	if principal != security.User("carol") {
		t.Errorf("principal %v, want User:carol", principal)
	}

	expired := security.UnsecuredJWT("carol", mc.Now().Add(-time.Minute))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenerAddrs("SASL")...), kgo.RequestRetries(0), kgo.SASL(oauth.Auth{Token: expired}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = kmsg.NewPtrMetadataRequest().RequestWith(context.Background(), cl)
	if err == nil || !strings.Contains(err.Error(), "invalid_token") {
		t.Errorf("expired token: %v, want invalid_token", err)
	}
}
