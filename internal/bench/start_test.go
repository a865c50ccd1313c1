package bench

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// BenchmarkStartToMetadata is the fixed cost of a broker in a test: start
// a one-broker cluster, connect a kgo client, get a Metadata response
// that names the broker, then close the client and the cluster.
func BenchmarkStartToMetadata(b *testing.B) {
	forEachImpl(b, func(b *testing.B, im impl) {
		ctx := benchCtx(b)
		cpu := startCPU(b)
		for b.Loop() {
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
			cl.Close()
			stop()
		}
		cpu.stop()
	})
}
