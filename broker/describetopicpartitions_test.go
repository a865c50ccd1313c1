package broker_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func describeTopicPartitions(t testing.TB, c *broker.Cluster, limit int32, cursor *kmsg.DescribeTopicPartitionsRequestCursor, topics ...string) *kmsg.DescribeTopicPartitionsResponse {
	t.Helper()
	req := kmsg.NewPtrDescribeTopicPartitionsRequest()
	req.ResponsePartitionLimit = limit
	req.Cursor = cursor
	for _, name := range topics {
		rt := kmsg.NewDescribeTopicPartitionsRequestTopic()
		rt.Topic = name
		req.Topics = append(req.Topics, rt)
	}
	return sendTo[*kmsg.DescribeTopicPartitionsResponse](t, apiClient(t, c), 1, req)
}

// page renders a response as "topic:partition,partition ... -> cursor".
func page(resp *kmsg.DescribeTopicPartitionsResponse) string {
	var parts []string
	for _, rt := range resp.Topics {
		s := *rt.Topic + ":"
		if rt.ErrorCode != 0 {
			s += kerr.ErrorForCode(rt.ErrorCode).(*kerr.Error).Message
		}
		var ps []string
		for _, rp := range rt.Partitions {
			ps = append(ps, fmt.Sprint(rp.Partition))
		}
		parts = append(parts, s+strings.Join(ps, ","))
	}
	out := strings.Join(parts, " ")
	if resp.NextCursor != nil {
		out += fmt.Sprintf(" -> %s:%d", resp.NextCursor.Topic, resp.NextCursor.Partition)
	}
	return out
}

// kafka-topics.sh --describe (Kafka 3.7+) after a broker stops: the ISR
// without it, the broker listed offline, a partition whose only replica
// it held without a leader (leader -1, no error code).
func TestDescribeTopicPartitionsAfterBrokerStops(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.Topic("d", 2, 3, nil), broker.Topic("solo", 3, 1, nil))
	d0 := partitionInfo(t, c, "d", 0)
	stopped := d0.Replicas[1]
	mustDo(t, c.StopBroker(stopped))
	resp := describeTopicPartitions(t, c, 0, nil, "d", "solo")
	if got := page(resp); got != "d:0 -> d:1" {
		t.Fatalf("a limit of 0 counts as 1: %s", got)
	}
	resp = describeTopicPartitions(t, c, 100, nil, "solo", "d")
	if got := page(resp); got != "d:0,1 solo:0,1,2" {
		t.Fatalf("response %s", got)
	}
	for _, rt := range resp.Topics {
		wantCode(t, *rt.Topic, rt.ErrorCode, nil)
		if rt.TopicID == [16]byte{} || rt.IsInternal {
			t.Errorf("%s: topic id %v internal %v", *rt.Topic, rt.TopicID, rt.IsInternal)
		}
		// No authorizer: every topic operation is allowed, and
		// DescribeTopicPartitions always says so.
		if rt.AuthorizedOperations <= 0 {
			t.Errorf("%s: authorized operations %d", *rt.Topic, rt.AuthorizedOperations)
		}
		for _, rp := range rt.Partitions {
			pi := partitionInfo(t, c, *rt.Topic, rp.Partition)
			what := fmt.Sprintf("%s-%d", *rt.Topic, rp.Partition)
			wantCode(t, what, rp.ErrorCode, nil)
			if rp.LeaderID != pi.Leader || rp.LeaderEpoch != pi.LeaderEpoch || !slices.Equal(rp.Replicas, pi.Replicas) || !slices.Equal(rp.ISR, pi.ISR) {
				t.Errorf("%s: leader %d epoch %d replicas %v isr %v; the cluster says %+v", what, rp.LeaderID, rp.LeaderEpoch, rp.Replicas, rp.ISR, pi)
			}
			wantOffline := []int32{}
			if slices.Contains(pi.Replicas, stopped) {
				wantOffline = []int32{stopped}
			}
			if !slices.Equal(rp.OfflineReplicas, wantOffline) || slices.Contains(rp.ISR, stopped) && len(rp.ISR) > 1 {
				t.Errorf("%s: offline %v isr %v with broker %d stopped", what, rp.OfflineReplicas, rp.ISR, stopped)
			}
			if len(rp.EligibleLeaderReplicas) != 0 || len(rp.LastKnownELR) != 0 {
				t.Errorf("%s: ELR %v last known %v, want none", what, rp.EligibleLeaderReplicas, rp.LastKnownELR)
			}
			if *rt.Topic == "solo" && pi.Replicas[0] == stopped && (rp.LeaderID != -1 || !slices.Equal(rp.ISR, []int32{stopped})) {
				t.Errorf("%s on the stopped broker: leader %d isr %v, want -1 and [%d]", what, rp.LeaderID, rp.ISR, stopped)
			}
		}
	}
}

// Paging follows Kafka's KRaftMetadataCache.getTopicMetadataForDescribeTopicResponse.
func TestDescribeTopicPartitionsPaging(t *testing.T) {
	c := startAPICluster(t, broker.Topic("a", 3, 1, nil), broker.Topic("b", 2, 1, nil), broker.Topic("c", 1, 1, nil))
	cursor := func(topic string, p int32) *kmsg.DescribeTopicPartitionsRequestCursor {
		return &kmsg.DescribeTopicPartitionsRequestCursor{Topic: topic, Partition: p}
	}
	for _, tc := range []struct {
		name   string
		limit  int32
		cursor *kmsg.DescribeTopicPartitionsRequestCursor
		topics []string
		want   string
	}{
		{"first page", 2, nil, nil, "a:0,1 -> a:2"},
		{"second page", 2, cursor("a", 2), nil, "a:2 b:0 -> b:1"},
		{"last page", 2, cursor("b", 1), nil, "b:1 c:0"},
		// A page that ends with a topic points at the next topic,
		// without listing it.
		{"page ending with a topic", 3, nil, nil, "a:0,1,2 -> b:0"},
		{"named topics", 2, nil, []string{"c", "a"}, "a:0,1 -> a:2"},
		{"named topics, second page", 2, cursor("a", 2), []string{"c", "a"}, "a:2 c:0"},
		{"unknown and invalid names", 10, nil, []string{"nope", "b", "bad/name"}, "b:0,1 bad/name:" + kerr.InvalidTopicException.Message + " nope:" + kerr.UnknownTopicOrPartition.Message},
		{"cursor beyond the partitions", 10, cursor("b", 5), []string{"b", "c"}, "b: c:0"},
		{"cursor topic not requested", 10, cursor("b", 0), []string{"a", "c"}, "a:" + kerr.InvalidRequest.Message + " c:" + kerr.InvalidRequest.Message},
		{"negative cursor partition", 10, cursor("a", -1), []string{"a"}, "a:" + kerr.InvalidRequest.Message},
	} {
		if got := page(describeTopicPartitions(t, c, tc.limit, tc.cursor, tc.topics...)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
