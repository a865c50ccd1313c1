package broker_test

import (
	"errors"
	"testing"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
)

func saramaACLConfig(clientID string) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_0_0_0
	cfg.ClientID = clientID
	cfg.Producer.Return.Successes = true
	cfg.Producer.Retry.Max = 0
	cfg.Producer.Idempotent = false
	return cfg
}

// Sarama's ClusterAdmin creates, lists and deletes ACLs; its producer
// is refused a topic it has no WRITE on.
func TestACLsSarama(t *testing.T) {
	c := startACLCluster(t, broker.Topic("orders", 1, 1, nil))
	admin, err := sarama.NewClusterAdmin(c.Addrs(), saramaACLConfig("admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	res := sarama.Resource{ResourceType: sarama.AclResourceTopic, ResourceName: "orders", ResourcePatternType: sarama.AclPatternLiteral}
	// bob may see the topic (so its metadata is answered) but not write.
	if err := admin.CreateACLs([]*sarama.ResourceAcls{{Resource: res, Acls: []*sarama.Acl{
		{Principal: "User:alice", Host: "*", Operation: sarama.AclOperationWrite, PermissionType: sarama.AclPermissionAllow},
		{Principal: "User:bob", Host: "*", Operation: sarama.AclOperationDescribe, PermissionType: sarama.AclPermissionAllow},
	}}}); err != nil {
		t.Fatalf("CreateACLs: %v", err)
	}
	name := "orders"
	listed, err := admin.ListAcls(sarama.AclFilter{ResourceType: sarama.AclResourceTopic, ResourceName: &name,
		ResourcePatternTypeFilter: sarama.AclPatternLiteral, Operation: sarama.AclOperationAny, PermissionType: sarama.AclPermissionAny})
	if err != nil || len(listed) != 1 || len(listed[0].Acls) != 2 {
		t.Fatalf("ListAcls = %+v, %v; want alice's WRITE and bob's DESCRIBE on orders", listed, err)
	}

	produce := func(user string) error {
		p, err := sarama.NewSyncProducer(c.Addrs(), saramaACLConfig(user))
		if err != nil {
			return err
		}
		defer p.Close()
		_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: "orders", Value: sarama.StringEncoder("v")})
		return err
	}
	if err := produce("alice"); err != nil {
		t.Fatalf("alice's produce: %v", err)
	}
	if err := produce("bob"); !errors.Is(err, sarama.ErrTopicAuthorizationFailed) {
		t.Fatalf("bob's produce: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}

	alice := "User:alice"
	matches, err := admin.DeleteACL(sarama.AclFilter{ResourceType: sarama.AclResourceAny, ResourcePatternTypeFilter: sarama.AclPatternAny,
		Principal: &alice, Operation: sarama.AclOperationWrite, PermissionType: sarama.AclPermissionAny}, false)
	if err != nil || len(matches) != 1 {
		t.Fatalf("DeleteACL of alice's WRITE = %+v, %v; want her one binding", matches, err)
	}
	// Without DESCRIBE either, her Metadata for orders is answered
	// TOPIC_AUTHORIZATION_FAILED, which Sarama reports as having run out
	// of brokers.
	if err := produce("alice"); err == nil {
		t.Fatalf("alice's produce after her ACL was deleted succeeded")
	}
}
