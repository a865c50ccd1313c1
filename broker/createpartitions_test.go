package broker_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The homework: a topic's partition count can grow, and the new
// partitions take writes at once.
func TestCreatePartitionsGrowsTopic(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("orders", 1, 2, nil))
	adm := apiAdmin(t, c)
	resp, err := adm.UpdatePartitions(apiCtx(t), 4, "orders")
	if err != nil || resp["orders"].Err != nil {
		t.Fatalf("growing to 4: %v %v", err, resp["orders"].Err)
	}
	parts, err := c.Partitions("orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 4 {
		t.Fatalf("%d partitions, want 4", len(parts))
	}
	for _, p := range parts {
		if len(p.Replicas) != 2 || p.Leader != p.Replicas[0] {
			t.Fatalf("partition %d: replicas %v leader %d (replication factor 2 kept)", p.Partition, p.Replicas, p.Leader)
		}
	}

	cl := apiClient(t, c, manualPartitioner())
	for p := int32(0); p < 4; p++ {
		recs := produceValues(t, cl, "orders", p, "v")
		if recs[0].Offset != 0 {
			t.Fatalf("partition %d: first offset %d", p, recs[0].Offset)
		}
	}
	cons := apiClient(t, c, kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := map[int32]bool{}
	for len(seen) < 4 {
		fs := cons.PollFetches(apiCtx(t))
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { seen[r.Partition] = true })
	}
}

// Partitions are never removed: a count at or below the current one is
// INVALID_PARTITIONS with a message that says why.
func TestCreatePartitionsNeverShrinks(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 3, 1, nil))
	adm := apiAdmin(t, c)
	for _, tc := range []struct {
		count   int
		message string
	}{
		{2, "would not be an increase"},
		{3, "already has 3 partition(s)"},
	} {
		resp, err := adm.UpdatePartitions(apiCtx(t), tc.count, "orders")
		if err != nil {
			t.Fatal(err)
		}
		r := resp["orders"]
		if !errors.Is(r.Err, kerr.InvalidPartitions) {
			t.Fatalf("count %d: %v, want INVALID_PARTITIONS", tc.count, r.Err)
		}
		if !strings.Contains(r.ErrMessage, tc.message) {
			t.Fatalf("count %d: message %q does not say %q", tc.count, r.ErrMessage, tc.message)
		}
	}
	if parts, _ := c.Partitions("orders"); len(parts) != 3 {
		t.Fatalf("%d partitions after refused changes", len(parts))
	}
}

func TestCreatePartitionsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("orders", 1, 2, nil))
	cl := apiClient(t, c)
	topic := func(name string, count int32, assignment ...[]int32) kmsg.CreatePartitionsRequestTopic {
		rt := kmsg.NewCreatePartitionsRequestTopic()
		rt.Topic, rt.Count = name, count
		for _, a := range assignment {
			pa := kmsg.NewCreatePartitionsRequestTopicAssignment()
			pa.Replicas = a
			rt.Assignment = append(rt.Assignment, pa)
		}
		return rt
	}
	cases := []struct {
		what  string
		topic kmsg.CreatePartitionsRequestTopic
		want  *kerr.Error
	}{
		{"unknown topic", topic("missing", 2), kerr.UnknownTopicOrPartition},
		{"too few assignments", topic("orders", 3, []int32{1, 2}), kerr.InvalidReplicaAssignment},
		{"wrong replica count", topic("orders", 2, []int32{1}), kerr.InvalidReplicaAssignment},
		{"unknown broker", topic("orders", 2, []int32{1, 7}), kerr.InvalidReplicaAssignment},
		{"repeated broker", topic("orders", 2, []int32{2, 2}), kerr.InvalidReplicaAssignment},
	}
	for _, tc := range cases {
		req := kmsg.NewPtrCreatePartitionsRequest()
		req.Topics = []kmsg.CreatePartitionsRequestTopic{tc.topic}
		resp := send[*kmsg.CreatePartitionsResponse](t, cl, req)
		wantCode(t, tc.what, resp.Topics[0].ErrorCode, tc.want)
	}

	// validate_only changes nothing.
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.ValidateOnly = true
	req.Topics = []kmsg.CreatePartitionsRequestTopic{topic("orders", 5)}
	resp := send[*kmsg.CreatePartitionsResponse](t, cl, req)
	wantCode(t, "validate only", resp.Topics[0].ErrorCode, nil)

	// A topic named twice is answered once and not changed.
	req = kmsg.NewPtrCreatePartitionsRequest()
	req.Topics = []kmsg.CreatePartitionsRequestTopic{topic("orders", 2), topic("orders", 3)}
	resp = send[*kmsg.CreatePartitionsResponse](t, cl, req)
	if len(resp.Topics) != 1 {
		t.Fatalf("duplicate answered %d times", len(resp.Topics))
	}
	wantCode(t, "duplicate", resp.Topics[0].ErrorCode, kerr.InvalidRequest)

	if parts, _ := c.Partitions("orders"); len(parts) != 1 {
		t.Fatalf("%d partitions, want 1", len(parts))
	}

	// An explicit assignment places the new partition.
	req = kmsg.NewPtrCreatePartitionsRequest()
	req.Topics = []kmsg.CreatePartitionsRequestTopic{topic("orders", 2, []int32{2, 1})}
	resp = send[*kmsg.CreatePartitionsResponse](t, cl, req)
	wantCode(t, "assigned", resp.Topics[0].ErrorCode, nil)
	if p, err := c.Partition("orders", 1); err != nil || p.Leader != 2 {
		t.Fatalf("new partition: %+v %v", p, err)
	}
}
