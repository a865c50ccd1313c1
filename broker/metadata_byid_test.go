package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The Java consumer resolves the topic ids of a KIP-848 assignment with a
// v12 Metadata request whose topics carry the id and an empty (not null)
// name. Kafka looks such a topic up by its id (KafkaApis uses the ids as
// soon as one is non-zero); so does gregor.
func TestMetadataTopicIDWithEmptyName(t *testing.T) {
	c := startAPICluster(t, broker.Topic("orders", 2, 1, nil))
	id := c.Topics()[0].ID

	cl := pinnedClient(t, c, metadataKey, 12)
	req := kmsg.NewPtrMetadataRequest()
	byID := kmsg.NewMetadataRequestTopic()
	byID.TopicID = id
	byID.Topic = new(string)
	unknown := kmsg.NewMetadataRequestTopic()
	unknown.TopicID = [16]byte{1, 2, 3}
	unknown.Topic = new(string)
	req.Topics = []kmsg.MetadataRequestTopic{byID, unknown}
	resp := sendTo[*kmsg.MetadataResponse](t, cl, 1, req)
	if len(resp.Topics) != 2 {
		t.Fatalf("%d topics answered", len(resp.Topics))
	}
	known := resp.Topics[0]
	wantCode(t, "id with an empty name", known.ErrorCode, nil)
	if known.TopicID != id || known.Topic == nil || *known.Topic != "orders" || len(known.Partitions) != 2 {
		t.Fatalf("id with an empty name answered %v (id %v) with %d partitions", known.Topic, known.TopicID, len(known.Partitions))
	}
	wantCode(t, "unknown id with an empty name", resp.Topics[1].ErrorCode, kerr.UnknownTopicID)
}
