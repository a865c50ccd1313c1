package broker_test

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const metadataKey = 3

func metadataTopicNames(resp *kmsg.MetadataResponse) []string {
	var names []string
	for _, t := range resp.Topics {
		if t.Topic != nil {
			names = append(names, *t.Topic)
		}
	}
	slices.Sort(names)
	return names
}

func metadataAt(t *testing.T, c *broker.Cluster, version int16, topics []string, allowAutoCreate bool) *kmsg.MetadataResponse {
	t.Helper()
	cl := pinnedClient(t, c, metadataKey, version)
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = allowAutoCreate
	if topics != nil {
		req.Topics = []kmsg.MetadataRequestTopic{}
		for _, name := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = strp(name)
			req.Topics = append(req.Topics, rt)
		}
	}
	resp := sendTo[*kmsg.MetadataResponse](t, cl, 1, req)
	if resp.GetVersion() != version {
		t.Fatalf("answered at v%d, want v%d", resp.GetVersion(), version)
	}
	return resp
}

// Which topics a request means changed in v1: v0 has no null list, so an
// empty one asks for all topics; from v1 null asks for all and an empty
// list for none.
func TestMetadataTopicSelectionByVersion(t *testing.T) {
	c := startAPICluster(t, broker.Topic("alpha", 1, 1, nil), broker.Topic("beta", 2, 1, nil))
	all := []string{"alpha", "beta"}

	if got := metadataTopicNames(metadataAt(t, c, 0, []string{}, false)); !slices.Equal(got, all) {
		t.Errorf("v0 empty list: %v, want all %v", got, all)
	}
	if got := metadataTopicNames(metadataAt(t, c, 0, []string{"beta"}, false)); !slices.Equal(got, []string{"beta"}) {
		t.Errorf("v0 [beta]: %v", got)
	}
	for _, v := range []int16{1, 4, 9, 12} {
		if got := metadataTopicNames(metadataAt(t, c, v, nil, false)); !slices.Equal(got, all) {
			t.Errorf("v%d null list: %v, want all %v", v, got, all)
		}
		if got := metadataAt(t, c, v, []string{}, false); len(got.Topics) != 0 {
			t.Errorf("v%d empty list: %v, want none", v, metadataTopicNames(got))
		}
	}
}

func TestMetadataAutoCreateTopics(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3),
		broker.Config("num.partitions", "4"), broker.Config("default.replication.factor", "2"))

	// v4+ asks with allow_auto_topic_creation.
	resp := metadataAt(t, c, 12, []string{"created-by-v12"}, true)
	mt := resp.Topics[0]
	wantCode(t, "auto-created topic", mt.ErrorCode, nil)
	if len(mt.Partitions) != 4 {
		t.Fatalf("auto-created topic has %d partitions, want num.partitions=4", len(mt.Partitions))
	}
	for _, p := range mt.Partitions {
		if len(p.Replicas) != 2 || len(p.ISR) != 2 || p.Leader != p.Replicas[0] {
			t.Fatalf("partition %d: replicas %v isr %v leader %d, want default.replication.factor=2", p.Partition, p.Replicas, p.ISR, p.Leader)
		}
	}

	// v4+ without the flag: not created.
	resp = metadataAt(t, c, 12, []string{"not-created"}, false)
	wantCode(t, "allow_auto_topic_creation=false", resp.Topics[0].ErrorCode, kerr.UnknownTopicOrPartition)

	// Before v4 there is no flag and the broker config alone decides.
	resp = metadataAt(t, c, 3, []string{"created-by-v3"}, false)
	wantCode(t, "v3 auto-create", resp.Topics[0].ErrorCode, nil)

	var names []string
	for _, ti := range c.Topics() {
		names = append(names, ti.Name)
	}
	if want := []string{"created-by-v12", "created-by-v3"}; !slices.Equal(names, want) {
		t.Fatalf("topics %v, want %v", names, want)
	}
}

func TestMetadataAutoCreateDisabled(t *testing.T) {
	c := startAPICluster(t, broker.Config("auto.create.topics.enable", "false"))
	for _, v := range []int16{3, 12} {
		resp := metadataAt(t, c, v, []string{"missing"}, true)
		wantCode(t, "auto.create.topics.enable=false", resp.Topics[0].ErrorCode, kerr.UnknownTopicOrPartition)
	}
	if n := len(c.Topics()); n != 0 {
		t.Fatalf("%d topics created", n)
	}
	// Listing all topics never creates anything either.
	if resp := metadataAt(t, c, 12, nil, true); len(resp.Topics) != 0 {
		t.Fatalf("all-topics request listed %v", metadataTopicNames(resp))
	}
}

