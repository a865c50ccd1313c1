package broker_test

// ACLs and the authorizer, through franz-go: CreateAcls, DescribeAcls
// and DeleteAcls with kadm, and clients denied with the error each API
// answers. Principals are named by client id (User:<client id>); the
// cluster's super user is User:admin.

import (
	"errors"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startACLCluster starts a cluster with the StandardAuthorizer and
// User:admin as super user, and names each request's principal after its
// client id.
func startACLCluster(t *testing.T, opts ...broker.Option) *broker.Cluster {
	t.Helper()
	c := startAPICluster(t, append([]broker.Option{broker.StandardAuthorizer("User:admin")}, opts...)...)
	broker.SetTestPrincipals(c, func(clientID string) string { return "User:" + clientID })
	return c
}

// as is a client acting as User:<user>.
func as(t *testing.T, c *broker.Cluster, user string, opts ...kgo.Opt) *kgo.Client {
	return apiClient(t, c, append([]kgo.Opt{kgo.ClientID(user)}, opts...)...)
}

func adminAs(t *testing.T, c *broker.Cluster, user string) *kadm.Client {
	return kadm.NewClient(as(t, c, user))
}

// grant creates ACLs as the super user and fails on any error.
func grant(t *testing.T, c *broker.Cluster, b *kadm.ACLBuilder) {
	t.Helper()
	results, err := adminAs(t, c, "admin").CreateACLs(apiCtx(t), b)
	if err != nil {
		t.Fatalf("CreateACLs: %v", err)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Fatalf("CreateACLs %s %s %s: %v", r.Principal, r.Operation, r.Name, r.Err)
		}
	}
}

func TestACLsCreateDescribeDelete(t *testing.T) {
	c := startACLCluster(t)
	adm := adminAs(t, c, "admin")
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("orders").Operations(kadm.OpRead, kadm.OpWrite))
	grant(t, c, kadm.NewACLs().Deny("User:bob").Topics("orders-").ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpRead))
	grant(t, c, kadm.NewACLs().Allow("User:alice").Groups("g1").Operations(kadm.OpRead))

	described, err := adm.DescribeACLs(apiCtx(t), kadm.NewACLs().AnyResource().Allow().AllowHosts().Deny().DenyHosts().Operations(kadm.OpAny).ResourcePatternType(kadm.ACLPatternAny))
	if err != nil {
		t.Fatal(err)
	}
	var total int
	for _, d := range described {
		if d.Err != nil {
			t.Fatalf("DescribeACLs: %v", d.Err)
		}
		total += len(d.Described)
	}
	if total != 4 {
		t.Fatalf("DescribeACLs of everything found %d bindings, want 4: %+v", total, described)
	}

	// A MATCH filter on a name finds the bindings that apply to it: the
	// prefixed deny applies to orders-eu, the literal allow on orders
	// does not.
	matched, err := adm.DescribeACLs(apiCtx(t), kadm.NewACLs().Topics("orders-eu").ResourcePatternType(kadm.ACLPatternMatch).Allow().AllowHosts().Deny().DenyHosts().Operations(kadm.OpAny))
	if err != nil || len(matched) != 1 || matched[0].Err != nil || len(matched[0].Described) != 1 || matched[0].Described[0].Principal != "User:bob" {
		t.Fatalf("DescribeACLs MATCH orders-eu = %+v, %v; want bob's prefixed deny alone", matched, err)
	}

	deleted, err := adm.DeleteACLs(apiCtx(t), kadm.NewACLs().Allow("User:alice").AllowHosts().AnyResource().ResourcePatternType(kadm.ACLPatternAny).Operations(kadm.OpAny))
	if err != nil || len(deleted) != 1 || deleted[0].Err != nil || len(deleted[0].Deleted) != 3 {
		t.Fatalf("DeleteACLs of alice's = %+v, %v; want her 3 bindings", deleted, err)
	}
	left := send[*kmsg.DescribeACLsResponse](t, as(t, c, "admin"), &kmsg.DescribeACLsRequest{
		ResourceType: kmsg.ACLResourceTypeAny, ResourcePatternType: kmsg.ACLResourcePatternTypeAny,
		Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny})
	if len(left.Resources) != 1 || left.Resources[0].ResourceName != "orders-" || len(left.Resources[0].ACLs) != 1 {
		t.Fatalf("after deleting alice's, DescribeACLs = %+v; want bob's deny on orders- alone", left.Resources)
	}
}

