package broker

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The first listener may be SASL_SSL, as a Kafka broker with
// listeners=SASL_SSL://:9093 is: the bootstrap addresses are then
// SASL_SSL ones, a client that authenticates over TLS round-trips a
// record, and one that connects in plain text gets nowhere.
// DescribeConfigs reports the listeners as configured.
func TestFirstListenerSASLSSL(t *testing.T) {
	c := startConnTestCluster(t, Brokers(2), TLS(nil, nil), SASLUser("alice", "alice-secret"),
		Config("listeners", "SASL_SSL://:0"), Config("inter.broker.listener.name", "SASL_SSL"))
	if got := c.ListenerAddrs("SASL_SSL"); !slices.Equal(got, c.Addrs()) {
		t.Fatalf("SASL_SSL addresses %v, bootstrap %v: the first listener should be SASL_SSL", got, c.Addrs())
	}
	if err := roundTripRecord(t, c, kgo.SeedBrokers(c.Addrs()...), kgo.DialTLSConfig(c.TLSConfig()),
		kgo.SASL(scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha512Mechanism())); err != nil {
		t.Fatalf("SCRAM over TLS on the first listener: %v", err)
	}
	plainCl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.RequestRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer plainCl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, plainCl); err == nil {
		t.Error("a plain-text client without SASL was answered on a SASL_SSL listener")
	}

	admin, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DialTLSConfig(c.TLSConfig()),
		kgo.SASL(plain.Auth{User: "alice", Pass: "alice-secret"}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	got := describedBrokerConfigs(t, admin, 2)
	if want := "SASL_SSL://" + c.Broker(2).Addr(); got["advertised.listeners"] != want {
		t.Errorf("advertised.listeners = %q, want %q", got["advertised.listeners"], want)
	}
	if got["listener.security.protocol.map"] != "SASL_SSL:SASL_SSL" || got["inter.broker.listener.name"] != "SASL_SSL" {
		t.Errorf("listener.security.protocol.map = %q, inter.broker.listener.name = %q", got["listener.security.protocol.map"], got["inter.broker.listener.name"])
	}
}

// describedBrokerConfigs is broker id's DescribeConfigs answer, by name.
func describedBrokerConfigs(t *testing.T, cl *kgo.Client, id int32) map[string]string {
	t.Helper()
	rcs, err := kadm.NewClient(cl).DescribeBrokerConfigs(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, rc := range rcs {
		for _, cfg := range rc.Configs {
			out[cfg.Key] = cfg.MaybeValue()
		}
	}
	return out
}

// Listener names are the operator's (CLIENTS, INTERNAL), mapped to
// protocols by listener.security.protocol.map; Metadata answers each
// listener with its own addresses; listener.name.<name>.* configs set
// sasl.enabled.mechanisms for one listener only.
func TestNamedListenersAndPerListenerConfigs(t *testing.T) {
	c := startConnTestCluster(t, Brokers(2), SASLUser("alice", "alice-secret"),
		Config("listeners", "INTERNAL://:0,CLIENTS://:0,LEGACY://:0"),
		Config("listener.security.protocol.map", "INTERNAL:PLAINTEXT,CLIENTS:SASL_PLAINTEXT,LEGACY:SASL_PLAINTEXT"),
		Config("inter.broker.listener.name", "INTERNAL"),
		Config("sasl.enabled.mechanisms", "PLAIN"),
		Config("listener.name.clients.sasl.enabled.mechanisms", "SCRAM-SHA-512"))
	clients := c.ListenerAddrs("CLIENTS")
	if len(clients) != 2 || slices.Contains(c.Addrs(), clients[0]) {
		t.Fatalf("CLIENTS addresses %v, INTERNAL %v", clients, c.Addrs())
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(clients[0]), kgo.SASL(scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha512Mechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("SCRAM-SHA-512 on CLIENTS: %v", err)
	}
	var advertised []string
	for _, b := range md.Brokers {
		advertised = append(advertised, net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))))
	}
	if !slices.Equal(advertised, clients) {
		t.Errorf("Metadata on CLIENTS advertises %v, want the CLIENTS addresses %v", advertised, clients)
	}
	handshake := func(addr string) []string {
		nc, err := c.Dial(ctx, "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		hs := kmsg.NewPtrSASLHandshakeRequest()
		hs.Mechanism = "PLAIN"
		return roundTrip(t, nc, hs, 1).(*kmsg.SASLHandshakeResponse).SupportedMechanisms
	}
	if got := handshake(clients[1]); !slices.Equal(got, []string{"SCRAM-SHA-512"}) {
		t.Errorf("CLIENTS enables %v, want its listener.name.clients.sasl.enabled.mechanisms SCRAM-SHA-512", got)
	}
	if got := handshake(c.ListenerAddrs("LEGACY")[0]); !slices.Equal(got, []string{"PLAIN"}) {
		t.Errorf("LEGACY enables %v, want the broker's PLAIN", got)
	}
}

