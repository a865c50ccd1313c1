package broker_test

import (
	"slices"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const describeQuorumKey = 55

func describeQuorum(topic string, partition int32) *kmsg.DescribeQuorumRequest {
	req := kmsg.NewPtrDescribeQuorumRequest()
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = topic
	p := kmsg.NewDescribeQuorumRequestTopicPartition()
	p.Partition = partition
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	return req
}

func replicaIDs(states []kmsg.DescribeQuorumResponseTopicPartitionReplicaState) []int32 {
	var ids []int32
	for _, s := range states {
		ids = append(ids, s.ReplicaID)
	}
	return ids
}

// The metadata quorum of a three-broker cluster is described as a single
// combined controller's: broker 1 leads alone in epoch 1, the other
// running brokers observe, and the high watermark moves with each
// metadata change. Every broker answers the same, as Kafka brokers
// forward the request to the controller.
func TestDescribeQuorumSingleVoter(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.DataDir(t.TempDir()))
	for _, v := range []int16{0, 1, 2} {
		cl := pinnedClient(t, c, describeQuorumKey, v)
		for id := int32(1); id <= 3; id++ {
			resp := sendTo[*kmsg.DescribeQuorumResponse](t, cl, id, describeQuorum("__cluster_metadata", 0))
			wantCode(t, "describe quorum", resp.ErrorCode, nil)
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
				t.Fatalf("v%d from broker %d: %+v, want __cluster_metadata-0", v, id, resp.Topics)
			}
			p := resp.Topics[0].Partitions[0]
			wantCode(t, "__cluster_metadata-0", p.ErrorCode, nil)
			if p.LeaderID != 1 || p.LeaderEpoch != 1 || p.HighWatermark <= 0 {
				t.Fatalf("v%d: leader %d epoch %d high watermark %d, want broker 1 in epoch 1 and a positive high watermark", v, p.LeaderID, p.LeaderEpoch, p.HighWatermark)
			}
			if got := replicaIDs(p.CurrentVoters); !slices.Equal(got, []int32{1}) {
				t.Fatalf("v%d: voters %v, want [1]", v, got)
			}
			if got := replicaIDs(p.Observers); !slices.Equal(got, []int32{2, 3}) {
				t.Fatalf("v%d: observers %v, want [2 3]", v, got)
			}
			for _, s := range append(p.CurrentVoters, p.Observers...) {
				// The fetch times are v1+.
				if s.LogEndOffset != p.HighWatermark || v >= 1 && (s.LastFetchTimestamp <= 0 || s.LastCaughtUpTimestamp != s.LastFetchTimestamp) {
					t.Fatalf("v%d replica %d: %+v, want caught up at the high watermark %d", v, s.ReplicaID, s, p.HighWatermark)
				}
			}
			if v >= 2 {
				if p.CurrentVoters[0].ReplicaDirectoryID == [16]byte{} {
					t.Fatal("the voter has no directory id; its meta.properties has one")
				}
				if len(resp.Nodes) != 1 || resp.Nodes[0].NodeID != 1 || len(resp.Nodes[0].Listeners) != 1 || resp.Nodes[0].Listeners[0].Port == 0 {
					t.Fatalf("v2 nodes %+v, want broker 1 and its listener", resp.Nodes)
				}
			} else if resp.Nodes != nil {
				t.Fatalf("v%d carries v2's nodes", v)
			}
		}
	}

	// A metadata change (a new topic) moves the high watermark; a stopped
	// broker no longer observes.
	cl := pinnedClient(t, c, describeQuorumKey, 2)
	before := sendTo[*kmsg.DescribeQuorumResponse](t, cl, 1, describeQuorum("__cluster_metadata", 0)).Topics[0].Partitions[0].HighWatermark
	createTopic(t, apiAdmin(t, c), "quorum-moves", 1, 3, nil)
	if err := c.StopBroker(3); err != nil {
		t.Fatal(err)
	}
	p := sendTo[*kmsg.DescribeQuorumResponse](t, cl, 1, describeQuorum("__cluster_metadata", 0)).Topics[0].Partitions[0]
	if p.HighWatermark <= before {
		t.Errorf("high watermark %d after a topic was created and a broker stopped, was %d", p.HighWatermark, before)
	}
	if got := replicaIDs(p.Observers); !slices.Equal(got, []int32{2}) {
		t.Errorf("observers %v with broker 3 stopped, want [2]", got)
	}
}

// Only __cluster_metadata-0 is a quorum; any other partition is unknown,
// and a request naming none is answered with none.
func TestDescribeQuorumOtherPartitions(t *testing.T) {
	c := startAPICluster(t)
	cl := pinnedClient(t, c, describeQuorumKey, 2)
	for _, tp := range []struct {
		topic     string
		partition int32
	}{{"__cluster_metadata", 1}, {"orders", 0}} {
		resp := send[*kmsg.DescribeQuorumResponse](t, cl, describeQuorum(tp.topic, tp.partition))
		wantCode(t, "describe quorum", resp.ErrorCode, nil)
		if len(resp.Topics) != 1 || resp.Topics[0].Topic != tp.topic || len(resp.Topics[0].Partitions) != 1 {
			t.Fatalf("%s-%d: %+v", tp.topic, tp.partition, resp.Topics)
		}
		wantCode(t, tp.topic, resp.Topics[0].Partitions[0].ErrorCode, kerr.UnknownTopicOrPartition)
		if resp.Nodes != nil {
			t.Errorf("%s-%d: nodes %+v for no quorum described", tp.topic, tp.partition, resp.Nodes)
		}
	}
	if resp := send[*kmsg.DescribeQuorumResponse](t, cl, kmsg.NewPtrDescribeQuorumRequest()); resp.ErrorCode != 0 || len(resp.Topics) != 0 {
		t.Errorf("an empty request: %+v, want an empty answer", resp)
	}
}

// DescribeQuorum needs DESCRIBE on the cluster, as Kafka's controller
// checks it; a denied request gets the error at the top level.
func TestDescribeQuorumNeedsClusterDescribe(t *testing.T) {
	c := startACLCluster(t)
	resp := send[*kmsg.DescribeQuorumResponse](t, as(t, c, "alice"), describeQuorum("__cluster_metadata", 0))
	wantCode(t, "DescribeQuorum by alice", resp.ErrorCode, kerr.ClusterAuthorizationFailed)
	if len(resp.Topics) != 0 {
		t.Errorf("a denied request described %+v", resp.Topics)
	}
	ok := send[*kmsg.DescribeQuorumResponse](t, as(t, c, "admin"), describeQuorum("__cluster_metadata", 0))
	wantCode(t, "DescribeQuorum by the super user", ok.ErrorCode, nil)
}
