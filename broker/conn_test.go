package broker

import (
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A client that hangs up while its fetch is parked frees the connection
// at once: the parked request gives up rather than waiting out max_wait_ms
// (here forever, the clock being manual) for a client that is gone. The
// connection's Debug line saying so is the sign that it did.
func TestHangupReleasesParkedFetch(t *testing.T) {
	log := newLogLines()
	c := startConnTestCluster(t, Clock(clock.NewManual(time.Time{})), Logger(log.logger()), Topic("t", 1, 1, nil))
	b := c.Broker(1)
	nc, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(11)
	req.MaxWaitMillis = 60_000
	req.MinBytes = 1
	req.SessionEpoch = -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 1 << 20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	if _, err := nc.Write(kmsg.NewRequestFormatter().AppendRequest(nil, req, 1)); err != nil {
		t.Fatal(err)
	}
	// The client goes away. TCP delivers the fetch before the hang-up,
	// so the broker reads it, and it parks: there is nothing to read,
	// and the manual clock never ends max_wait_ms. The hang-up must
	// release it, and the connection ends.
	nc.Close()
	log.waitFor(t, []string{"connection closed during a request", "api=Fetch"})
}
