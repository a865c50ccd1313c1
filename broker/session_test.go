package broker

import (
	"context"
	"testing"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A connection on the default PLAINTEXT listener is User:ANONYMOUS, and
// a request on it says so: what an authorizer reads.
func TestPlaintextConnectionIsAnonymous(t *testing.T) {
	c := startConnTestCluster(t)
	nc := dialRaw(t, c)
	if _, err := nc.Write(frameOf(kmsg.NewPtrApiVersionsRequest(), 0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitUntil(context.Background(), func() bool { return len(c.Broker(1).connections()) == 1 }); err != nil {
		t.Fatal(err)
	}
	bc := c.Broker(1).connections()[0]
	r := &request{conn: bc}
	got := r.session()
	if got.Principal != security.Anonymous || r.principal().String() != "User:ANONYMOUS" ||
		got.Protocol != security.Plaintext || got.ListenerName != "PLAINTEXT" || got.ClientHost != "127.0.0.1" {
		t.Errorf("session = %+v, want User:ANONYMOUS on PLAINTEXT from 127.0.0.1", got)
	}
}
