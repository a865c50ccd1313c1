package broker

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// A clean shutdown closes the connections and returns: it waits for the
// requests being handled, which may use the replicas it is about to
// close, but not for a request that is still arriving or being decoded.

// closeWithin closes the cluster and fails the test if Close has not
// returned before a deadline that only a Close waiting on the client, or
// on a decode that cannot end, would miss.
func closeWithin(t *testing.T, c *Cluster) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: it waits for a request that is not being handled")
	}
}

// A request still being decoded held up Close until its decoding ended
// (with kmsg v1.15.0, tens of seconds for a huge tagged-field count; a
// large frame of many small array entries takes a while with any
// decoder). The test holds a decode up with a hook and expects Close to
// return regardless, and the request never to be handled.
func TestCloseDoesNotWaitForARequestBeingDecoded(t *testing.T) {
	decoding := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	hook := func() {
		once.Do(func() { close(decoding) })
		<-release
	}
	c := startConnTestCluster(t, InMemoryNetwork())
	testHookDecoding.Store(&hook)
	// Cleanups run last first: the decode is released before the
	// cluster's own Close, should the one under test hang.
	t.Cleanup(func() {
		testHookDecoding.Store(nil)
		close(release)
	})
	nc := dialRaw(t, c)
	av := kmsg.NewPtrApiVersionsRequest()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "raw", "1"
	if _, err := nc.Write(frameOf(av, 3, 1)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-decoding:
	case <-ctx.Done():
		t.Fatal("the broker never decoded the request")
	}
	closeWithin(t, c)
	expectClosed(t, nc) // and no answer
}

// A frame whose first bytes have arrived does not hold up Close either,
// whether its buffer was allocated at once or waits to be believed.
func TestCloseDoesNotWaitForAHalfSentFrame(t *testing.T) {
	for _, size := range []int{100, 4 * believedBodyBytes} {
		c, err := New(InMemoryNetwork())
		if err != nil {
			t.Fatal(err)
		}
		nc := dialRaw(t, c)
		half := binary.BigEndian.AppendUint32(nil, uint32(size))
		half = append(half, 0, 18, 0, 3, 0, 0, 0, 1) // ApiVersions v3, correlation id 1, ...
		// Returns once the broker has read it (the in-memory network).
		if _, err := nc.Write(half); err != nil {
			t.Fatal(err)
		}
		closeWithin(t, c)
		expectClosed(t, nc)
	}
}
