package kafkaref

import (
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
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
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.MaxVersions(v))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		topic := "txn-codes-" + time.Now().Format("150405.000000")
		if _, err := kadm.NewClient(cl).CreateTopic(ctx, 2, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
		id := topic + "-id"
		var out []string
		code := func(what string, c int16) {
			name := "NONE"
			if err := kerr.ErrorForCode(c); err != nil {
				name = err.Error()
			}
			out = append(out, what+"="+name)
		}
		init := kmsg.NewPtrInitProducerIDRequest()
		init.TransactionalID, init.TransactionTimeoutMillis = kmsg.StringPtr(id), 1<<30
		r, err := init.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		code("init-huge-timeout", r.ErrorCode)
		init.TransactionTimeoutMillis = 60000
		for {
			if r, err = init.RequestWith(ctx, cl); err != nil {
				t.Fatal(err)
			}
			if r.ErrorCode != 15 && r.ErrorCode != 14 { // coordinator not available / loading
				break
			}
		}
		code("init", r.ErrorCode)
		pid, epoch := r.ProducerID, r.ProducerEpoch
		end := kmsg.NewPtrEndTxnRequest()
		end.TransactionalID, end.ProducerID, end.ProducerEpoch, end.Commit = id, pid, epoch, true
		er, _ := end.RequestWith(ctx, cl)
		code("endtxn-no-txn", er.ErrorCode)
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
		code("add-future-epoch", add(pid, epoch+1, 0))
		code("add-wrong-pid", add(pid+1000, epoch, 0))
		prod := func(part int32) int16 {
			b, _ := record.Build(record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: pid, ProducerEpoch: epoch},
				[]record.Record{{Timestamp: time.Now().UnixMilli(), Value: []byte("v")}})
			req := kmsg.NewPtrProduceRequest()
			req.TransactionID, req.Acks, req.TimeoutMillis = kmsg.StringPtr(id), -1, 5000
			rt := kmsg.NewProduceRequestTopic()
			rt.Topic = topic
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition, rp.Records = part, b
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			return resp.Topics[0].Partitions[0].ErrorCode
		}
		code("produce-not-added", prod(1))
		code("add", add(pid, epoch, 0))
		code("produce-added", prod(0))
		toc := kmsg.NewPtrTxnOffsetCommitRequest()
		toc.TransactionalID, toc.Group, toc.ProducerID, toc.ProducerEpoch, toc.Generation = id, id+"-g", pid, epoch, -1
		tt := kmsg.NewTxnOffsetCommitRequestTopic()
		tt.Topic = topic
		tp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		tp.Partition, tp.Offset = 0, 1
		tt.Partitions = append(tt.Partitions, tp)
		toc.Topics = append(toc.Topics, tt)
		tr, err := toc.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		code("txnoffsetcommit-not-added", tr.Topics[0].Partitions[0].ErrorCode)
		end.Commit = false
		er, _ = end.RequestWith(ctx, cl)
		code("abort", er.ErrorCode)
		return out
	}
	kc, gc := run(k.Addr), run(g.Addrs()[0])
	if len(kc) != len(gc) {
		t.Fatalf("kafka %v\ngregor %v", kc, gc)
	}
	for i := range kc {
		if kc[i] != gc[i] {
			t.Errorf("kafka %s, gregor %s", kc[i], gc[i])
		}
	}
	t.Logf("kafka:  %v", kc)
}
