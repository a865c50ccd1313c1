package kafkaref

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// An acks=0 produce is never answered, so an error in it cannot be
// told to the producer; Kafka closes the connection instead, so that
// the producer notices and refreshes its metadata. This test asks
// Kafka 4.4, running StandardAuthorizer, what it does with an acks=0
// produce to a topic the principal may not WRITE (alone, and beside one
// it may), and insists that gregor does the same: the connection is
// closed, or it goes on to answer the next request.
func TestDeniedAcksZeroProduceMatchesKafka(t *testing.T) {
	// Everyone may do what no ACL speaks of; "closed" lets the
	// anonymous principal of PLAINTEXT do everything but WRITE.
	auth := map[string]string{"authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
		"super.users": "User:nobody", "allow.everyone.if.no.acl.found": "true"}
	ctx, k, g := startOwn(t, auth, broker.StandardAuthorizer("User:nobody"), broker.Config("allow.everyone.if.no.acl.found", "true"))

	outcomes := func(addr string) map[string]string {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		if _, err := adm.CreateTopics(ctx, 1, 1, nil, "open", "closed"); err != nil {
			t.Fatalf("creating topics on %s: %v", addr, err)
		}
		// An ACL on a resource ends allow.everyone.if.no.acl.found for
		// it: ALL is allowed again, and the DENY of WRITE wins over it.
		for _, b := range []*kadm.ACLBuilder{
			kadm.NewACLs().Allow("User:ANONYMOUS").Topics("closed").Operations(kadm.OpAll),
			kadm.NewACLs().Deny("User:ANONYMOUS").Topics("closed").Operations(kadm.OpWrite),
		} {
			res, err := adm.CreateACLs(ctx, b)
			if err != nil || len(res) != 1 || res[0].Err != nil {
				t.Fatalf("creating the ACLs on %s: %v %v", addr, res, err)
			}
		}
		waitLed(ctx, t, adm, "open", "closed")
		out := map[string]string{}
		for name, topics := range map[string][]string{"open": {"open"}, "closed": {"closed"}, "open+closed": {"open", "closed"}} {
			out[name] = acksZeroThenMetadata(t, addr, topics)
		}
		return out
	}
	want, got := outcomes(k.Addr), outcomes(g.Addrs()[0])
	t.Logf("Kafka 4.4 after an acks=0 produce: %v", want)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("acks=0 produce to %s: gregor %s, Kafka %s", name, got[name], w)
		}
	}
}

// waitLed waits until every named topic's partitions have leaders.
func waitLed(ctx context.Context, t *testing.T, adm *kadm.Client, topics ...string) {
	t.Helper()
	for ctx.Err() == nil {
		md, err := adm.Metadata(ctx, topics...)
		ready := err == nil
		for _, td := range md.Topics {
			for _, p := range td.Partitions {
				ready = ready && p.Leader >= 0 && p.Err == nil
			}
			ready = ready && td.Err == nil && len(td.Partitions) > 0
		}
		if ready {
			return
		}
		time.Sleep(50 * time.Millisecond) // a real Kafka's controller, on its own time
	}
	t.Fatalf("topics %v never led", topics)
}

// acksZeroThenMetadata sends, on one raw connection, an acks=0 produce
// to the topics and then a Metadata request, and says what came back:
// "answered" when the Metadata response arrived, "closed" when the
// connection ended first.
func acksZeroThenMetadata(t *testing.T, addr string, topics []string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	p := kmsg.NewPtrProduceRequest()
	p.SetVersion(7)
	p.Acks, p.TimeoutMillis = 0, 10000
	for _, topic := range topics {
		pt := kmsg.NewProduceRequestTopic()
		pt.Topic = topic
		pp := kmsg.NewProduceRequestTopicPartition()
		pp.Records = batch(0, "acks=0")
		pt.Partitions = append(pt.Partitions, pp)
		p.Topics = append(p.Topics, pt)
	}
	m := kmsg.NewPtrMetadataRequest()
	m.SetVersion(1)
	m.Topics = []kmsg.MetadataRequestTopic{}
	if _, err := nc.Write(append(rawFrame(p, 1), rawFrame(m, 2)...)); err != nil {
		return "closed"
	}
	// A real Kafka closes, or answers, in its own time.
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	var size [4]byte
	if _, err := io.ReadFull(nc, size[:]); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s neither answered nor closed", addr)
		}
		return "closed"
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(nc, body); err != nil {
		return "closed"
	}
	if corr := int32(binary.BigEndian.Uint32(body)); corr != 2 {
		return fmt.Sprintf("answered correlation id %d", corr)
	}
	return "answered"
}

// rawFrame frames a non-flexible request (header v1, client id "kafkaref").
func rawFrame(req kmsg.Request, correlationID int32) []byte {
	b := make([]byte, 4, 64)
	b = binary.BigEndian.AppendUint16(b, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(req.GetVersion()))
	b = binary.BigEndian.AppendUint32(b, uint32(correlationID))
	b = binary.BigEndian.AppendUint16(b, 8)
	b = append(b, "kafkaref"...)
	b = req.AppendTo(b)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}