func TestCreateACLsValidation(t *testing.T) {
	c := startACLCluster(t)
	creation := func(mut func(*kmsg.CreateACLsRequestCreation)) kmsg.CreateACLsRequestCreation {
		cr := kmsg.NewCreateACLsRequestCreation()
		cr.ResourceType, cr.ResourceName, cr.ResourcePatternType = kmsg.ACLResourceTypeTopic, "t", kmsg.ACLResourcePatternTypeLiteral
		cr.Principal, cr.Host, cr.Operation, cr.PermissionType = "User:alice", "*", kmsg.ACLOperationRead, kmsg.ACLPermissionTypeAllow
		mut(&cr)
		return cr
	}
	req := &kmsg.CreateACLsRequest{Creations: []kmsg.CreateACLsRequestCreation{
		creation(func(*kmsg.CreateACLsRequestCreation) {}),
		creation(func(cr *kmsg.CreateACLsRequestCreation) {
			cr.ResourceType, cr.ResourceName = kmsg.ACLResourceTypeCluster, "other"
		}),
		creation(func(cr *kmsg.CreateACLsRequestCreation) { cr.ResourceName = "" }),
		creation(func(cr *kmsg.CreateACLsRequestCreation) { cr.Principal = "alice" }),
	}}
	resp := send[*kmsg.CreateACLsResponse](t, as(t, c, "admin"), req)
	wantCode(t, "a valid creation", resp.Results[0].ErrorCode, nil)
	for i, what := range []string{"CLUSTER not named kafka-cluster", "empty name", "principal without a colon"} {
		wantCode(t, what, resp.Results[i+1].ErrorCode, kerr.InvalidRequest)
	}
	// A MATCH pattern or an ANY operation in any creation makes a request
	// Kafka cannot build: every creation fails with UNKNOWN_SERVER_ERROR.
	for _, mut := range []func(*kmsg.CreateACLsRequestCreation){
		func(cr *kmsg.CreateACLsRequestCreation) { cr.ResourcePatternType = kmsg.ACLResourcePatternTypeMatch },
		func(cr *kmsg.CreateACLsRequestCreation) { cr.Operation = kmsg.ACLOperationAny },
	} {
		bad := send[*kmsg.CreateACLsResponse](t, as(t, c, "admin"), &kmsg.CreateACLsRequest{Creations: []kmsg.CreateACLsRequestCreation{req.Creations[0], creation(mut)}})
		wantCode(t, "a valid creation beside an undecodable one", bad.Results[0].ErrorCode, kerr.UnknownServerError)
		wantCode(t, "an undecodable creation", bad.Results[1].ErrorCode, kerr.UnknownServerError)
	}
	if m := resp.Results[1].ErrorMessage; m == nil || *m != "The only valid name for the CLUSTER resource is kafka-cluster" {
		t.Errorf("CLUSTER message = %v, want Kafka's", m)
	}
	// Only the super user, or ALTER on the cluster, may create ACLs.
	denied := send[*kmsg.CreateACLsResponse](t, as(t, c, "alice"), &kmsg.CreateACLsRequest{Creations: req.Creations[:1]})
	wantCode(t, "CreateAcls by alice", denied.Results[0].ErrorCode, kerr.ClusterAuthorizationFailed)
	desc := send[*kmsg.DescribeACLsResponse](t, as(t, c, "alice"), &kmsg.DescribeACLsRequest{ResourceType: kmsg.ACLResourceTypeAny,
		ResourcePatternType: kmsg.ACLResourcePatternTypeAny, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny})
	wantCode(t, "DescribeAcls by alice", desc.ErrorCode, kerr.ClusterAuthorizationFailed)
}

