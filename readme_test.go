package gregor_test

import (
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The example in README.md, kept here so that it stays true.
func TestReadmeExample(t *testing.T) {
	c := gregor.Start(t, broker.Topic("orders", 3, 1, nil)) // one broker, logs in memory
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("orders"),
		kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Key: []byte("order-1"), Value: []byte("hello kafka")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if recs := cl.PollFetches(t.Context()).Records(); len(recs) != 1 || string(recs[0].Value) != "hello kafka" {
		t.Fatalf("consumed %v", recs)
	}
}
