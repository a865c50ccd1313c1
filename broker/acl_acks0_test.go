package broker

import (
	"context"
	"net"
	"testing"

	"github.com/gregorkafka/gregor/acl"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// An acks=0 produce naming a topic the principal may not WRITE cannot
// be answered with the error, so the broker closes the connection, as
// Kafka 4.4 does (compat/kafkaref's TestDeniedAcksZeroProduceMatchesKafka
// asks it); the partitions it may write are appended first.
func TestACLsDeniedAcksZeroProduceClosesConnection(t *testing.T) {
	c := startConnTestCluster(t, StandardAuthorizer("User:admin"), Config("allow.everyone.if.no.acl.found", "true"),
		Topic("open", 1, 1, nil), Topic("closed", 1, 1, nil))
	f := func(clientID string) string { return "User:" + clientID }
	c.testPrincipal.Store(&f)
	deny := acl.Binding{Pattern: acl.Pattern{Type: acl.ResourceTopic, Name: "closed", PatternType: acl.PatternLiteral},
		Entry: acl.Entry{Principal: "User:raw", Host: "*", Operation: acl.OpWrite, Permission: acl.PermissionDeny}}
	if err := c.ctl.createACLs([]acl.Binding{deny}); err != nil {
		t.Fatal(err)
	}
	nc, err := c.Dial(context.Background(), "tcp", c.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	produce := func(nc net.Conn, topics ...string) {
		t.Helper()
		p := kmsg.NewPtrProduceRequest()
		p.Acks, p.TimeoutMillis = 0, 10000
		for _, name := range topics {
			pt := kmsg.NewProduceRequestTopic()
			pt.Topic = name
			pp := kmsg.NewProduceRequestTopicPartition()
			batch, err := record.Build(record.BatchOptions{}, []record.Record{{Value: []byte("acks=0")}})
			if err != nil {
				t.Fatal(err)
			}
			pp.Records = batch
			pt.Partitions = append(pt.Partitions, pp)
			p.Topics = append(p.Topics, pt)
		}
		if _, err := nc.Write(frameOf(p, 9, 1)); err != nil {
			t.Fatal(err)
		}
	}
	produce(nc, "open")
	roundTrip(t, nc, kmsg.NewPtrApiVersionsRequest(), 3) // still open after an allowed acks=0 produce
	produce(nc, "open", "closed")
	expectClosed(t, nc)

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ClientID("admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), "open", "closed")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ends.Lookup("open", 0); o.Offset != 2 {
		t.Errorf("open ends at %d, want 2: both acks=0 batches appended", o.Offset)
	}
	if o, _ := ends.Lookup("closed", 0); o.Offset != 0 {
		t.Errorf("closed ends at %d, want 0: the denied batch not appended", o.Offset)
	}
}