func TestACLAPIsWithoutAuthorizer(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	described, err := adm.DescribeACLs(apiCtx(t), kadm.NewACLs().AnyResource().Allow().AllowHosts().Operations(kadm.OpAny).ResourcePatternType(kadm.ACLPatternAny))
	if err != nil || len(described) == 0 || !errors.Is(described[0].Err, kerr.SecurityDisabled) {
		t.Fatalf("DescribeACLs with no authorizer: %+v, %v; want SECURITY_DISABLED", described, err)
	}
	// And everything stays allowed.
	createTopic(t, adm, "open", 1, 1, nil)
	produceValues(t, apiClient(t, c), "open", 0, "v")
}

func TestACLsProduceAndFetch(t *testing.T) {
	c := startACLCluster(t)
	createTopic(t, adminAs(t, c, "admin"), "orders", 1, 1, nil)
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("orders").Operations(kadm.OpWrite, kadm.OpRead))
	grant(t, c, kadm.NewACLs().Allow("User:bob").Topics("orders").Operations(kadm.OpDescribe))
	// An idempotent producer needs WRITE on some topic to get a
	// producer id (KIP-679); bob's producer is not idempotent.
	produceValues(t, as(t, c, "alice", manualPartitioner()), "orders", 0, "a")

	bob := as(t, c, "bob", manualPartitioner(), kgo.DisableIdempotentWrite(), kgo.RecordRetries(0))
	err := bob.ProduceSync(apiCtx(t), &kgo.Record{Topic: "orders", Value: []byte("b")}).FirstErr()
	if !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("bob's produce: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}

	fetch := func(user string) int16 {
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID, req.MaxWaitMillis, req.MaxBytes = -1, 0, 1<<20
		ft := kmsg.NewFetchRequestTopic()
		ft.Topic = "orders"
		fp := kmsg.NewFetchRequestTopicPartition()
		fp.PartitionMaxBytes = 1 << 20
		ft.Partitions = append(ft.Partitions, fp)
		req.Topics = append(req.Topics, ft)
		cl := pinnedClient(t, c, int16(kmsg.Fetch), 12, kgo.ClientID(user))
		resp := send[*kmsg.FetchResponse](t, cl, req)
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			t.Fatalf("%s's fetch answered %+v", user, resp.Topics)
		}
		p := resp.Topics[0].Partitions[0]
		if p.ErrorCode == 0 && p.HighWatermark != 1 {
			t.Fatalf("%s's fetch: high watermark %d, want 1", user, p.HighWatermark)
		}
		return p.ErrorCode
	}
	wantCode(t, "alice's fetch", fetch("alice"), nil)
	wantCode(t, "bob's fetch", fetch("bob"), kerr.TopicAuthorizationFailed)
}

