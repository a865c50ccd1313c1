package broker

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Large and slow request frames: what a large one costs while it arrives,
// and how connections.max.idle.ms treats one that arrives slowly.

// A large body's buffer used to double as its bytes came in, so a 100 MB
// request cost the 64 MB buffer and the 100 MB one at once, and more in
// garbage: about twice its size. Once its first believedBodyBytes have
// arrived the body is held at its announced size, as Kafka holds it, and
// it costs that size and the first MiB.
func TestLargeRequestIsHeldAtItsAnnouncedSize(t *testing.T) {
	const size = 32 << 20
	want := bytes.Repeat([]byte("gregor"), size/6+1)[:size]
	r := bytes.NewReader(want)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before := m.TotalAlloc
	got, err := readBody(r, size, nil)
	runtime.ReadMemStats(&m)
	allocated := m.TotalAlloc - before
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d of %d bytes: %v", len(got), size, err)
	}
	if cap(got) != size {
		t.Errorf("a body of %d bytes is held in a buffer of %d", size, cap(got))
	}
	// The slack is for the runtime's own allocations meanwhile.
	if limit := uint64(size + believedBodyBytes + 256<<10); allocated > limit {
		t.Errorf("reading a body of %d MiB allocated %.1f MiB, want at most %.1f MiB",
			size>>20, float64(allocated)/(1<<20), float64(limit)/(1<<20))
	}
}

// trickle writes part of a frame to an in-memory connection and returns
// once the broker has read all of it but the last byte. The in-memory
// network's writes return when the reader has taken the bytes; the
// broker records a read as activity after taking the bytes, and before
// it reads again. Writing the last byte on its own therefore returns only
// after the broker has recorded reading the rest, at the current reading
// of the clock.
func trickle(t *testing.T, nc net.Conn, part []byte) {
	t.Helper()
	for _, p := range [][]byte{part[:len(part)-1], part[len(part)-1:]} {
		if _, err := nc.Write(p); err != nil {
			t.Fatalf("writing %d bytes of a request: %v", len(p), err)
		}
	}
}

// A connection receiving a frame slowly was closed after
// connections.max.idle.ms, although bytes kept arriving: only a whole
// request counted as activity. Kafka counts every read; so does gregor
// now. A connection that falls silent in the middle of a frame is still
// closed once it has been silent that long.
func TestSlowRequestIsNotIdle(t *testing.T) {
	clk := clock.NewManual(time.Time{})
	c := startConnTestCluster(t, InMemoryNetwork(), Clock(clk), quietConfigs(), Config("connections.max.idle.ms", "60000"))
	av := kmsg.NewPtrApiVersionsRequest()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "slow-client", "1"
	frame := frameOf(av, 3, 7)

	t.Run("trickling", func(t *testing.T) {
		nc := dialRaw(t, c)
		trickle(t, nc, frame[:10])    // t=0
		clk.Advance(40 * time.Second) // t=40s
		trickle(t, nc, frame[10:20])
		clk.Advance(40 * time.Second) // t=80s: 80s since the connection opened, 40s since the last bytes
		if _, err := nc.Write(frame[20:]); err != nil {
			t.Fatalf("the rest of the request: %v (the broker closed the connection as idle)", err)
		}
		resp, err := readResponseFrame(nc)
		if err != nil {
			t.Fatalf("reading the response: %v", err)
		}
		if got := int32(binary.BigEndian.Uint32(resp)); got != 7 {
			t.Fatalf("response to correlation id %d, want 7", got)
		}
	})
	t.Run("silent", func(t *testing.T) {
		nc := dialRaw(t, c)
		trickle(t, nc, frame[:10])
		// The broker may record reading the last byte before the first
		// advance or just after it (trickle waits only for the bytes
		// before it), so the connection has been silent for
		// connections.max.idle.ms after at most two of them.
		clk.Advance(60 * time.Second)
		clk.Advance(60 * time.Second)
		expectClosed(t, nc)
	})
}

// The reader stops at a bad frame, but the requests read before it are
// still answered before the connection closes, as Kafka, which reads one
// request at a time, answers them: here a fetch parked for data, which a
// produce from another client then provides.
func TestRequestsBeforeABadFrameAreAnswered(t *testing.T) {
	c := startConnTestCluster(t, Clock(clock.NewManual(time.Time{})), quietConfigs(),
		Config("connections.max.idle.ms", "-1"), Topic("orders", 1, 1, nil))
	fetch := kmsg.NewPtrFetchRequest()
	fetch.MaxWaitMillis, fetch.MinBytes, fetch.SessionEpoch = 60_000, 1, -1 // the clock is manual: waits for data
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "orders"
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes = 1 << 20
	ft.Partitions = append(ft.Partitions, fp)
	fetch.Topics = append(fetch.Topics, ft)
	bad := binary.BigEndian.AppendUint32(nil, 10)
	bad = append(bad, 0x27, 0x0f, 0, 0, 0, 0, 0, 2, 0xff, 0xff) // API key 9999, correlation id 2
	nc := dialRaw(t, c)
	if _, err := nc.Write(append(frameOf(fetch, 11, 1), bad...)); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("wakes the fetch")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := readResponseFrame(nc)
	if err != nil {
		t.Fatalf("the fetch before the bad frame was not answered: %v", err)
	}
	if corr := int32(binary.BigEndian.Uint32(resp)); corr != 1 {
		t.Fatalf("response to correlation id %d, want the fetch's 1", corr)
	}
	fr := withVersion(kmsg.NewPtrFetchResponse(), 11)
	if err := fr.ReadFrom(resp[4:]); err != nil || len(fr.Topics) != 1 || len(fr.Topics[0].Partitions[0].RecordBatches) == 0 {
		t.Fatalf("the fetch's answer has no records (%v)", err)
	}
	expectClosed(t, nc)
}
