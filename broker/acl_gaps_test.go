package broker_test

// The finer points of Kafka's authorization: what a created topic's
// answer hides, how a partly denied AddPartitionsToTxn fails as a whole,
// the subscribed topics of a KIP-848 heartbeat, and the audit log.

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// CreateTopics: a principal allowed to CREATE a topic but not to
// DESCRIBE_CONFIGS it is told the topic was created, but not its
// configs, partition count or replication factor; the configs error
// code says TOPIC_AUTHORIZATION_FAILED, as Kafka's controller answers.
func TestACLsCreateTopicsHidesConfigsWithoutDescribeConfigs(t *testing.T) {
	c := startACLCluster(t)
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("a-").ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpCreate))
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("a-seen").Operations(kadm.OpDescribeConfigs))
	req := kmsg.NewPtrCreateTopicsRequest()
	for _, name := range []string{"a-hidden", "a-seen"} {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, 2, 1
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(apiCtx(t), as(t, c, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]kmsg.CreateTopicsResponseTopic{}
	for _, rt := range resp.Topics {
		got[rt.Topic] = rt
	}
	hidden, seen := got["a-hidden"], got["a-seen"]
	if hidden.ErrorCode != 0 || hidden.ConfigErrorCode != kerr.TopicAuthorizationFailed.Code ||
		hidden.NumPartitions != -1 || hidden.ReplicationFactor != -1 || len(hidden.Configs) != 0 {
		t.Errorf("a-hidden (no DESCRIBE_CONFIGS): error %d, configs error %d, %d partitions, RF %d, %d configs; want created, TOPIC_AUTHORIZATION_FAILED, -1, -1, none",
			hidden.ErrorCode, hidden.ConfigErrorCode, hidden.NumPartitions, hidden.ReplicationFactor, len(hidden.Configs))
	}
	if seen.ErrorCode != 0 || seen.ConfigErrorCode != 0 || seen.NumPartitions != 2 || seen.ReplicationFactor != 1 || len(seen.Configs) == 0 {
		t.Errorf("a-seen (DESCRIBE_CONFIGS): error %d, configs error %d, %d partitions, RF %d, %d configs; want everything told",
			seen.ErrorCode, seen.ConfigErrorCode, seen.NumPartitions, seen.ReplicationFactor, len(seen.Configs))
	}
	if _, err := adminAs(t, c, "admin").ListTopics(apiCtx(t), "a-hidden"); err != nil {
		t.Fatal(err)
	}
}

// AddPartitionsToTxn v3 naming a topic the producer may not write: the
// whole request fails, nothing is added, the denied topic is answered
// TOPIC_AUTHORIZATION_FAILED, an unknown one UNKNOWN_TOPIC_OR_PARTITION
// and the allowed one OPERATION_NOT_ATTEMPTED (KafkaApis).
func TestACLsAddPartitionsToTxnPartlyDenied(t *testing.T) {
	c := startACLCluster(t)
	adm := adminAs(t, c, "admin")
	if _, err := adm.CreateTopic(apiCtx(t), 1, 1, nil, "open"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(apiCtx(t), 1, 1, nil, "closed"); err != nil {
		t.Fatal(err)
	}
	grant(t, c, kadm.NewACLs().Allow("User:tx").TransactionalIDs("t1").Operations(kadm.OpWrite))
	grant(t, c, kadm.NewACLs().Allow("User:tx").Topics("open", "missing").Operations(kadm.OpWrite))
	cl := as(t, c, "tx")
	ip := kmsg.NewPtrInitProducerIDRequest()
	ip.TransactionalID, ip.TransactionTimeoutMillis = kmsg.StringPtr("t1"), 60000
	ipr, err := ip.RequestWith(apiCtx(t), cl)
	if err != nil || ipr.ErrorCode != 0 {
		t.Fatalf("InitProducerId: %v %v", ipr, err)
	}
	want := map[string]int16{"open": kerr.OperationNotAttempted.Code, "closed": kerr.TopicAuthorizationFailed.Code,
		"missing": kerr.UnknownTopicOrPartition.Code}
	for _, topics := range [][]string{{"open", "closed"}, {"open", "closed", "missing"}} {
		add := kmsg.NewPtrAddPartitionsToTxnRequest()
		add.SetVersion(3)
		add.TransactionalID, add.ProducerID, add.ProducerEpoch = "t1", ipr.ProducerID, ipr.ProducerEpoch
		for _, name := range topics {
			at := kmsg.NewAddPartitionsToTxnRequestTopic()
			at.Topic, at.Partitions = name, []int32{0}
			add.Topics = append(add.Topics, at)
		}
		resp, err := add.RequestWith(apiCtx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		answered := 0
		for _, rt := range resp.Topics {
			if len(rt.Partitions) != 1 || rt.Partitions[0].ErrorCode != want[rt.Topic] {
				t.Errorf("adding %v: %s answered %+v, want error %d", topics, rt.Topic, rt.Partitions, want[rt.Topic])
			}
			answered++
		}
		if answered != len(topics) {
			t.Errorf("adding %v: %d topics answered", topics, answered)
		}
	}
	// Nothing was added: the transaction is still empty.
	dt := kmsg.NewPtrDescribeTransactionsRequest()
	dt.TransactionalIDs = []string{"t1"}
	dtr, err := dt.RequestWith(apiCtx(t), as(t, c, "admin"))
	if err != nil || len(dtr.TransactionStates) != 1 {
		t.Fatalf("DescribeTransactions: %v %v", dtr, err)
	}
	if s := dtr.TransactionStates[0]; s.State != "Empty" || len(s.Topics) != 0 {
		t.Errorf("t1 after the denied request: state %s, topics %+v; want Empty with none", s.State, s.Topics)
	}
}

// ConsumerGroupHeartbeat subscribing to a topic the member may not
// describe is answered TOPIC_AUTHORIZATION_FAILED, and the member does
// not join; with DESCRIBE on every subscribed topic it joins.
func TestACLsConsumerGroupHeartbeatSubscribedTopics(t *testing.T) {
	c := startACLCluster(t)
	for _, name := range []string{"mine", "theirs"} {
		if _, err := adminAs(t, c, "admin").CreateTopic(apiCtx(t), 1, 1, nil, name); err != nil {
			t.Fatal(err)
		}
	}
	grant(t, c, kadm.NewACLs().Allow("User:carol").Groups("g").Operations(kadm.OpRead))
	grant(t, c, kadm.NewACLs().Allow("User:carol").Topics("mine").Operations(kadm.OpRead))
	heartbeat := func(topics ...string) *kmsg.ConsumerGroupHeartbeatResponse {
		t.Helper()
		req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		req.Group, req.MemberEpoch, req.RebalanceTimeoutMillis = "g", 0, 30000
		req.MemberID = "m-" + strings.Join(topics, "-") + "-member-id-0123"
		req.SubscribedTopicNames = topics
		req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		resp, err := req.RequestWith(apiCtx(t), as(t, c, "carol"))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := heartbeat("mine", "theirs"); r.ErrorCode != kerr.TopicAuthorizationFailed.Code || r.MemberEpoch != 0 {
		t.Errorf("subscribing to mine and theirs: error %d, epoch %d; want TOPIC_AUTHORIZATION_FAILED and no membership", r.ErrorCode, r.MemberEpoch)
	}
	if r := heartbeat("mine"); r.ErrorCode != 0 || r.MemberEpoch < 1 {
		t.Errorf("subscribing to mine: error %d, epoch %d; want a member", r.ErrorCode, r.MemberEpoch)
	}
}

// syncBuffer is a log destination written by the brokers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The audit log, as Kafka's kafka.authorizer.logger: a denied request
// is logged at INFO in Kafka's words with the deciding rule, an allowed
// one at DEBUG, and a topic Metadata only filtered out of a full listing
// is logged at TRACE only.
func TestACLsAuditLog(t *testing.T) {
	var logs syncBuffer
	h := slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	c := startACLCluster(t, broker.Logger(slog.New(h)))
	adm := adminAs(t, c, "admin")
	if _, err := adm.CreateTopic(apiCtx(t), 1, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(apiCtx(t), 1, 1, nil, "quiet"); err != nil {
		t.Fatal(err)
	}
	grant(t, c, kadm.NewACLs().Deny("User:bob").Topics("orders").Operations(kadm.OpDescribe))
	grant(t, c, kadm.NewACLs().Allow("User:bob").Topics("quiet").Operations(kadm.OpDescribe))
	bob := kadm.NewClient(as(t, c, "bob"))
	if _, err := bob.ListTopics(apiCtx(t)); err != nil { // every topic: filtered, not logged at INFO
		t.Fatal(err)
	}
	bob.ListTopics(apiCtx(t), "orders") // named: denied, and logged
	out := logs.String()
	const denied = "Principal = User:bob is Denied operation = DESCRIBE from host = "
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, denied) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want one denial of bob's named Metadata (the full listing's is TRACE), found %d in:\n%s", len(lines), out)
	}
	l := lines[0]
	for _, want := range []string{"level=INFO", "on resource = Topic:LITERAL:orders for request = Metadata with resourceRefCount = 1",
		"based on rule MatchingAcl(", "result=DENIED)", "logger=kafka.authorizer.logger"} {
		if !strings.Contains(l, want) {
			t.Errorf("audit line lacks %q:\n%s", want, l)
		}
	}
	allowed := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Principal = User:bob is Allowed operation = DESCRIBE") && strings.Contains(l, "Topic:LITERAL:quiet") {
			allowed++
			if !strings.Contains(l, "level=DEBUG") {
				t.Errorf("an allowed action logged above DEBUG:\n%s", l)
			}
		}
	}
	if allowed == 0 {
		t.Errorf("bob's allowed DESCRIBE of quiet was not logged at DEBUG:\n%s", out)
	}
}
