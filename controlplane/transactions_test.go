package controlplane_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/controlplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

// An open transaction shows with its partition; ?state filters.
func TestTransactionsOverHTTP(t *testing.T) {
	c := gregor.Start(t, broker.Topic("orders", 1, 1, nil))
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.TransactionalID("http-tx"),
		kgo.DefaultProduceTopic("orders"), kgo.TransactionTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var got []controlplane.Transaction
	mustCall(t, "GET", srv.URL+"/v1/transactions?state=Ongoing", nil, &got)
	if len(got) != 1 || got[0].TransactionalID != "http-tx" || got[0].State != "Ongoing" ||
		len(got[0].Partitions) != 1 || got[0].Partitions[0] != "orders-0" || got[0].StartTimeMs < 0 {
		t.Fatalf("GET /v1/transactions?state=Ongoing: %+v", got)
	}
	mustCall(t, "GET", srv.URL+"/v1/transactions?state=CompleteCommit", nil, &got)
	if len(got) != 0 {
		t.Fatalf("CompleteCommit: %+v", got)
	}
	if code := call(t, "GET", srv.URL+"/v1/transactions?state=Bogus", nil, nil); code != 400 {
		t.Fatalf("unknown state: status %d, want 400", code)
	}
}
