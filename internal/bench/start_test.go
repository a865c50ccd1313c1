package bench

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// BenchmarkStartToMetadata is the fixed cost of a broker in a test: start
// a one-broker cluster, connect a kgo client and get a Metadata response
// that names the broker. Closing the client and the cluster happens with
// the timer stopped; BenchmarkStartToClose includes it.
func BenchmarkStartToMetadata(b *testing.B) { benchStart(b, false) }

// BenchmarkStartToClose is a broker's whole life in a test: start, first
// Metadata through a kgo client, close the client and the cluster. gregor
// waits in Close until every goroutine it started has ended and every log
// is closed; kfake's Close returns without waiting for its goroutines.
func BenchmarkStartToClose(b *testing.B) { benchStart(b, true) }

func benchStart(b *testing.B, timeClose bool) {
	forEachImpl(b, func(b *testing.B, im impl) {
		ctx := benchCtx(b)
		cpu := startCPU(b)
		for b.Loop() {
			cl, stop := startToMetadata(ctx, b, im)
			if !timeClose {
				b.StopTimer()
			}
			cl.Close()
			stop()
			if !timeClose {
				b.StartTimer()
			}
		}
		cpu.stop()
	})
}

// startToMetadata starts a cluster and gets its first Metadata answer
// through a new kgo client, which it returns with the cluster's stop.
func startToMetadata(ctx context.Context, b *testing.B, im impl) (*kgo.Client, func()) {
	addrs, stop, err := im.start("", 0)
	if err != nil {
		b.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		b.Fatal(err)
	}
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		b.Fatal(err)
	}
	if len(resp.Brokers) != 1 {
		b.Fatalf("metadata names %d brokers, want 1", len(resp.Brokers))
	}
	return cl, stop
}
