package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// An error fault filtered to one topic (or to some of its partitions)
// answers the error there only: the same request's other topics and
// partitions are written and answered as usual, as a broker that leads
// some of a request's partitions and not others answers.
func TestFaultErrorOnlyOnTheMatchedTopic(t *testing.T) {
	t.Parallel()
	c := startAPICluster(t, broker.Topic("a", 2, 1, nil), broker.Topic("b", 1, 1, nil))
	const id = "topic-filter"
	cl := apiClient(t, c, kgo.ClientID(id))

	produce := func(f broker.Fault) map[string]map[int32]int16 {
		t.Helper()
		f.API, f.ClientID, f.Error = kmsg.Produce, id, kerr.NotLeaderForPartition
		defer c.InjectFault(f)()
		req := kmsg.NewPtrProduceRequest()
		req.Acks, req.TimeoutMillis = -1, 5000
		for _, tp := range []struct {
			topic string
			p     int32
		}{{"a", 0}, {"a", 1}, {"b", 0}} {
			batch, err := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: 1, Value: []byte(tp.topic)}})
			if err != nil {
				t.Fatal(err)
			}
			rt := kmsg.NewProduceRequestTopic()
			rt.Topic = tp.topic
			if n := len(req.Topics); n > 0 && req.Topics[n-1].Topic == tp.topic {
				rt = req.Topics[n-1]
				req.Topics = req.Topics[:n-1]
			}
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition, rp.Records = tp.p, batch
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
		}
		req.SetVersion(9)
		resp, err := req.RequestWith(apiCtx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]map[int32]int16{}
		for _, rt := range resp.Topics {
			for _, rp := range rt.Partitions {
				if codes[rt.Topic] == nil {
					codes[rt.Topic] = map[int32]int16{}
				}
				if _, dup := codes[rt.Topic][rp.Partition]; dup {
					t.Errorf("%s-%d answered twice", rt.Topic, rp.Partition)
				}
				codes[rt.Topic][rp.Partition] = rp.ErrorCode
			}
		}
		return codes
	}
	nl := kerr.NotLeaderForPartition.Code

	got := produce(broker.Fault{Topic: "a"})
	if got["a"][0] != nl || got["a"][1] != nl || got["b"][0] != 0 || len(got["b"]) != 1 {
		t.Errorf("fault on topic a: codes %v, want a's partitions %d and b's 0", got, nl)
	}
	if v := storedValues(t, c, "b"); len(v) != 1 {
		t.Errorf("b holds %v, want the one record", v)
	}
	if recs, _ := c.Records("a", 0, 1, 0, 10); len(recs) != 0 {
		t.Errorf("a-0 holds %d records after an injected error, want none", len(recs))
	}

	got = produce(broker.Fault{Topic: "a", Partitions: []int32{1}})
	if got["a"][0] != 0 || got["a"][1] != nl || got["b"][0] != 0 {
		t.Errorf("fault on a-1: codes %v, want only a-1 answered %d", got, nl)
	}
	if recs, _ := c.Records("a", 1, 1, 0, 10); len(recs) != 0 {
		t.Errorf("a-1 holds %d records after an injected error, want none", len(recs))
	}
	if v := storedValues(t, c, "a"); len(v) != 1 {
		t.Errorf("a-0 holds %v, want the one record of the second produce", v)
	}
}