// ssl.client.auth per listener: mTLS on one SSL listener, none on the
// other, with one certificate authority.
func TestPerListenerClientAuth(t *testing.T) {
	c := startConnTestCluster(t, TLS(nil, nil),
		Config("listeners", "PLAINTEXT://:0,MTLS://:0,TLS://:0"),
		Config("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,MTLS:SSL,TLS:SSL"),
		Config("listener.name.mtls.ssl.client.auth", "required"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	try := func(addr string, cfg *tls.Config) error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTLSConfig(cfg), kgo.RequestRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		_, err = kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
		return err
	}
	withCert, err := c.ClientTLSConfig("carol")
	if err != nil {
		t.Fatal(err)
	}
	if err := try(c.ListenerAddrs("MTLS")[0], withCert); err != nil {
		t.Errorf("MTLS with a client certificate: %v", err)
	}
	if err := try(c.ListenerAddrs("MTLS")[0], c.TLSConfig()); err == nil {
		t.Error("MTLS answered a client without a certificate")
	}
	if err := try(c.ListenerAddrs("TLS")[0], c.TLSConfig()); err != nil {
		t.Errorf("TLS (no client auth) without a client certificate: %v", err)
	}
}

// A fixed port in listeners is broker 1's; broker n listens n-1 ports
// higher (on the in-memory network, where ports are names).
func TestFixedListenerPorts(t *testing.T) {
	c := startConnTestCluster(t, Brokers(2), InMemoryNetwork(),
		Config("listeners", "PLAINTEXT://:0,EXTERNAL://:19500"),
		Config("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT"))
	want := []string{memAddr(19500), memAddr(19501)}
	if got := c.ListenerAddrs("EXTERNAL"); !slices.Equal(got, want) {
		t.Fatalf("EXTERNAL listens on %v, want %v", got, want)
	}
	if err := c.StopBroker(2); err != nil {
		t.Fatal(err)
	}
	if err := c.StartBroker(2); err != nil {
		t.Fatal(err)
	}
	if got := c.ListenerAddrs("EXTERNAL"); !slices.Equal(got, want) {
		t.Errorf("after a restart EXTERNAL listens on %v, want %v", got, want)
	}
}

// Listener configs Kafka would refuse, or gregor cannot honour, stop the
// cluster at start with a reason.
func TestListenerConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"inter-broker listener missing", []Option{Config("listeners", "SASL_PLAINTEXT://:0")},
			"inter.broker.listener.name must be a listener name"},
		{"both inter-broker configs", []Option{Config("inter.broker.listener.name", "PLAINTEXT"), Config("security.inter.broker.protocol", "PLAINTEXT")},
			"only one of inter.broker.listener.name and security.inter.broker.protocol"},
		{"unmapped name", []Option{Config("listeners", "PLAINTEXT://:0,CLIENTS://:0")},
			"no security protocol for it in listener.security.protocol.map"},
		{"malformed entry", []Option{Config("listeners", "PLAINTEXT:9092")}, "is not NAME://host:port"},
		{"TLS without the TLS option", []Option{Config("listeners", "PLAINTEXT://:0,SSL://:0")}, "give the TLS option too"},
		{"advertised port", []Option{Config("advertised.listeners", "PLAINTEXT://example.com:9999")}, "advertises the port each broker binds"},
		{"advertised unknown listener", []Option{Config("advertised.listeners", "OTHER://example.com:0")}, "is not one of the listeners"},
		{"per-listener config gregor lacks", []Option{Config("listener.name.plaintext.max.connections", "10")}, "gregor takes only these configs per listener"},
		{"per-listener config of no listener", []Option{Config("listener.name.other.ssl.client.auth", "required")}, "there is no listener OTHER"},
		{"bad per-listener value", []Option{Config("listener.name.plaintext.ssl.client.auth", "always")}, "listener.name.plaintext.ssl.client.auth"},
		{"two listeners on one port", []Option{Brokers(2), InMemoryNetwork(),
			Config("listeners", "PLAINTEXT://:19600,EXTRA://:19601"), Config("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,EXTRA:PLAINTEXT")},
			"port 19601 is given to"},
		{"Listener option clashing", []Option{Config("listeners", "PLAINTEXT://:0,SASL://:0"),
			Config("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT"), Listener("SASL", "SASL_PLAINTEXT")},
			"listener SASL is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts...)
			if err == nil {
				c.Close()
				t.Fatalf("started; want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want one containing %q", err, tc.want)
			}
		})
	}
}

// connections.max.reauth.ms per listener: the session lifetime
// SaslAuthenticate tells is the listener's, or the broker's.
func TestPerListenerReauthLifetime(t *testing.T) {
	c := startConnTestCluster(t, SASLUser("alice", "alice-secret"),
		Config("listeners", "PLAINTEXT://:0,SHORT://:0,LONG://:0"),
		Config("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SHORT:SASL_PLAINTEXT,LONG:SASL_PLAINTEXT"),
		Config("connections.max.reauth.ms", "3600000"),
		Config("listener.name.short.connections.max.reauth.ms", "60000"))
	lifetime := func(listener string) int64 {
		nc, err := c.Dial(context.Background(), "tcp", c.ListenerAddrs(listener)[0])
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		hs := kmsg.NewPtrSASLHandshakeRequest()
		hs.Mechanism = "PLAIN"
		roundTrip(t, nc, hs, 1)
		auth := kmsg.NewPtrSASLAuthenticateRequest()
		auth.SASLAuthBytes = []byte("\x00alice\x00alice-secret")
		r := roundTrip(t, nc, auth, 2).(*kmsg.SASLAuthenticateResponse)
		if r.ErrorCode != 0 {
			t.Fatalf("authenticating on %s: error %d", listener, r.ErrorCode)
		}
		return r.SessionLifetimeMillis
	}
	if got := lifetime("SHORT"); got != 60000 {
		t.Errorf("SHORT's session lifetime %d ms, want its own 60000", got)
	}
	if got := lifetime("LONG"); got != 3600000 {
		t.Errorf("LONG's session lifetime %d ms, want the broker's 3600000", got)
	}
}
