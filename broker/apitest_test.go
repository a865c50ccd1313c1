package broker_test

// Helpers for the tests of this package (apiversions_test.go,
// metadata_test.go, groups_*_test.go, ...). Each test starts its own
// cluster with startAPICluster and talks to it with franz-go:
// kadm where it has the call, raw kmsg requests through a kgo.Client
// otherwise, and a bare TCP connection (wireConn) where the client's own
// negotiation would hide what is being tested (KIP-511, a closed
// connection after acks=0).

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// apiTestTimeout bounds every client call: a safety net against a hang,
// never a timing assertion.
const apiTestTimeout = 20 * time.Second

// startAPICluster starts a cluster that is closed when the test ends; it
// is how every test of this package starts one. As in Kafka's own test
// configs (and gregor.Start), group.initial.rebalance.delay.ms is 0, so a
// group forms without waiting; opts may set it back. With GREGOR_TEST_LOG
// set to a file name, the cluster logs there.
func startAPICluster(t testing.TB, opts ...broker.Option) *broker.Cluster {
	t.Helper()
	opts = append([]broker.Option{broker.Config("group.initial.rebalance.delay.ms", "0")}, opts...)
	if path := os.Getenv("GREGOR_TEST_LOG"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		opts = append(opts, broker.Logger(slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	}
	c, err := broker.New(opts...)
	if err != nil {
		t.Fatalf("starting cluster: %v", err)
	}
	t.Cleanup(func() {
		// The cluster closes before its clients: a client's Close waits
		// for its in-flight requests, and a fetch parked on a manual
		// clock would otherwise hold it up until kgo gives up on it.
		err := c.Close()
		clientsMu.Lock()
		cls := clusterClients[c]
		delete(clusterClients, c)
		clientsMu.Unlock()
		for _, cl := range cls {
			cl.Close()
		}
		if err != nil {
			t.Errorf("closing cluster: %v", err)
		}
	})
	return c
}

var (
	clientsMu      sync.Mutex
	clusterClients = map[*broker.Cluster][]*kgo.Client{}
)

// apiCtx is a context for one test's client calls.
func apiCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), apiTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// apiClient is a franz-go client for the cluster, closed after it.
func apiClient(t testing.TB, c *broker.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial)}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatalf("creating client: %v", err)
	}
	clientsMu.Lock()
	clusterClients[c] = append(clusterClients[c], cl)
	clientsMu.Unlock()
	return cl
}

// apiAdmin is a kadm client for the cluster.
func apiAdmin(t testing.TB, c *broker.Cluster) *kadm.Client {
	return kadm.NewClient(apiClient(t, c))
}

// pinnedClient is a client that sends exactly version v of API key.
func pinnedClient(t testing.TB, c *broker.Cluster, key, v int16, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	maxV := kversion.Stable()
	maxV.SetMaxKeyVersion(key, v)
	minV := new(kversion.Versions)
	minV.SetMaxKeyVersion(key, v)
	return apiClient(t, c, append(opts, kgo.MaxVersions(maxV), kgo.MinVersions(minV))...)
}

// send issues a request through cl and returns the typed response.
func send[Resp kmsg.Response](t testing.TB, cl *kgo.Client, req kmsg.Request) Resp {
	t.Helper()
	resp, err := cl.Request(apiCtx(t), req)
	if err != nil {
		t.Fatalf("%s request: %v", kmsg.NameForKey(req.Key()), err)
	}
	return resp.(Resp)
}

// sendTo issues a request to one broker.
func sendTo[Resp kmsg.Response](t testing.TB, cl *kgo.Client, id int32, req kmsg.Request) Resp {
	t.Helper()
	resp, err := cl.Broker(int(id)).Request(apiCtx(t), req)
	if err != nil {
		t.Fatalf("%s request to broker %d: %v", kmsg.NameForKey(req.Key()), id, err)
	}
	return resp.(Resp)
}

// wantCode fails the test unless code is want's code.
func wantCode(t testing.TB, what string, code int16, want *kerr.Error) {
	t.Helper()
	wantC := int16(0)
	if want != nil {
		wantC = want.Code
	}
	if code != wantC {
		t.Fatalf("%s: error code %d (%v), want %d (%v)", what, code, kerr.ErrorForCode(code), wantC, want)
	}
}

