package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// plainOffsetCommit commits t-0 at offset for groupID outside any
// transaction (a simple group: no member, generation -1).
func plainOffsetCommit(t *testing.T, cl *kgo.Client, to int32, groupID string, offset int64) {
	t.Helper()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation = groupID, -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = "t"
	rp := kmsg.NewOffsetCommitRequestTopicPartition()
	rp.Partition, rp.Offset = 0, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := sendToLive[*kmsg.OffsetCommitResponse](t, cl, to, req)
	wantCode(t, "OffsetCommit", resp.Topics[0].Partitions[0].ErrorCode, nil)
}

// A COMMIT marker applies a pending transactional offset only over an
// older commit: a plain OffsetCommit of the same partition written while
// the transaction was open is the most recent record and stays, as
// Kafka's OffsetMetadataManager keeps the commit with the larger record
// offset; the same after a restart replays __consumer_offsets. A plain
// commit written before the transactional one is replaced by it.
func TestTxnOffsetCommitKeepsLaterPlainCommit(t *testing.T) {
	dir := t.TempDir()
	opts := []broker.Option{noTxnVerification, broker.DataDir(dir), broker.Topic("t", 1, 1, nil), broker.Config("offsets.topic.num.partitions", "1")}
	c := startAPICluster(t, opts...)
	cl := replClient(t, c, txnV1Requests())
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKeys = []string{"g"}
	wantCode(t, "FindCoordinator", sendToLive[*kmsg.FindCoordinatorResponse](t, cl, 1, fc).Coordinators[0].ErrorCode, nil)
	pid := initProducerID(t, cl, 1, nil).ProducerID

	wantCode(t, "TxnOffsetCommit", txnOffsetCommit(t, cl, 1, pid, "g", 5), nil)
	plainOffsetCommit(t, cl, 1, "g", 7)
	offsetsMarker(t, cl, 1, pid, true)
	if off, code := fetchCommitted(t, cl, 1, "g", true); off != 7 || code != 0 {
		t.Fatalf("after COMMIT: offset %d code %d, want the later plain commit's 7", off, code)
	}
	mustDo(t, c.Close())

	c = startAPICluster(t, opts...)
	cl = replClient(t, c, txnV1Requests())
	ctx := apiCtx(t)
	for {
		off, code := fetchCommitted(t, cl, 1, "g", true)
		if code == 0 {
			if off != 7 {
				t.Fatalf("after the restart: offset %d, want 7", off)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("after the restart: code %d", code)
		}
	}
	plainOffsetCommit(t, cl, 1, "g", 8)
	wantCode(t, "TxnOffsetCommit", txnOffsetCommit(t, cl, 1, pid, "g", 10), nil)
	offsetsMarker(t, cl, 1, pid, true)
	if off, code := fetchCommitted(t, cl, 1, "g", true); off != 10 || code != 0 {
		t.Fatalf("after the second COMMIT: offset %d code %d, want the transactional 10", off, code)
	}
}