func TestACLsMetadata(t *testing.T) {
	c := startACLCluster(t)
	adm := adminAs(t, c, "admin")
	createTopic(t, adm, "orders", 1, 1, nil)
	createTopic(t, adm, "secret", 1, 1, nil)
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("ord").ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpRead))

	all := send[*kmsg.MetadataResponse](t, as(t, c, "alice"), &kmsg.MetadataRequest{IncludeTopicAuthorizedOperations: true, IncludeClusterAuthorizedOperations: true})
	if len(all.Topics) != 1 || *all.Topics[0].Topic != "orders" {
		t.Fatalf("alice's full Metadata lists %d topics (%+v), want orders alone", len(all.Topics), all.Topics)
	}
	if got, want := all.Topics[0].AuthorizedOperations, int32(1<<3|1<<8); got != want {
		t.Errorf("orders' authorized operations for alice = %b, want READ|DESCRIBE = %b", got, want)
	}
	cluster := send[*kmsg.DescribeClusterResponse](t, as(t, c, "alice"), describeClusterWithOps())
	if cluster.ClusterAuthorizedOperations != 0 {
		t.Errorf("DescribeCluster: cluster authorized operations for alice = %b, want none", cluster.ClusterAuthorizedOperations)
	}
	secret := "secret"
	named := send[*kmsg.MetadataResponse](t, as(t, c, "alice"), &kmsg.MetadataRequest{Topics: []kmsg.MetadataRequestTopic{{Topic: &secret}}})
	wantCode(t, "alice's Metadata for secret", named.Topics[0].ErrorCode, kerr.TopicAuthorizationFailed)
	// A missing topic she may describe but not create is not
	// auto-created.
	missing := "ord-new"
	auto := send[*kmsg.MetadataResponse](t, as(t, c, "alice"), &kmsg.MetadataRequest{Topics: []kmsg.MetadataRequestTopic{{Topic: &missing}}, AllowAutoTopicCreation: true})
	wantCode(t, "alice auto-creating ord-new", auto.Topics[0].ErrorCode, kerr.TopicAuthorizationFailed)

	// The super user sees everything, with every operation.
	adminAll := send[*kmsg.MetadataResponse](t, as(t, c, "admin"), &kmsg.MetadataRequest{})
	adminCluster := send[*kmsg.DescribeClusterResponse](t, as(t, c, "admin"), describeClusterWithOps())
	if len(adminAll.Topics) != 2 || adminCluster.ClusterAuthorizedOperations != 1<<5|1<<7|1<<8|1<<9|1<<10|1<<11|1<<12 {
		t.Errorf("admin: %d topics, cluster operations %b; want 2 and every cluster operation", len(adminAll.Topics), adminCluster.ClusterAuthorizedOperations)
	}
}

func TestACLsDenyBeatsAllow(t *testing.T) {
	c := startACLCluster(t)
	createTopic(t, adminAs(t, c, "admin"), "orders", 1, 1, nil)
	grant(t, c, kadm.NewACLs().Allow("User:*").Topics("orders").Operations(kadm.OpWrite))
	grant(t, c, kadm.NewACLs().Deny("User:bob").Topics("*").Operations(kadm.OpWrite))
	produceValues(t, as(t, c, "alice", manualPartitioner()), "orders", 0, "a")
	err := as(t, c, "bob", manualPartitioner(), kgo.DisableIdempotentWrite(), kgo.RecordRetries(0)).
		ProduceSync(apiCtx(t), &kgo.Record{Topic: "orders", Value: []byte("b")}).FirstErr()
	if !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("bob's produce under a DENY on every topic, despite User:* ALLOW: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}
}

func TestACLsAllowEveryoneIfNoACLFound(t *testing.T) {
	for _, allowEveryone := range []bool{false, true} {
		c := startACLCluster(t, broker.Config("allow.everyone.if.no.acl.found", map[bool]string{false: "false", true: "true"}[allowEveryone]))
		createTopic(t, adminAs(t, c, "admin"), "free", 1, 1, nil)
		createTopic(t, adminAs(t, c, "admin"), "guarded", 1, 1, nil)
		grant(t, c, kadm.NewACLs().Allow("User:bob").Topics("guarded").Operations(kadm.OpDescribe))
		md := send[*kmsg.MetadataResponse](t, as(t, c, "alice"), &kmsg.MetadataRequest{})
		// With the default, alice sees nothing; allowing everyone, she
		// sees the topic no ACL mentions, never the one with bob's ACL.
		want := map[bool]int{false: 0, true: 1}[allowEveryone]
		if len(md.Topics) != want || (want == 1 && *md.Topics[0].Topic != "free") {
			t.Errorf("allow.everyone.if.no.acl.found=%v: alice sees %+v, want %d topic(s) (free)", allowEveryone, md.Topics, want)
		}
	}
}

func TestACLsGroups(t *testing.T) {
	c := startACLCluster(t)
	createTopic(t, adminAs(t, c, "admin"), "orders", 1, 1, nil)
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("orders").Operations(kadm.OpRead))

	commit := func() *kmsg.OffsetCommitResponse {
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Group, req.Generation = "g1", -1
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = "orders"
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Offset = 0
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return sendTo[*kmsg.OffsetCommitResponse](t, as(t, c, "alice"), 1, req)
	}
	wantCode(t, "alice's commit without READ on g1", commit().Topics[0].Partitions[0].ErrorCode, kerr.GroupAuthorizationFailed)
	join := kmsg.NewPtrJoinGroupRequest()
	join.Group, join.ProtocolType, join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = "g1", "consumer", 10000, 10000
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range"}}
	wantCode(t, "alice's JoinGroup without READ on g1", sendTo[*kmsg.JoinGroupResponse](t, as(t, c, "alice"), 1, join).ErrorCode, kerr.GroupAuthorizationFailed)

	grant(t, c, kadm.NewACLs().Allow("User:alice").Groups("g1").Operations(kadm.OpRead))
	// READ on the group implies DESCRIBE, which FindCoordinator needs.
	fc := sendTo[*kmsg.FindCoordinatorResponse](t, pinnedClient(t, c, int16(kmsg.FindCoordinator), 3, kgo.ClientID("alice")), 1, &kmsg.FindCoordinatorRequest{CoordinatorKey: "g1"})
	wantCode(t, "alice's FindCoordinator for g1", fc.ErrorCode, nil)
	wantCode(t, "alice's commit with READ on g1 and orders", commit().Topics[0].Partitions[0].ErrorCode, nil)

	desc := sendTo[*kmsg.DescribeGroupsResponse](t, as(t, c, "alice"), 1, &kmsg.DescribeGroupsRequest{Groups: []string{"g1", "g2"}, IncludeAuthorizedOperations: true})
	byName := map[string]kmsg.DescribeGroupsResponseGroup{}
	for _, g := range desc.Groups {
		byName[g.Group] = g
	}
	wantCode(t, "DescribeGroups g2", byName["g2"].ErrorCode, kerr.GroupAuthorizationFailed)
	wantCode(t, "DescribeGroups g1", byName["g1"].ErrorCode, nil)
	if got, want := byName["g1"].AuthorizedOperations, int32(1<<3|1<<8); got != want {
		t.Errorf("g1's authorized operations for alice = %b, want READ|DESCRIBE = %b", got, want)
	}
}

