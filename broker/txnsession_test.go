package broker_test

// Consume-transform-produce with franz-go's GroupTransactSession: each
// input record is produced downstream exactly once, its offset
// committed in the same transaction (KIP-447).

import (
	"fmt"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// transformOnce runs one GroupTransactSession over "in" until it has
// copied n records to "out", committing after each poll.
func transformOnce(t *testing.T, c *broker.Cluster, n, stopAfter int) int {
	t.Helper()
	s, err := kgo.NewGroupTransactSession(append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial)},
		kgo.TransactionalID("copier"), kgo.ConsumerGroup("copiers"), kgo.ConsumeTopics("in"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DefaultProduceTopic("out"), manualPartitioner())...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := apiCtx(t)
	copied := 0
	for copied < stopAfter {
		fs := s.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("copied %d of %d: %v", copied, n, err)
		}
		if err := s.Begin(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			s.Produce(ctx, &kgo.Record{Value: append([]byte("copy-"), r.Value...)}, func(_ *kgo.Record, err error) {
				if err != nil {
					t.Errorf("producing: %v", err)
				}
			})
		})
		committed, err := s.End(ctx, kgo.TryCommit)
		if err != nil {
			t.Fatalf("End: %v", err)
		}
		if committed {
			copied += fs.NumRecords()
		}
	}
	return copied
}

func TestGroupTransactSessionCopiesExactlyOnce(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("in", 1, 3, nil), broker.Topic("out", 1, 3, nil))
	const n = 20
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("copy-%d", i))
	}
	in := apiClient(t, c, manualPartitioner())
	for i := 0; i < n/2; i++ {
		produceValues(t, in, "in", 0, fmt.Sprint(i))
	}
	transformOnce(t, c, n, n/2)
	// A broker restart between two sessions: the second continues from
	// the committed offsets.
	if err := c.StopBroker(1); err != nil {
		t.Fatal(err)
	}
	if err := c.StartBroker(1); err != nil {
		t.Fatal(err)
	}
	for i := n / 2; i < n; i++ {
		produceValues(t, in, "in", 0, fmt.Sprint(i))
	}
	transformOnce(t, c, n, n/2)
	got := consumeIsolated(t, c, "out", kgo.ReadCommitted(), n)
	if !equal(got, want) {
		t.Fatalf("out holds %v, want each input once: %v", got, want)
	}
}
