package kafkaref

import (
	"time"

	"fmt"
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// Transaction version 2's codes and epochs (KIP-890 part 2), sent to
// Kafka and to gregor, both finalized at transaction.version 2: Produce
// v12 with no AddPartitionsToTxn, EndTxn v5 and the epoch it answers,
// the retry and the stale and future epochs, an abort with no
// transaction open, TxnOffsetCommit v5 with no AddOffsetsToTxn.
func TestTransactionVersion2CodesAsKafka(t *testing.T) {
	k := needKafka(t)
	g := gregor.Start(t)
	ctx := t.Context()
	v := kversion.Stable()
	v.SetMaxKeyVersion(kmsg.Produce.Int16(), 12)
	v.SetMaxKeyVersion(kmsg.EndTxn.Int16(), 5)
	v.SetMaxKeyVersion(kmsg.TxnOffsetCommit.Int16(), 5)
	run := func(addr string) []string {
		cl, topic := codesClient(t, ctx, addr, v, "txn-v2-codes-")
		defer cl.Close()
		id := topic + "-id"
		var out codeLog
		init := kmsg.NewPtrInitProducerIDRequest()
		init.TransactionalID, init.TransactionTimeoutMillis = kmsg.StringPtr(id), 60000
		r := initUntilLoaded(t, ctx, cl, init)
		out.add("init", r.ErrorCode)
		pid, epoch0 := r.ProducerID, r.ProducerEpoch
		prod := func(what string, epoch int16, part int32, seq int32) {
			req := txnProduceRequest(id, topic, part, pid, epoch, seq)
			for {
				resp, err := req.RequestWith(ctx, cl)
				if err != nil {
					t.Fatal(err)
				}
				c := resp.Topics[0].Partitions[0].ErrorCode
				if c == kerr.NotEnoughReplicas.Code || c == kerr.ConcurrentTransactions.Code {
					continue // the last transaction is still completing
				}
				out.add(what, c)
				return
			}
		}
		end := func(what string, epoch int16, commit bool) {
			req := kmsg.NewPtrEndTxnRequest()
			req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = id, pid, epoch, commit
			for {
				er, err := req.RequestWith(ctx, cl)
				if err != nil {
					t.Fatal(err)
				}
				if er.ErrorCode == kerr.ConcurrentTransactions.Code {
					continue
				}
				out.add(what, er.ErrorCode)
				if er.ErrorCode == 0 {
					out = append(out, fmt.Sprintf("%s-answer=pid%+d,epoch%+d", what, er.ProducerID-pid, er.ProducerEpoch-epoch0))
				}
				return
			}
		}
		prod("produce-v12-not-added", epoch0, 0, 0)
		prod("produce-v12-second-partition", epoch0, 1, 0)
		end("commit", epoch0, true)
		// Kafka writes the markers after it answers EndTxn: until they
		// land, a batch at the old epoch still joins the committing
		// transaction. Once it is complete, the old epoch is stale.
		// Real time: Kafka is another process, on its own clock.
		deadline := time.Now().Add(30 * time.Second)
		for {
			dt := kmsg.NewPtrDescribeTransactionsRequest()
			dt.TransactionalIDs = []string{id}
			dr, err := dt.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			if len(dr.TransactionStates) == 1 && dr.TransactionStates[0].State == "CompleteCommit" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the commit is not complete 30 s after EndTxn: %+v", addr, dr.TransactionStates)
			}
		}
		prod("produce-stale-epoch", epoch0, 0, 1)
		end("commit-retry", epoch0, true)
		end("abort-at-stale-epoch", epoch0, false)
		end("commit-future-epoch", epoch0+5, true)
		end("commit-nothing-open", epoch0+1, true)
		end("abort-nothing-open", epoch0+1, false)
		prod("produce-new-epoch", epoch0+2, 0, 0)
		toc := txnOffsetCommitRequest(id, topic, pid, epoch0+2)
		fc := kmsg.NewPtrFindCoordinatorRequest()
		fc.CoordinatorKey = id + "-g"
		for {
			fr, err := fc.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			if fr.ErrorCode != 15 && fr.ErrorCode != 14 {
				break
			}
		}
		for {
			tr, err := toc.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			if c := tr.Topics[0].Partitions[0].ErrorCode; c != kerr.CoordinatorLoadInProgress.Code && c != kerr.CoordinatorNotAvailable.Code &&
				c != kerr.NotCoordinator.Code {
				out.add("txnoffsetcommit-v5-not-added", c)
				break
			}
		}
		end("abort", epoch0+2, false)
		return out
	}
	sameCodes(t, run(k.Addr), run(g.Addrs()[0]))
}
