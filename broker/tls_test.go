package broker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func tlsCluster(t *testing.T, opts ...Option) *Cluster {
	t.Helper()
	return startConnTestCluster(t, append([]Option{TLS(nil, nil), Listener("SSL", security.SSL), Listener("SASL_SSL", security.SASLSSL),
		SASLUser("alice", "alice-secret")}, opts...)...)
}

// SASL over TLS with the generated CA's trust, and TLS alone.
func TestTLSListenersWithFranzGo(t *testing.T) {
	c := tlsCluster(t)
	if c.TLSConfig() == nil {
		t.Fatal("no TLS config for the generated CA")
	}
	t.Run("SASL_SSL", func(t *testing.T) {
		if err := roundTripRecord(t, c, kgo.SeedBrokers(c.ListenerAddrs("SASL_SSL")...), kgo.DialTLSConfig(c.TLSConfig()),
			kgo.SASL(scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha512Mechanism())); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("SSL", func(t *testing.T) {
		if err := roundTripRecord(t, c, kgo.SeedBrokers(c.ListenerAddrs("SSL")...), kgo.DialTLSConfig(c.TLSConfig())); err != nil {
			t.Fatal(err)
		}
	})
}

// sslPrincipal connects to the SSL listener with cfg and returns the
// principal the broker gave the connection.
func sslPrincipal(t *testing.T, c *Cluster, opts ...kgo.Opt) (security.Principal, error) {
	t.Helper()
	// The previous call's connection may still be closing: wait it out,
	// so that the one found below is this call's.
	onSSL := func() int {
		n := 0
		for _, bc := range c.Broker(1).connections() {
			if bc.session.Load().ListenerName == "SSL" {
				n++
			}
		}
		return n
	}
	if err := c.WaitUntil(context.Background(), func() bool { return onSSL() == 0 }); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenerAddrs("SSL")...), kgo.RequestRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		return security.Principal{}, err
	}
	for _, bc := range c.Broker(1).connections() {
		if s := bc.session.Load(); s.ListenerName == "SSL" {
			return s.Principal, nil
		}
	}
	return security.Principal{}, errors.New("no connection on the SSL listener")
}

// mTLS: with ssl.client.auth=required the client certificate's subject
// is the principal (DEFAULT: the whole DN, "CN=..."), a client without
// one is refused; ssl.principal.mapping.rules rewrites the DN.
func TestMutualTLSPrincipal(t *testing.T) {
	c := tlsCluster(t, Config("ssl.client.auth", "required"))
	cfg, err := c.ClientTLSConfig("alice")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sslPrincipal(t, c, kgo.DialTLSConfig(cfg))
	if err != nil || p.String() != "User:CN=alice" {
		t.Errorf("principal with a client certificate = %v, %v; want User:CN=alice", p, err)
	}
	if _, err := sslPrincipal(t, c, kgo.DialTLSConfig(c.TLSConfig())); err == nil {
		t.Error("a client without a certificate was served under ssl.client.auth=required")
	}

	mapped := tlsCluster(t, Config("ssl.client.auth", "requested"), Config("ssl.principal.mapping.rules", "RULE:^CN=(.*)$/$1/U,DEFAULT"))
	cfg, err = mapped.ClientTLSConfig("bob")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := sslPrincipal(t, mapped, kgo.DialTLSConfig(cfg)); err != nil || p.String() != "User:BOB" {
		t.Errorf("mapped principal = %v, %v; want User:BOB", p, err)
	}
	if p, err := sslPrincipal(t, mapped, kgo.DialTLSConfig(mapped.TLSConfig())); err != nil || p != security.Anonymous {
		t.Errorf("requested, no certificate: %v, %v; want User:ANONYMOUS", p, err)
	}
}