// An illegal name is INVALID_TOPIC_EXCEPTION, whether or not the broker
// would auto-create it (Kafka validates with Topic.validate).
func TestMetadataInvalidTopicNames(t *testing.T) {
	for _, autoCreate := range []string{"true", "false"} {
		c := startAPICluster(t, broker.Config("auto.create.topics.enable", autoCreate))
		bad := []string{"", ".", "..", "has space", "slash/name", "ünïcode", strings.Repeat("x", 250)}
		resp := metadataAt(t, c, 12, bad, true)
		if len(resp.Topics) != len(bad) {
			t.Fatalf("%d topics answered for %d asked", len(resp.Topics), len(bad))
		}
		for i, mt := range resp.Topics {
			wantCode(t, "topic "+bad[i]+" (auto.create="+autoCreate+")", mt.ErrorCode, kerr.InvalidTopicException)
		}
		if n := len(c.Topics()); n != 0 {
			t.Fatalf("%d topics created from illegal names", n)
		}
	}
}

// KIP-516: topics carry ids from v10, and from v12 a client may ask for a
// topic by id alone.
func TestMetadataTopicIDs(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 2, 1, nil))
	id := c.Topics()[0].ID

	resp := metadataAt(t, c, 10, []string{"orders"}, false)
	if resp.Topics[0].TopicID != id {
		t.Fatalf("v10 topic id %v, want %v", resp.Topics[0].TopicID, id)
	}

	cl := pinnedClient(t, c, metadataKey, 12)
	req := kmsg.NewPtrMetadataRequest()
	byID := kmsg.NewMetadataRequestTopic()
	byID.TopicID = id
	unknown := kmsg.NewMetadataRequestTopic()
	unknown.TopicID = [16]byte{1, 2, 3}
	req.Topics = []kmsg.MetadataRequestTopic{byID, unknown}
	resp = sendTo[*kmsg.MetadataResponse](t, cl, 1, req)
	if len(resp.Topics) != 2 {
		t.Fatalf("%d topics answered", len(resp.Topics))
	}
	for _, mt := range resp.Topics {
		switch mt.TopicID {
		case id:
			wantCode(t, "lookup by id", mt.ErrorCode, nil)
			if mt.Topic == nil || *mt.Topic != "orders" || len(mt.Partitions) != 2 {
				t.Fatalf("lookup by id answered %v with %d partitions", mt.Topic, len(mt.Partitions))
			}
		case unknown.TopicID:
			wantCode(t, "unknown id", mt.ErrorCode, kerr.UnknownTopicID)
			if mt.Topic != nil {
				t.Fatalf("unknown id answered with name %q", *mt.Topic)
			}
		default:
			t.Fatalf("unexpected topic id %v", mt.TopicID)
		}
	}

	// v10 and v11 have the fields but not the lookup: Kafka refuses the
	// request with INVALID_REQUEST for each topic.
	cl = pinnedClient(t, c, metadataKey, 11)
	req = kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{byID}
	resp = sendTo[*kmsg.MetadataResponse](t, cl, 1, req)
	wantCode(t, "v11 lookup by id", resp.Topics[0].ErrorCode, kerr.InvalidRequest)
}

func TestMetadataClusterBrokersAndInternalTopics(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(3), broker.ClusterID("course-cluster"), broker.Topic("plain", 3, 3, nil))
	if err := broker.CreateInternalTopicForTest(c, "__consumer_offsets", 2); err != nil {
		t.Fatal(err)
	}
	resp := metadataAt(t, c, 12, nil, false)
	if resp.ClusterID == nil || *resp.ClusterID != "course-cluster" {
		t.Fatalf("cluster id %v", resp.ClusterID)
	}
	if resp.ControllerID != 1 {
		t.Fatalf("controller id %d, want 1 (the lowest live broker)", resp.ControllerID)
	}
	if len(resp.Brokers) != 3 {
		t.Fatalf("%d brokers listed", len(resp.Brokers))
	}
	for i, b := range resp.Brokers {
		if want := c.Broker(int32(i + 1)).Addr(); b.NodeID != int32(i+1) || net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))) != want {
			t.Fatalf("broker %d: %d at %s:%d, want %s", i, b.NodeID, b.Host, b.Port, want)
		}
	}
	internal := map[string]bool{}
	for _, mt := range resp.Topics {
		internal[*mt.Topic] = mt.IsInternal
		for _, p := range mt.Partitions {
			if p.Leader < 1 || p.LeaderEpoch != 0 || len(p.OfflineReplicas) != 0 {
				t.Fatalf("%s-%d: leader %d epoch %d offline %v", *mt.Topic, p.Partition, p.Leader, p.LeaderEpoch, p.OfflineReplicas)
			}
		}
	}
	if !internal["__consumer_offsets"] || internal["plain"] {
		t.Fatalf("internal flags %v", internal)
	}
	// Leaders spread: each broker leads one partition of "plain".
	var leaders []int32
	for _, mt := range resp.Topics {
		if *mt.Topic == "plain" {
			for _, p := range mt.Partitions {
				leaders = append(leaders, p.Leader)
			}
		}
	}
	slices.Sort(leaders)
	if !slices.Equal(leaders, []int32{1, 2, 3}) {
		t.Fatalf("leaders of plain: %v", leaders)
	}
}
