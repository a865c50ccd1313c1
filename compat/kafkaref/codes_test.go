package kafkaref

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// The transaction-code comparisons send the same requests to Kafka and
// to gregor and compare the codes each answered, in order.

// codesClient is a client of addr pinned to v, and a fresh topic of two
// partitions named from prefix, so that a side's run starts clean.
func codesClient(t *testing.T, ctx context.Context, addr string, v *kversion.Versions, prefix string) (*kgo.Client, string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.MaxVersions(v))
	if err != nil {
		t.Fatal(err)
	}
	topic := prefix + time.Now().Format("150405.000000")
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 2, 1, nil, topic); err != nil {
		cl.Close()
		t.Fatal(err)
	}
	waitServing(t, ctx, cl, topic, 2)
	return cl, topic
}

// waitServing waits until every partition of a new topic answers ListOffsets
// without an error: Kafka answers CreateTopics before its broker has
// made itself the new partitions' leader, and a Produce sent at once may
// get NOT_LEADER_OR_FOLLOWER. Metadata naming a leader (waitLed) is not
// enough: Kafka's metadata cache can name it before its replica manager
// has become that leader.
func waitServing(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, partitions int32) {
	t.Helper()
	// Real time: Kafka is another process, on its own clock.
	deadline := time.Now().Add(30 * time.Second)
	for {
		req := kmsg.NewPtrListOffsetsRequest()
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for p := range partitions {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp = p, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		led := len(resp.Topics) == 1 && len(resp.Topics[0].Partitions) == int(partitions)
		for _, rp := range resp.Topics[0].Partitions {
			led = led && rp.ErrorCode == 0
		}
		if led {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the partitions of %s are not led 30 s after their creation: %+v", topic, resp.Topics)
		}
	}
}

// codeLog is what one side answered: "step=ERROR_NAME", NONE for 0.
type codeLog []string

func (l *codeLog) add(what string, c int16) {
	name := "NONE"
	if err := kerr.ErrorForCode(c); err != nil {
		name = err.Error()
	}
	*l = append(*l, what+"="+name)
}

// initUntilLoaded sends init until the transaction coordinator is no
// longer loading or unavailable, as a fresh broker's may be.
func initUntilLoaded(t *testing.T, ctx context.Context, cl *kgo.Client, init *kmsg.InitProducerIDRequest) *kmsg.InitProducerIDResponse {
	t.Helper()
	for {
		r, err := init.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if r.ErrorCode != kerr.CoordinatorNotAvailable.Code && r.ErrorCode != kerr.CoordinatorLoadInProgress.Code {
			return r
		}
	}
}

// txnProduceRequest is an acks=all Produce of one transactional batch
// of one record to a partition.
func txnProduceRequest(id, topic string, part int32, pid int64, epoch int16, seq int32) *kmsg.ProduceRequest {
	b, _ := record.Build(record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: pid, ProducerEpoch: epoch, BaseSequence: seq},
		[]record.Record{{Timestamp: time.Now().UnixMilli(), Value: []byte("v")}})
	req := kmsg.NewPtrProduceRequest()
	req.TransactionID, req.Acks, req.TimeoutMillis = kmsg.StringPtr(id), -1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition, rp.Records = part, b
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// txnOffsetCommitRequest commits offset 1 of the topic's partition 0 for
// the group id+"-g" in the producer's transaction.
func txnOffsetCommitRequest(id, topic string, pid int64, epoch int16) *kmsg.TxnOffsetCommitRequest {
	toc := kmsg.NewPtrTxnOffsetCommitRequest()
	toc.TransactionalID, toc.Group, toc.ProducerID, toc.ProducerEpoch, toc.Generation = id, id+"-g", pid, epoch, -1
	tt := kmsg.NewTxnOffsetCommitRequestTopic()
	tt.Topic = topic
	tp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
	tp.Partition, tp.Offset = 0, 1
	tt.Partitions = append(tt.Partitions, tp)
	toc.Topics = append(toc.Topics, tt)
	return toc
}

// sameCodes fails t where gregor's codes are not Kafka's, step by step.
func sameCodes(t *testing.T, kafka, gregor []string) {
	t.Helper()
	if len(kafka) != len(gregor) {
		t.Fatalf("kafka %v\ngregor %v", kafka, gregor)
	}
	for i := range kafka {
		if kafka[i] != gregor[i] {
			t.Errorf("kafka %s, gregor %s", kafka[i], gregor[i])
		}
	}
	t.Logf("kafka:  %v", kafka)
}
