package kafkaref

import (
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// The transaction coordinator's error codes, for the same wrong-order
// and malformed requests sent to Kafka and to gregor at transaction
// version 1 (EndTxn v4, AddPartitionsToTxn v3: what a client that has not
// opted into KIP-890 part 2 sends).
func TestTransactionCodesAsKafka(t *testing.T) {
	k := needKafka(t)
	g := gregor.Start(t)
	ctx := t.Context()
	v := kversion.Stable()
	v.SetMaxKeyVersion(kmsg.EndTxn.Int16(), 4)
	v.SetMaxKeyVersion(kmsg.AddPartitionsToTxn.Int16(), 3)
	v.SetMaxKeyVersion(kmsg.Produce.Int16(), 10)
	v.SetMaxKeyVersion(kmsg.TxnOffsetCommit.Int16(), 4)
	run := func(addr string) []string {
		cl, topic := codesClient(t, ctx, addr, v, "txn-codes-")
		defer cl.Close()
		id := topic + "-id"
		var out codeLog
		init := kmsg.NewPtrInitProducerIDRequest()
		init.TransactionalID, init.TransactionTimeoutMillis = kmsg.StringPtr(id), 1<<30
		r, err := init.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		out.add("init-huge-timeout", r.ErrorCode)
		init.TransactionTimeoutMillis = 60000
		r = initUntilLoaded(t, ctx, cl, init)
		out.add("init", r.ErrorCode)
		pid, epoch := r.ProducerID, r.ProducerEpoch
		end := kmsg.NewPtrEndTxnRequest()
		end.TransactionalID, end.ProducerID, end.ProducerEpoch, end.Commit = id, pid, epoch, true
		er, _ := end.RequestWith(ctx, cl)
		out.add("endtxn-no-txn", er.ErrorCode)
		add := func(pid int64, epoch int16, part int32) int16 {
			req := kmsg.NewPtrAddPartitionsToTxnRequest()
			req.TransactionalID, req.ProducerID, req.ProducerEpoch = id, pid, epoch
			rt := kmsg.NewAddPartitionsToTxnRequestTopic()
			rt.Topic, rt.Partitions = topic, []int32{part}
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			return resp.Topics[0].Partitions[0].ErrorCode
		}
		out.add("add-future-epoch", add(pid, epoch+1, 0))
		out.add("add-wrong-pid", add(pid+1000, epoch, 0))
		prod := func(part int32) int16 {
			resp, err := txnProduceRequest(id, topic, part, pid, epoch, 0).RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			return resp.Topics[0].Partitions[0].ErrorCode
		}
		out.add("produce-not-added", prod(1))
		out.add("add", add(pid, epoch, 0))
		out.add("produce-added", prod(0))
		tr, err := txnOffsetCommitRequest(id, topic, pid, epoch).RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		out.add("txnoffsetcommit-not-added", tr.Topics[0].Partitions[0].ErrorCode)
		end.Commit = false
		er, _ = end.RequestWith(ctx, cl)
		out.add("abort", er.ErrorCode)
		return out
	}
	sameCodes(t, run(k.Addr), run(g.Addrs()[0]))
}