func TestACLsCreateTopicsAndConfigs(t *testing.T) {
	c := startACLCluster(t)
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("alice-").ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpCreate, kadm.OpDescribeConfigs))
	adm := adminAs(t, c, "alice")
	resp, err := adm.CreateTopics(apiCtx(t), 1, 1, nil, "alice-1", "bob-1")
	if err != nil {
		t.Fatal(err)
	}
	if resp["alice-1"].Err != nil || !errors.Is(resp["bob-1"].Err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("CreateTopics alice-1: %v, bob-1: %v; want created and TOPIC_AUTHORIZATION_FAILED", resp["alice-1"].Err, resp["bob-1"].Err)
	}
	configs, err := adm.DescribeTopicConfigs(apiCtx(t), "alice-1")
	if err != nil || configs[0].Err != nil {
		t.Fatalf("DescribeConfigs alice-1: %v %v", err, configs)
	}
	bconfigs, err := adm.DescribeBrokerConfigs(apiCtx(t), 1)
	if err == nil && bconfigs[0].Err == nil {
		t.Fatalf("alice described broker configs without DESCRIBE_CONFIGS on the cluster")
	}
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) && (len(bconfigs) == 0 || !errors.Is(bconfigs[0].Err, kerr.ClusterAuthorizationFailed)) {
		t.Fatalf("alice's broker DescribeConfigs: %v %v, want CLUSTER_AUTHORIZATION_FAILED", err, bconfigs)
	}
}

func TestACLsInitProducerID(t *testing.T) {
	c := startACLCluster(t)
	initPID := func(user string, txn *string) int16 {
		return sendTo[*kmsg.InitProducerIDResponse](t, as(t, c, user), 1, &kmsg.InitProducerIDRequest{TransactionalID: txn, TransactionTimeoutMillis: 60000, ProducerID: -1, ProducerEpoch: -1}).ErrorCode
	}
	wantCode(t, "idempotent InitProducerId with no ACL", initPID("alice", nil), kerr.ClusterAuthorizationFailed)
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("some-").ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpWrite))
	wantCode(t, "idempotent InitProducerId with WRITE on a prefix", initPID("alice", nil), nil)
	txn := "tx-1"
	wantCode(t, "transactional InitProducerId without WRITE on the id", initPID("alice", &txn), kerr.TransactionalIDAuthorizationFailed)
}

