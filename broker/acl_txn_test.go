package broker_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The transaction APIs that look (ListTransactions, DescribeTransactions,
// DescribeProducers) show a principal only what it may DESCRIBE or READ,
// and WriteTxnMarkers is for brokers alone (CLUSTER_ACTION).
func TestACLsTransactionIntrospection(t *testing.T) {
	c := startACLCluster(t)
	createTopic(t, adminAs(t, c, "admin"), "orders", 1, 1, nil)
	for _, id := range []string{"tx-a", "tx-b"} {
		cl := as(t, c, "admin", manualPartitioner(), kgo.TransactionalID(id))
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(apiCtx(t), &kgo.Record{Topic: "orders", Value: []byte(id)}).FirstErr(); err != nil {
			t.Fatalf("admin's transactional produce for %s: %v", id, err)
		}
		if err := cl.EndTransaction(apiCtx(t), kgo.TryCommit); err != nil {
			t.Fatalf("commit %s: %v", id, err)
		}
	}
	grant(t, c, kadm.NewACLs().Allow("User:alice").TransactionalIDs("tx-a").Operations(kadm.OpDescribe))

	listed := sendTo[*kmsg.ListTransactionsResponse](t, as(t, c, "alice"), 1, kmsg.NewPtrListTransactionsRequest())
	if len(listed.TransactionStates) != 1 || listed.TransactionStates[0].TransactionalID != "tx-a" {
		t.Fatalf("alice's ListTransactions = %+v, want tx-a alone", listed.TransactionStates)
	}
	all := sendTo[*kmsg.ListTransactionsResponse](t, as(t, c, "admin"), 1, kmsg.NewPtrListTransactionsRequest())
	if len(all.TransactionStates) != 2 {
		t.Fatalf("admin's ListTransactions = %+v, want tx-a and tx-b", all.TransactionStates)
	}

	desc := kmsg.NewPtrDescribeTransactionsRequest()
	desc.TransactionalIDs = []string{"tx-a", "tx-b"}
	described := sendTo[*kmsg.DescribeTransactionsResponse](t, as(t, c, "alice"), 1, desc)
	codes := map[string]int16{}
	for _, s := range described.TransactionStates {
		codes[s.TransactionalID] = s.ErrorCode
	}
	if len(codes) != 2 || codes["tx-a"] != 0 || codes["tx-b"] != kerr.TransactionalIDAuthorizationFailed.Code {
		t.Fatalf("alice's DescribeTransactions codes = %v, want tx-a 0 and tx-b TRANSACTIONAL_ID_AUTHORIZATION_FAILED", codes)
	}

	dp := kmsg.NewPtrDescribeProducersRequest()
	dt := kmsg.NewDescribeProducersRequestTopic()
	dt.Topic, dt.Partitions = "orders", []int32{0}
	dp.Topics = append(dp.Topics, dt)
	producers := sendTo[*kmsg.DescribeProducersResponse](t, as(t, c, "alice"), 1, dp)
	if len(producers.Topics) != 1 || len(producers.Topics[0].Partitions) != 1 {
		t.Fatalf("alice's DescribeProducers = %+v, want orders-0", producers.Topics)
	}
	wantCode(t, "DescribeProducers without READ on the topic", producers.Topics[0].Partitions[0].ErrorCode, kerr.TopicAuthorizationFailed)

	markers := kmsg.NewPtrWriteTxnMarkersRequest()
	m := kmsg.NewWriteTxnMarkersRequestMarker()
	m.ProducerID, m.ProducerEpoch, m.Committed = 1, 0, true
	mt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
	mt.Topic, mt.Partitions = "orders", []int32{0}
	m.Topics = append(m.Topics, mt)
	markers.Markers = append(markers.Markers, m)
	written := sendTo[*kmsg.WriteTxnMarkersResponse](t, as(t, c, "alice"), 1, markers)
	if len(written.Markers) != 1 || len(written.Markers[0].Topics) != 1 || len(written.Markers[0].Topics[0].Partitions) != 1 {
		t.Fatalf("alice's WriteTxnMarkers = %+v", written.Markers)
	}
	wantCode(t, "WriteTxnMarkers from a client", written.Markers[0].Topics[0].Partitions[0].ErrorCode, kerr.ClusterAuthorizationFailed)
}
