package gregor_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Inside a synctest bubble the clock is virtual for the cluster and the
// client alike: a consumer's 5-second long poll on an empty topic returns
// at once in wall time.
func TestSynctestInMemoryNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := broker.New(broker.InMemoryNetwork(), broker.Topic("events", 1, 1, nil))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.Dialer(c.Dial),
			kgo.ConsumeTopics("events"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.FetchMaxWait(5*time.Second), kgo.DefaultProduceTopic("events"))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		ctx := context.Background()
		start := time.Now()
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("hello kafka")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		fs := cl.PollFetches(ctx)
		if fs.NumRecords() != 1 || string(fs.Records()[0].Value) != "hello kafka" {
			t.Fatalf("got %d records, err %v", fs.NumRecords(), fs.Err())
		}
		// Nothing more to read: the next poll waits out fetch.max.wait.ms
		// in virtual time.
		pctx, cancel := context.WithTimeout(ctx, 12*time.Second)
		defer cancel()
		fs = cl.PollFetches(pctx)
		if fs.NumRecords() != 0 {
			t.Fatalf("unexpected records %v", fs.Records())
		}
		if time.Since(start) < 10*time.Second {
			t.Fatalf("virtual time advanced only %v", time.Since(start))
		}
		cl.Close()
		c.Close()
		synctest.Wait()
	})
}
