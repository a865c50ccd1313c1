package broker

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// FuzzSASLInsideTLS completes a TLS handshake with a SASL_SSL listener
// (mTLS requested, a client certificate shown or not) and then sends
// arbitrary bytes as the SASL exchange: handshakes for every mechanism,
// authentications, re-authentications and anything else. The broker
// never crashes, and a client that authenticates properly is served
// afterwards. (FuzzTLSAndSASLListeners fuzzes the TLS handshake itself.)
func FuzzSASLInsideTLS(f *testing.F) {
	hs := func(m string, corr int32) []byte { return frameOf(&kmsg.SASLHandshakeRequest{Mechanism: m}, 1, corr) }
	auth := func(b string, corr int32) []byte {
		return frameOf(&kmsg.SASLAuthenticateRequest{SASLAuthBytes: []byte(b)}, 2, corr)
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	plainOK := cat(hs("PLAIN", 1), auth("\x00alice\x00alice-secret", 2))
	f.Add(false, plainOK)
	f.Add(true, cat(plainOK, hs("PLAIN", 3), auth("\x00alice\x00alice-secret", 4), frameOf(kmsg.NewPtrMetadataRequest(), 12, 5)))
	f.Add(false, cat(plainOK, hs("SCRAM-SHA-256", 3), auth("n,,n=alice,r=x", 4)))
	f.Add(true, cat(hs("SCRAM-SHA-512", 1), auth("n,,n=alice,r=abc", 2), auth("c=biws,r=abc,p=AAAA", 3)))
	f.Add(false, cat(hs("OAUTHBEARER", 1), auth("n,,\x01auth=Bearer "+security.UnsecuredJWT("alice", time.Now().Add(time.Hour))+"\x01\x01", 2)))
	f.Add(false, cat(hs("OAUTHBEARER", 1), auth("n,,\x01auth=Bearer e30.e30.\x01\x01", 2), auth("\x01", 3)))
	f.Add(true, cat(hs("GSSAPI", 1)))
	f.Add(false, cat(frameOf(kmsg.NewPtrApiVersionsRequest(), 3, 1), hs("PLAIN", 2), frameOf(kmsg.NewPtrListGroupsRequest(), 4, 3)))
	c, err := New(TLS(nil, nil), Listener("SASL_SSL", security.SASLSSL), SASLUser("alice", "alice-secret"),
		Config("ssl.client.auth", "requested"), Config("connections.max.reauth.ms", "60000"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	withCert, err := c.ClientTLSConfig("fuzzer")
	if err != nil {
		f.Fatal(err)
	}
	addr := c.ListenerAddrs("SASL_SSL")[0]
	f.Fuzz(func(t *testing.T, showCert bool, input []byte) {
		cfg := c.TLSConfig()
		if showCert {
			cfg = withCert.Clone()
		}
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc := tls.Client(raw, cfg)
		nc.SetDeadline(time.Now().Add(2 * time.Second))
		if err := nc.Handshake(); err != nil {
			t.Fatalf("TLS handshake: %v", err)
		}
		nc.Write(input)
		nc.Close()
		stillServes(t, "SASL_SSL", kgo.SeedBrokers(addr), kgo.DialTLSConfig(c.TLSConfig()),
			kgo.SASL(scram.Auth{User: "alice", Pass: "alice-secret"}.AsSha256Mechanism()))
	})
}
