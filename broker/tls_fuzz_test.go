package broker

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzTLSAndSASLListeners sends arbitrary bytes as the first bytes of a
// connection to an SSL, a SASL_SSL and a SASL_PLAINTEXT listener (a TLS
// ClientHello, or SASL frames): the broker never crashes, and a
// well-behaved client is served afterwards.
func FuzzTLSAndSASLListeners(f *testing.F) {
	f.Add(uint8(0), []byte("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00"))
	f.Add(uint8(2), frameOf(&kmsg.SASLHandshakeRequest{Mechanism: "PLAIN"}, 1, 1))
	f.Add(uint8(2), append(frameOf(&kmsg.SASLHandshakeRequest{Mechanism: "SCRAM-SHA-256"}, 1, 1),
		frameOf(&kmsg.SASLAuthenticateRequest{SASLAuthBytes: []byte("n,,n=alice,r=x")}, 2, 2)...))
	f.Add(uint8(2), append(frameOf(&kmsg.SASLHandshakeRequest{Mechanism: "PLAIN"}, 1, 1),
		frameOf(&kmsg.SASLAuthenticateRequest{SASLAuthBytes: []byte("\x00alice\x00alice-secret")}, 2, 2)...))
	c, err := New(TLS(nil, nil), Listener("SSL", security.SSL), Listener("SASL_SSL", security.SASLSSL),
		Listener("SASL", security.SASLPlaintext), SASLUser("alice", "alice-secret"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	f.Fuzz(func(t *testing.T, which uint8, input []byte) {
		name := []string{"SSL", "SASL_SSL", "SASL"}[int(which)%3]
		nc, err := net.Dial("tcp", c.ListenerAddrs(name)[0])
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(2 * time.Second))
		nc.Write(input)
		nc.Close()
		stillServes(t, "SSL", kgo.SeedBrokers(c.ListenerAddrs("SSL")...), kgo.DialTLSConfig(c.TLSConfig()))
	})
}

// stillServes fails t unless a client made with opts reaches the listener:
// whatever a fuzz input did to its own connection, the listener serves
// the next one.
func stillServes(t *testing.T, listener string, opts ...kgo.Opt) {
	t.Helper()
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		t.Fatalf("the %s listener stopped serving after the input: %v", listener, err)
	}
}
