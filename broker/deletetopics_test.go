package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func deleteByID(ids ...[16]byte) *kmsg.DeleteTopicsRequest {
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = 10000
	for _, id := range ids {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.TopicID = id
		req.Topics = append(req.Topics, t)
	}
	return req
}

func deleteByName(names ...string) *kmsg.DeleteTopicsRequest {
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = 10000
	for _, n := range names {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = strp(n)
		req.Topics = append(req.Topics, t)
		req.TopicNames = append(req.TopicNames, n)
	}
	return req
}

func TestDeleteTopicsByNameAndByID(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2),
		broker.Topic("by-name", 2, 2, nil), broker.Topic("by-id", 1, 2, nil), broker.Topic("kept", 1, 1, nil))
	ids := map[string][16]byte{}
	for _, ti := range c.Topics() {
		ids[ti.Name] = ti.ID
	}
	adm := apiAdmin(t, c)
	resp, err := adm.DeleteTopics(apiCtx(t), "by-name")
	if err != nil || resp["by-name"].Err != nil {
		t.Fatalf("deleting by name: %v %v", err, resp["by-name"].Err)
	}
	if resp["by-name"].ID != ids["by-name"] {
		t.Fatalf("answer by name carries id %v, want %v", resp["by-name"].ID, ids["by-name"])
	}

	cl := pinnedClient(t, c, 20, 6)
	dresp := send[*kmsg.DeleteTopicsResponse](t, cl, deleteByID(ids["by-id"]))
	st := dresp.Topics[0]
	wantCode(t, "delete by id", st.ErrorCode, nil)
	if st.Topic == nil || *st.Topic != "by-id" || st.TopicID != ids["by-id"] {
		t.Fatalf("answer by id: name %v id %v", st.Topic, st.TopicID)
	}

	names := topicNames(c)
	if len(names) != 1 || names["kept"].Name != "kept" {
		t.Fatalf("topics left: %v", names)
	}
	for _, b := range c.Brokers() {
		for _, gone := range []string{"by-name", "by-id"} {
			if _, err := c.Partition(gone, 0); err == nil {
				t.Fatalf("broker %d still has %s", b.ID(), gone)
			}
		}
	}
}

func TestDeleteTopicsErrors(t *testing.T) {
	c := startAPICluster(t, broker.Topic("present", 1, 1, nil), broker.Topic("twice", 1, 1, nil))
	if err := broker.CreateInternalTopicForTest(c, "__consumer_offsets", 1); err != nil {
		t.Fatal(err)
	}
	presentID := topicNames(c)["present"].ID

	cl := pinnedClient(t, c, 20, 6)
	unknownID := [16]byte{9, 9, 9}
	req := deleteByName("missing", "twice", "twice", "__consumer_offsets", "present")
	req.TopicNames = nil
	req.Topics = append(req.Topics, deleteByID(unknownID, presentID).Topics...)
	resp := send[*kmsg.DeleteTopicsResponse](t, cl, req)

	// Answers are keyed by name, or by id when they carry no name.
	got := map[string][]int16{}
	for _, st := range resp.Topics {
		k := broker.TopicID(st.TopicID).String()
		if st.Topic != nil {
			k = *st.Topic
		}
		got[k] = append(got[k], st.ErrorCode)
		if st.ErrorCode != 0 && (st.ErrorMessage == nil || *st.ErrorMessage == "") {
			t.Errorf("%s: error without a message", k)
		}
	}
	want := map[string]*kerr.Error{
		"missing":                          kerr.UnknownTopicOrPartition,
		"twice":                            kerr.InvalidRequest, // answered once
		"__consumer_offsets":               kerr.InvalidTopicException,
		broker.TopicID(unknownID).String(): kerr.UnknownTopicID,
		"present":                          kerr.InvalidRequest, // named and id'd: neither deletes it
	}
	for k, w := range want {
		if codes := got[k]; len(codes) != 1 || codes[0] != w.Code {
			t.Errorf("%s: codes %v, want one %v", k, codes, w)
		}
	}
	if len(resp.Topics) != len(want) {
		t.Errorf("%d answers, want %d: %v", len(resp.Topics), len(want), got)
	}
	if n := len(c.Topics()); n != 3 {
		t.Fatalf("%d topics left, want all 3", n)
	}
}

func TestDeleteTopicsDisabled(t *testing.T) {
	c := startAPICluster(t, broker.Config("delete.topic.enable", "false"), broker.Topic("stays", 1, 1, nil))
	for _, v := range []int16{2, 6} {
		cl := pinnedClient(t, c, 20, v)
		resp := send[*kmsg.DeleteTopicsResponse](t, cl, deleteByName("stays"))
		want := kerr.TopicDeletionDisabled
		if v < 3 {
			want = kerr.InvalidRequest
		}
		wantCode(t, "delete.topic.enable=false", resp.Topics[0].ErrorCode, want)
	}
	if len(c.Topics()) != 1 {
		t.Fatal("topic deleted although deletion is disabled")
	}
}

// A topic re-created under a deleted one's name is a new topic: a new id
// and an empty log, whatever the old one held.
func TestDeleteTopicsRecreatedTopicStartsEmpty(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	old := createTopic(t, adm, "reborn", 1, 1, nil)
	cl := apiClient(t, c, manualPartitioner())
	produceValues(t, cl, "reborn", 0, "a", "b", "c")

	if _, err := adm.DeleteTopics(apiCtx(t), "reborn"); err != nil {
		t.Fatal(err)
	}
	fresh := createTopic(t, adm, "reborn", 1, 1, nil)
	if fresh.ID == old.ID {
		t.Fatalf("re-created topic kept id %v", old.ID)
	}
	p, err := c.Partition("reborn", 0)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := p.LeaderReplica()
	if r.LogStartOffset != 0 || r.LogEndOffset != 0 || r.HighWatermark != 0 {
		t.Fatalf("re-created log: %+v", r)
	}

	// A new record starts at offset 0 again.
	recs := produceValues(t, cl, "reborn", 0, "new")
	if recs[0].Offset != 0 {
		t.Fatalf("first record of the new topic at offset %d", recs[0].Offset)
	}
	cons := apiClient(t, c, kgo.ConsumeTopics("reborn"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fs := cons.PollFetches(apiCtx(t))
	if fs.NumRecords() != 1 || string(fs.Records()[0].Value) != "new" {
		t.Fatalf("consumed %d records (%v)", fs.NumRecords(), fs.Errors())
	}
}