func TestACLsSurviveRestart(t *testing.T) {
	c := startACLCluster(t, broker.DataDir(t.TempDir()))
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("orders").Operations(kadm.OpRead))
	c2, err := c.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Close() })
	broker.SetTestPrincipals(c2, func(id string) string { return "User:" + id })
	described, err := kadm.NewClient(apiClient(t, c2, kgo.ClientID("admin"))).DescribeACLs(apiCtx(t),
		kadm.NewACLs().AnyResource().Allow().AllowHosts().Deny().DenyHosts().Operations(kadm.OpAny).ResourcePatternType(kadm.ACLPatternAny))
	if err != nil || len(described) != 1 || len(described[0].Described) != 1 || described[0].Described[0].Name != "orders" {
		t.Fatalf("after a restart DescribeACLs = %+v, %v; want alice's READ on orders", described, err)
	}
}

func describeClusterWithOps() *kmsg.DescribeClusterRequest {
	req := kmsg.NewPtrDescribeClusterRequest()
	req.IncludeClusterAuthorizedOperations = true
	return req
}

func TestACLsGroupListingAndDeletion(t *testing.T) {
	c := startACLCluster(t)
	createTopic(t, adminAs(t, c, "admin"), "orders", 1, 1, nil)
	// Two groups exist once their offsets are committed by the super user.
	for _, g := range []string{"mine", "theirs"} {
		sendTo[*kmsg.FindCoordinatorResponse](t, pinnedClient(t, c, int16(kmsg.FindCoordinator), 3, kgo.ClientID("admin")), 1, &kmsg.FindCoordinatorRequest{CoordinatorKey: g})
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Group, req.Generation = g, -1
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = "orders"
		rt.Partitions = append(rt.Partitions, kmsg.NewOffsetCommitRequestTopicPartition())
		req.Topics = append(req.Topics, rt)
		wantCode(t, "admin's commit to "+g, sendTo[*kmsg.OffsetCommitResponse](t, as(t, c, "admin"), 1, req).Topics[0].Partitions[0].ErrorCode, nil)
	}
	grant(t, c, kadm.NewACLs().Allow("User:alice").Groups("mine").Operations(kadm.OpDescribe))

	// Without DESCRIBE on the cluster, ListGroups shows only the groups
	// she may describe.
	list := sendTo[*kmsg.ListGroupsResponse](t, as(t, c, "alice"), 1, kmsg.NewPtrListGroupsRequest())
	if len(list.Groups) != 1 || list.Groups[0].Group != "mine" {
		t.Fatalf("alice's ListGroups = %+v, want mine alone", list.Groups)
	}
	del := sendTo[*kmsg.DeleteGroupsResponse](t, as(t, c, "alice"), 1, &kmsg.DeleteGroupsRequest{Groups: []string{"mine"}})
	wantCode(t, "alice deleting mine with DESCRIBE only", del.Groups[0].ErrorCode, kerr.GroupAuthorizationFailed)
	fc := sendTo[*kmsg.FindCoordinatorResponse](t, pinnedClient(t, c, int16(kmsg.FindCoordinator), 3, kgo.ClientID("alice")), 1, &kmsg.FindCoordinatorRequest{CoordinatorKey: "theirs"})
	wantCode(t, "alice's FindCoordinator for theirs", fc.ErrorCode, kerr.GroupAuthorizationFailed)
}

