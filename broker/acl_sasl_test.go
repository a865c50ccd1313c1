package broker_test

import (
	"errors"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The principal ACLs are checked against is the one SASL authenticated:
// on a SASL_PLAINTEXT listener, SCRAM users alice and bob get what their
// ACLs give, and the plaintext listener's User:ANONYMOUS nothing.
func TestACLsWithSASLUsers(t *testing.T) {
	c := startAPICluster(t, broker.StandardAuthorizer("User:admin"), broker.Listener("SASL", security.SASLPlaintext),
		broker.SASLUser("admin", "admin-secret"), broker.SASLUser("alice", "alice-secret"), broker.SASLUser("bob", "bob-secret"),
		broker.Topic("orders", 1, 1, nil))
	user := func(name string, opts ...kgo.Opt) *kgo.Client {
		return apiClient(t, c, append([]kgo.Opt{kgo.SeedBrokers(c.ListenerAddrs("SASL")...),
			kgo.SASL(scram.Auth{User: name, Pass: name + "-secret"}.AsSha256Mechanism())}, opts...)...)
	}
	adm := kadm.NewClient(user("admin"))
	results, err := adm.CreateACLs(apiCtx(t), kadm.NewACLs().Allow("User:alice").Topics("orders").Operations(kadm.OpWrite))
	if err != nil || results[0].Err != nil {
		t.Fatalf("CreateACLs as the SASL super user: %v %+v", err, results)
	}
	produce := func(cl *kgo.Client) error {
		return cl.ProduceSync(apiCtx(t), &kgo.Record{Topic: "orders", Value: []byte("v")}).FirstErr()
	}
	if err := produce(user("alice", manualPartitioner())); err != nil {
		t.Fatalf("alice's produce over SASL: %v", err)
	}
	if err := produce(user("bob", manualPartitioner(), kgo.DisableIdempotentWrite(), kgo.RecordRetries(0))); !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("bob's produce over SASL: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}
	anon := kadm.NewClient(apiClient(t, c))
	described, err := anon.DescribeACLs(apiCtx(t), kadm.NewACLs().AnyResource().Allow().AllowHosts().Operations(kadm.OpAny).ResourcePatternType(kadm.ACLPatternAny))
	if err != nil || len(described) == 0 || !errors.Is(described[0].Err, kerr.ClusterAuthorizationFailed) {
		t.Fatalf("User:ANONYMOUS's DescribeACLs = %+v, %v; want CLUSTER_AUTHORIZATION_FAILED", described, err)
	}
}
