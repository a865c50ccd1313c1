package broker

import (
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kmsg v1.15.0 read a flexible request's tagged-field count and then
// looped once per announced field, even after the request's bytes had run
// out: an ApiVersions request of a few dozen bytes announcing 2^32-1
// tagged fields kept a core busy for tens of seconds (longer under -race)
// before the connection was closed. kmsg v1.15.1 stops at the end of the
// bytes, so the frame is refused at once: the connection is closed long
// before expectClosed's deadline, which the old loop never met.
func TestHugeTaggedFieldCountIsRefusedAtOnce(t *testing.T) {
	c := startConnTestCluster(t, Topic("orders", 1, 1, nil))
	av := kmsg.NewPtrApiVersionsRequest()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "raw", "1"
	frame := frameOf(av, 3, 1)
	if frame[len(frame)-1] != 0 {
		t.Fatalf("ApiVersions v3 does not end with an empty tagged-field count: % x", frame)
	}
	// The body's tagged-field count, 0, becomes 2^32-1 (a 5-byte uvarint).
	frame = binary.AppendUvarint(frame[:len(frame)-1], 1<<32-1)
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
	if len(frame) > 80 {
		t.Fatalf("the frame is %d bytes", len(frame))
	}
	nc := dialRaw(t, c)
	if _, err := nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, nc)

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"orders": {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produceAndConsume(t, cl, "after the huge tagged-field count")
}