func TestACLsFiltersAndHosts(t *testing.T) {
	c := startACLCluster(t)
	// A filter with an UNKNOWN part cannot be parsed, by Kafka either:
	// the connection closes, before authorization looks at it.
	for _, bad := range []kmsg.Request{
		&kmsg.DescribeACLsRequest{ResourceType: kmsg.ACLResourceTypeAny, ResourcePatternType: kmsg.ACLResourcePatternTypeUnknown,
			Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny},
		&kmsg.DeleteACLsRequest{Filters: []kmsg.DeleteACLsRequestFilter{{ResourceType: kmsg.ACLResourceTypeAny, ResourcePatternType: kmsg.ACLResourcePatternTypeAny,
			Operation: kmsg.ACLOperationUnknown, PermissionType: kmsg.ACLPermissionTypeAny}}},
	} {
		bad.SetVersion(2)
		w := dialWire(t, c, c.Addrs()[0])
		w.send(bad)
		w.expectClosed()
	}

	createTopic(t, adminAs(t, c, "admin"), "orders", 1, 1, nil)
	// An ACL for another host does not apply to a client on loopback.
	grant(t, c, kadm.NewACLs().Allow("User:alice").AllowHosts("10.9.9.9").Topics("orders").Operations(kadm.OpDescribe))
	md := send[*kmsg.MetadataResponse](t, as(t, c, "alice"), &kmsg.MetadataRequest{})
	if len(md.Topics) != 0 {
		t.Fatalf("an ACL for host 10.9.9.9 let alice on 127.0.0.1 see %+v", md.Topics)
	}
	grant(t, c, kadm.NewACLs().Allow("User:alice").AllowHosts("127.0.0.1").Topics("orders").Operations(kadm.OpDescribe))
	md = send[*kmsg.MetadataResponse](t, as(t, c, "alice"), &kmsg.MetadataRequest{})
	if len(md.Topics) != 1 {
		t.Fatalf("an ACL for host 127.0.0.1 did not let alice see orders: %+v", md.Topics)
	}
}

// OffsetFetch needs DESCRIBE on the group, and leaves out of a fetch of
// every committed topic the ones the principal may not describe.
func TestACLsOffsetFetch(t *testing.T) {
	c := startACLCluster(t)
	adm := adminAs(t, c, "admin")
	createTopic(t, adm, "orders", 1, 1, nil)
	createTopic(t, adm, "secret", 1, 1, nil)
	offsets := kadm.Offsets{}
	offsets.AddOffset("orders", 0, 1, -1)
	offsets.AddOffset("secret", 0, 1, -1)
	if resp, err := adm.CommitOffsets(apiCtx(t), "g1", offsets); err != nil || resp.Error() != nil {
		t.Fatalf("admin's commit: %v %v", err, resp.Error())
	}
	_, err := adminAs(t, c, "alice").FetchOffsets(apiCtx(t), "g1")
	if !errors.Is(err, kerr.GroupAuthorizationFailed) {
		t.Fatalf("alice's OffsetFetch without DESCRIBE on g1: %v, want GROUP_AUTHORIZATION_FAILED", err)
	}
	grant(t, c, kadm.NewACLs().Allow("User:alice").Groups("g1").Operations(kadm.OpDescribe))
	grant(t, c, kadm.NewACLs().Allow("User:alice").Topics("orders").Operations(kadm.OpDescribe))
	fetched, err := adminAs(t, c, "alice").FetchOffsets(apiCtx(t), "g1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fetched.Lookup("secret", 0); ok {
		t.Errorf("alice's fetch of every committed offset shows secret: %+v", fetched)
	}
	if o, ok := fetched.Lookup("orders", 0); !ok || o.At != 1 {
		t.Errorf("alice's fetch: orders/0 = %+v (%v), want offset 1", o, ok)
	}
	// Before v8, one group per request, and a named topic she may not
	// describe is answered TOPIC_AUTHORIZATION_FAILED.
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = "g1"
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic, rt.Partitions = "secret", []int32{0}
	req.Topics = append(req.Topics, rt)
	v7 := sendTo[*kmsg.OffsetFetchResponse](t, pinnedClient(t, c, int16(kmsg.OffsetFetch), 7, kgo.ClientID("alice")), 1, req)
	wantCode(t, "alice's OffsetFetch v7 for secret", v7.Topics[0].Partitions[0].ErrorCode, kerr.TopicAuthorizationFailed)
}