// createTopic creates a topic through kadm and fails the test on error.
func createTopic(t testing.TB, adm *kadm.Client, name string, partitions int32, rf int16, configs map[string]*string) kadm.CreateTopicResponse {
	t.Helper()
	resp, err := adm.CreateTopic(apiCtx(t), partitions, rf, configs, name)
	if err != nil {
		t.Fatalf("creating topic %s: %v", name, err)
	}
	return resp
}

// produceValues writes values to one partition synchronously.
func produceValues(t testing.TB, cl *kgo.Client, topic string, partition int32, values ...string) []*kgo.Record {
	t.Helper()
	var out []*kgo.Record
	for _, v := range values {
		r := &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
		if err := cl.ProduceSync(apiCtx(t), r).FirstErr(); err != nil {
			t.Fatalf("producing %q to %s-%d: %v", v, topic, partition, err)
		}
		out = append(out, r)
	}
	return out
}

// manualPartitioner sends each record to its Partition field.
func manualPartitioner() kgo.Opt { return kgo.RecordPartitioner(kgo.ManualPartitioner()) }

// wireConn is a bare connection to one broker, for tests that must see
// exactly what goes over the wire.
type wireConn struct {
	t    testing.TB
	nc   net.Conn
	corr int32
}

func dialWire(t testing.TB, c *broker.Cluster, addr string) *wireConn {
	t.Helper()
	nc, err := c.Dial(apiCtx(t), "tcp", addr)
	if err != nil {
		t.Fatalf("dialing %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &wireConn{t: t, nc: nc}
}

// send writes req at the version set on it and returns its correlation id.
func (w *wireConn) send(req kmsg.Request) int32 {
	w.t.Helper()
	w.corr++
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("wire-test"))
	buf := f.AppendRequest(nil, req, w.corr)
	if _, err := w.nc.Write(buf); err != nil {
		w.t.Fatalf("writing request: %v", err)
	}
	return w.corr
}

// readFrame reads one response frame; it returns io.EOF (or another
// error) when the broker closed the connection.
func (w *wireConn) readFrame() ([]byte, error) {
	w.nc.SetReadDeadline(time.Now().Add(apiTestTimeout))
	var size [4]byte
	if _, err := io.ReadFull(w.nc, size[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(w.nc, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// roundTrip sends req and decodes the response into resp, whose version
// must be set (it may differ from the request's: KIP-511).
func (w *wireConn) roundTrip(req kmsg.Request, resp kmsg.Response) {
	w.t.Helper()
	corr := w.send(req)
	buf, err := w.readFrame()
	if err != nil {
		w.t.Fatalf("reading %s response: %v", kmsg.NameForKey(req.Key()), err)
	}
	if err := decodeResponse(buf, corr, resp); err != nil {
		w.t.Fatal(err)
	}
}

func decodeResponse(buf []byte, corr int32, resp kmsg.Response) error {
	if len(buf) < 4 {
		return fmt.Errorf("response of %d bytes", len(buf))
	}
	if got := int32(binary.BigEndian.Uint32(buf)); got != corr {
		return fmt.Errorf("correlation id %d, want %d", got, corr)
	}
	buf = buf[4:]
	if resp.IsFlexible() && resp.Key() != 18 {
		if len(buf) == 0 || buf[0] != 0 {
			return fmt.Errorf("response header tagged fields missing")
		}
		buf = buf[1:]
	}
	if err := resp.ReadFrom(buf); err != nil {
		return fmt.Errorf("decoding %s v%d response: %v", kmsg.NameForKey(resp.Key()), resp.GetVersion(), err)
	}
	return nil
}

// expectClosed fails unless the broker closes the connection without
// answering.
func (w *wireConn) expectClosed() {
	w.t.Helper()
	buf, err := w.readFrame()
	if err == nil {
		w.t.Fatalf("broker answered (%d bytes) instead of closing the connection", len(buf))
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		w.t.Fatalf("broker neither answered nor closed the connection")
	}
}

func strp(s string) *string { return &s }
