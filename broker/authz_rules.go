package broker

import (
	"errors"
	"reflect"

	"github.com/gregorkafka/gregor/acl"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// authRules is Kafka's authorization, API by API, as KafkaApis and the
// group and transaction handlers of Kafka 4.x apply it. An API absent
// from the table is not checked (ApiVersions, and the SASL handshake,
// which runs before there is a principal); authz_test.go insists that
// every API the broker serves has an entry. The transaction APIs that
// only look, and WriteTxnMarkers, are in authz_txnrules.go.
var authRules = map[int16]authRule{
	int16(kmsg.ApiVersions):                  nil,
	int16(kmsg.SASLHandshake):                nil,
	int16(kmsg.SASLAuthenticate):             nil,
	int16(kmsg.Produce):                      authProduce,
	int16(kmsg.Fetch):                        authFetch,
	int16(kmsg.ListOffsets):                  topics(acl.OpDescribe),
	int16(kmsg.OffsetForLeaderEpoch):         topics(acl.OpDescribe),
	int16(kmsg.Metadata):                     authMetadata,
	int16(kmsg.DescribeTopicPartitions):      authDescribeTopicPartitions,
	int16(kmsg.DescribeCluster):              authDescribeCluster,
	int16(kmsg.CreateTopics):                 authCreateTopics,
	int16(kmsg.DeleteTopics):                 authDeleteTopics,
	int16(kmsg.CreatePartitions):             topics(acl.OpAlter),
	int16(kmsg.DeleteRecords):                topics(acl.OpDelete),
	int16(kmsg.DescribeConfigs):              configResources(acl.OpDescribeConfigs),
	int16(kmsg.AlterConfigs):                 configResources(acl.OpAlterConfigs),
	int16(kmsg.IncrementalAlterConfigs):      configResources(acl.OpAlterConfigs),
	int16(kmsg.DescribeLogDirs):              clusterOp(acl.OpDescribe),
	int16(kmsg.ElectLeaders):                 clusterOp(acl.OpAlter),
	int16(kmsg.AlterPartitionAssignments):    clusterOp(acl.OpAlter),
	int16(kmsg.ListPartitionReassignments):   clusterOp(acl.OpDescribe),
	int16(kmsg.DescribeACLs):                 parsedFirst(checkDescribeFilter, clusterOp(acl.OpDescribe)),
	int16(kmsg.CreateACLs):                   clusterOp(acl.OpAlter),
	int16(kmsg.DeleteACLs):                   parsedFirst(func(b kmsg.Request) error { return checkDeleteFilters(b.(*kmsg.DeleteACLsRequest)) }, clusterOp(acl.OpAlter)),
	int16(kmsg.DescribeClientQuotas):         clusterOp(acl.OpDescribeConfigs),
	int16(kmsg.AlterClientQuotas):            clusterOp(acl.OpAlterConfigs),
	int16(kmsg.DescribeUserSCRAMCredentials): clusterOp(acl.OpDescribe),
	int16(kmsg.AlterUserSCRAMCredentials):    clusterOp(acl.OpAlter),
	int16(kmsg.UpdateFeatures):               clusterOp(acl.OpAlter),

	// Groups: READ to be a member or commit, DESCRIBE to look, DELETE
	// to remove; committing and deleting offsets also need READ on each
	// topic.
	int16(kmsg.FindCoordinator):        authFindCoordinator,
	int16(kmsg.JoinGroup):              oneGroup(acl.OpRead, func(b kmsg.Request) string { return b.(*kmsg.JoinGroupRequest).Group }),
	int16(kmsg.SyncGroup):              oneGroup(acl.OpRead, func(b kmsg.Request) string { return b.(*kmsg.SyncGroupRequest).Group }),
	int16(kmsg.Heartbeat):              oneGroup(acl.OpRead, func(b kmsg.Request) string { return b.(*kmsg.HeartbeatRequest).Group }),
	int16(kmsg.LeaveGroup):             oneGroup(acl.OpRead, func(b kmsg.Request) string { return b.(*kmsg.LeaveGroupRequest).Group }),
	int16(kmsg.ConsumerGroupHeartbeat): authConsumerGroupHeartbeat,
	int16(kmsg.OffsetCommit):           authOffsetCommit,
	int16(kmsg.OffsetFetch):            authOffsetFetch,
	int16(kmsg.OffsetDelete):           authOffsetDelete,
	int16(kmsg.DescribeGroups):         authDescribeGroups,
	int16(kmsg.ConsumerGroupDescribe):  authConsumerGroupDescribe,
	int16(kmsg.ListGroups):             authListGroups,
	int16(kmsg.DeleteGroups): func(z *authz, r *request, h handler) (kmsg.Response, error) {
		return filterItems(r, "Groups", z.denyGroups(acl.OpDelete), h)
	},

	// Transactions: WRITE on the transactional id for every step of a
	// transaction; an idempotent producer needs IDEMPOTENT_WRITE on the
	// cluster or WRITE on some topic (KIP-679).
	int16(kmsg.InitProducerID):     authInitProducerID,
	int16(kmsg.AddPartitionsToTxn): authAddPartitionsToTxn,
	int16(kmsg.AddOffsetsToTxn):    authAddOffsetsToTxn,
	int16(kmsg.EndTxn):             txnID(func(b kmsg.Request) string { return b.(*kmsg.EndTxnRequest).TransactionalID }),
	int16(kmsg.TxnOffsetCommit):    authTxnOffsetCommit,
}

type handler = func(*request) (kmsg.Response, error)

// clusterOp requires op on the cluster, else CLUSTER_AUTHORIZATION_FAILED
// on everything the request names.
func clusterOp(op acl.Operation) authRule {
	return func(z *authz, r *request, h handler) (kmsg.Response, error) {
		if !z.cluster(op) {
			return clusterDenied(r), nil
		}
		return h(r)
	}
}

// clusterDenied answers a request denied on the cluster: on each of its
// items, and for the ACL APIs, whose answers do not mirror their
// requests' lists, on each creation or filter.
func clusterDenied(r *request) kmsg.Response {
	code := kerr.ClusterAuthorizationFailed.Code
	resp := errorResponse(r, code)
	switch resp := resp.(type) {
	case *kmsg.CreateACLsResponse:
		for range r.body.(*kmsg.CreateACLsRequest).Creations {
			res := kmsg.NewCreateACLsResponseResult()
			res.ErrorCode = code
			resp.Results = append(resp.Results, res)
		}
	case *kmsg.WriteTxnMarkersResponse:
		// Every partition of every marker, as
		// WriteTxnMarkersRequest.getErrorResponse answers.
		resp.Markers = nil
		for _, m := range r.body.(*kmsg.WriteTxnMarkersRequest).Markers {
			rm := kmsg.NewWriteTxnMarkersResponseMarker()
			rm.ProducerID = m.ProducerID
			for _, t := range m.Topics {
				rt := kmsg.NewWriteTxnMarkersResponseMarkerTopic()
				rt.Topic = t.Topic
				for _, p := range t.Partitions {
					rp := kmsg.NewWriteTxnMarkersResponseMarkerTopicPartition()
					rp.Partition, rp.ErrorCode = p, code
					rt.Partitions = append(rt.Partitions, rp)
				}
				rm.Topics = append(rm.Topics, rt)
			}
			resp.Markers = append(resp.Markers, rm)
		}
	case *kmsg.DeleteACLsResponse:
		for range r.body.(*kmsg.DeleteACLsRequest).Filters {
			res := kmsg.NewDeleteACLsResponseResult()
			res.ErrorCode = code
			resp.Results = append(resp.Results, res)
		}
	case *kmsg.AlterPartitionAssignmentsResponse, *kmsg.ListPartitionReassignmentsResponse:
		reassignmentsDenied(r, resp, code)
	}
	return resp
}

// parsedFirst closes the connection on a request Kafka could not parse
// before rule authorizes it: Kafka parses before it authorizes.
func parsedFirst(check func(kmsg.Request) error, rule authRule) authRule {
	return func(z *authz, r *request, h handler) (kmsg.Response, error) {
		if err := check(r.body); err != nil {
			return nil, err
		}
		return rule(z, r, h)
	}
}

func checkDescribeFilter(b kmsg.Request) error {
	_, err := describeFilter(b.(*kmsg.DescribeACLsRequest))
	return err
}

// topics requires op on each topic named; the others proceed.
func topics(op acl.Operation) authRule {
	return func(z *authz, r *request, h handler) (kmsg.Response, error) {
		return filterItems(r, "Topics", z.denyTopics(op), h)
	}
}

// oneGroup requires op on the request's one group.
func oneGroup(op acl.Operation, name func(kmsg.Request) string) authRule {
	return func(z *authz, r *request, h handler) (kmsg.Response, error) {
		if !z.allowed(op, acl.ResourceGroup, name(r.body)) {
			return topLevelError(r, kerr.GroupAuthorizationFailed.Code), nil
		}
		return h(r)
	}
}

// txnID requires WRITE on the request's transactional id.
func txnID(id func(kmsg.Request) string) authRule {
	return func(z *authz, r *request, h handler) (kmsg.Response, error) {
		if !z.allowed(acl.OpWrite, acl.ResourceTransactionalID, id(r.body)) {
			return topLevelError(r, kerr.TransactionalIDAuthorizationFailed.Code), nil
		}
		return h(r)
	}
}

// authProduce: WRITE on the transactional id of a transactional
// produce, then WRITE on each topic.
func authProduce(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.ProduceRequest)
	if req.TransactionID != nil && !z.allowed(acl.OpWrite, acl.ResourceTransactionalID, *req.TransactionID) {
		return errorResponse(r, kerr.TransactionalIDAuthorizationFailed.Code), nil
	}
	deny := z.denyTopics(acl.OpWrite)
	denied := false
	resp, err := filterItems(r, "Topics", func(v reflect.Value) int16 {
		code := deny(v)
		denied = denied || code != 0
		return code
	}, h)
	if err == nil && denied && req.Acks == 0 {
		// No answer is due to carry the error: Kafka closes the
		// connection, after appending what was allowed, so that the
		// producer notices and refreshes its metadata.
		return nil, errors.New("acks=0 produce to a topic the principal may not WRITE: closing the connection so the producer notices")
	}
	return resp, err
}

// authFetch: a follower's fetch needs CLUSTER_ACTION; a consumer's READ
// on each topic.
func authFetch(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.FetchRequest)
	if (req.ReplicaID >= 0 || req.ReplicaState.ID >= 0) && !z.cluster(acl.OpClusterAction) {
		return errorResponse(r, kerr.ClusterAuthorizationFailed.Code), nil
	}
	return filterItems(r, "Topics", z.denyTopics(acl.OpRead), h)
}

// authCreateTopics: CREATE on the cluster allows every topic; otherwise
// CREATE on each.
func authCreateTopics(z *authz, r *request, h handler) (kmsg.Response, error) {
	var resp kmsg.Response
	var err error
	if z.clusterFallback(acl.OpCreate) {
		resp, err = h(r)
	} else {
		resp, err = filterItems(r, "Topics", z.denyTopics(acl.OpCreate), h)
	}
	if err != nil || resp == nil {
		return resp, err
	}
	hideUndescribableConfigs(z, resp.(*kmsg.CreateTopicsResponse))
	return resp, nil
}

// hideUndescribableConfigs keeps the configs, partition count and
// replication factor of a created topic from a principal without
// DESCRIBE_CONFIGS on it: Kafka's controller leaves them out (empty
// configs, -1 and -1) and says why in the configs error code, v5+'s
// TOPIC_AUTHORIZATION_FAILED.
func hideUndescribableConfigs(z *authz, resp *kmsg.CreateTopicsResponse) {
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if t.ErrorCode != 0 || z.filtering(acl.OpDescribeConfigs, acl.ResourceTopic, t.Topic) {
			continue
		}
		t.Configs = []kmsg.CreateTopicsResponseTopicConfig{}
		t.NumPartitions, t.ReplicationFactor = -1, -1
		t.ConfigErrorCode = kerr.TopicAuthorizationFailed.Code
	}
}

// authDeleteTopics: DELETE on each topic, named (v0-v5 TopicNames, v6
// Topics) or by id.
func authDeleteTopics(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.DeleteTopicsRequest)
	if r.version < 6 {
		var denied []string
		kept := []string{}
		for _, name := range req.TopicNames {
			if z.allowed(acl.OpDelete, acl.ResourceTopic, name) {
				kept = append(kept, name)
			} else {
				denied = append(denied, name)
			}
		}
		if len(denied) == 0 {
			return h(r)
		}
		cp := *req
		cp.TopicNames = kept
		// v0-v5 and v6 answer in the same Topics list.
		cp.Topics = nil
		for _, name := range kept {
			t := kmsg.NewDeleteTopicsRequestTopic()
			t.Topic = &name
			cp.Topics = append(cp.Topics, t)
		}
		filtered := *r
		filtered.body = &cp
		resp, err := h(&filtered)
		if err != nil || resp == nil {
			return resp, err
		}
		dr := resp.(*kmsg.DeleteTopicsResponse)
		for _, name := range denied {
			t := kmsg.NewDeleteTopicsResponseTopic()
			t.Topic, t.ErrorCode = &name, kerr.TopicAuthorizationFailed.Code
			dr.Topics = append(dr.Topics, t)
		}
		return dr, nil
	}
	return filterItems(r, "Topics", z.denyTopics(acl.OpDelete), h)
}

// configResources: topics need op on the topic, brokers (and broker
// loggers) op on the cluster.
func configResources(op acl.Operation) authRule {
	return func(z *authz, r *request, h handler) (kmsg.Response, error) {
		return filterItems(r, "Resources", func(v reflect.Value) int16 {
			name := v.FieldByName("ResourceName").String()
			switch kmsg.ConfigResourceType(v.FieldByName("ResourceType").Int()) {
			case kmsg.ConfigResourceTypeTopic:
				if !z.allowed(op, acl.ResourceTopic, name) {
					return kerr.TopicAuthorizationFailed.Code
				}
			case kmsg.ConfigResourceTypeGroupConfig:
				if !z.allowed(op, acl.ResourceGroup, name) {
					return kerr.GroupAuthorizationFailed.Code
				}
			default:
				if !z.cluster(op) {
					return kerr.ClusterAuthorizationFailed.Code
				}
			}
			return 0
		}, h)
	}
}

// authOffsetCommit: READ on the group, then READ on each topic.
func authOffsetCommit(z *authz, r *request, h handler) (kmsg.Response, error) {
	if !z.allowed(acl.OpRead, acl.ResourceGroup, r.body.(*kmsg.OffsetCommitRequest).Group) {
		return errorResponse(r, kerr.GroupAuthorizationFailed.Code), nil
	}
	return filterItems(r, "Topics", z.denyTopics(acl.OpRead), h)
}

// authOffsetDelete: DELETE on the group, READ on each topic.
func authOffsetDelete(z *authz, r *request, h handler) (kmsg.Response, error) {
	if !z.allowed(acl.OpDelete, acl.ResourceGroup, r.body.(*kmsg.OffsetDeleteRequest).Group) {
		return topLevelError(r, kerr.GroupAuthorizationFailed.Code), nil
	}
	return filterItems(r, "Topics", z.denyTopics(acl.OpRead), h)
}

// authInitProducerID: WRITE on the transactional id, or for an
// idempotent producer IDEMPOTENT_WRITE on the cluster or WRITE on at
// least one topic.
func authInitProducerID(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.InitProducerIDRequest)
	if req.TransactionalID != nil {
		if !z.allowed(acl.OpWrite, acl.ResourceTransactionalID, *req.TransactionalID) {
			return topLevelError(r, kerr.TransactionalIDAuthorizationFailed.Code), nil
		}
		return h(r)
	}
	if !z.cluster(acl.OpIdempotentWrite) &&
		!z.a.AuthorizeByResourceType(z.acls, z.principal, z.host, acl.OpWrite, acl.ResourceTopic) {
		return topLevelError(r, kerr.ClusterAuthorizationFailed.Code), nil
	}
	return h(r)
}

// authAddPartitionsToTxn: a client's request (v0-v3) needs WRITE on the
// transactional id and on each topic; a broker's batched verification
// (v4+) needs CLUSTER_ACTION. One denied topic fails the whole request,
// as in KafkaApis: no partition is added, the denied ones are answered
// TOPIC_AUTHORIZATION_FAILED, unknown ones UNKNOWN_TOPIC_OR_PARTITION,
// and the rest OPERATION_NOT_ATTEMPTED.
func authAddPartitionsToTxn(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.AddPartitionsToTxnRequest)
	if r.version >= 4 {
		return clusterOp(acl.OpClusterAction)(z, r, h)
	}
	if !z.allowed(acl.OpWrite, acl.ResourceTransactionalID, req.TransactionalID) {
		return errorResponse(r, kerr.TransactionalIDAuthorizationFailed.Code), nil
	}
	denied := map[string]bool{}
	for _, t := range req.Topics {
		if !z.allowed(acl.OpWrite, acl.ResourceTopic, t.Topic) {
			denied[t.Topic] = true
		}
	}
	if len(denied) == 0 {
		return h(r)
	}
	resp := responseFor(r, req.ResponseKind().(*kmsg.AddPartitionsToTxnResponse))
	for _, t := range req.Topics {
		rt := kmsg.NewAddPartitionsToTxnResponseTopic()
		rt.Topic = t.Topic
		ti := z.im.topics[t.Topic]
		for _, p := range t.Partitions {
			rp := kmsg.NewAddPartitionsToTxnResponseTopicPartition()
			rp.Partition = p
			switch {
			case denied[t.Topic]:
				rp.ErrorCode = kerr.TopicAuthorizationFailed.Code
			case ti == nil || p < 0 || int(p) >= len(ti.partitions):
				rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
			default:
				rp.ErrorCode = kerr.OperationNotAttempted.Code
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

// authConsumerGroupHeartbeat: READ on the group, then DESCRIBE on every
// subscribed topic the heartbeat names: a member may not learn of a
// topic it cannot describe by subscribing to it, so one denied topic
// answers the whole heartbeat TOPIC_AUTHORIZATION_FAILED (KafkaApis).
func authConsumerGroupHeartbeat(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.ConsumerGroupHeartbeatRequest)
	if !z.allowed(acl.OpRead, acl.ResourceGroup, req.Group) {
		return topLevelError(r, kerr.GroupAuthorizationFailed.Code), nil
	}
	denied := false
	for _, t := range req.SubscribedTopicNames {
		denied = !z.allowed(acl.OpDescribe, acl.ResourceTopic, t) || denied
	}
	if denied {
		return topLevelError(r, kerr.TopicAuthorizationFailed.Code), nil
	}
	return h(r)
}

// authAddOffsetsToTxn: WRITE on the transactional id, READ on the group.
func authAddOffsetsToTxn(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.AddOffsetsToTxnRequest)
	if !z.allowed(acl.OpWrite, acl.ResourceTransactionalID, req.TransactionalID) {
		return topLevelError(r, kerr.TransactionalIDAuthorizationFailed.Code), nil
	}
	if !z.allowed(acl.OpRead, acl.ResourceGroup, req.Group) {
		return topLevelError(r, kerr.GroupAuthorizationFailed.Code), nil
	}
	return h(r)
}

// authTxnOffsetCommit: WRITE on the transactional id, READ on the group
// and on each topic.
func authTxnOffsetCommit(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.TxnOffsetCommitRequest)
	if !z.allowed(acl.OpWrite, acl.ResourceTransactionalID, req.TransactionalID) {
		return errorResponse(r, kerr.TransactionalIDAuthorizationFailed.Code), nil
	}
	if !z.allowed(acl.OpRead, acl.ResourceGroup, req.Group) {
		return errorResponse(r, kerr.GroupAuthorizationFailed.Code), nil
	}
	return filterItems(r, "Topics", z.denyTopics(acl.OpRead), h)
}

// authFindCoordinator: DESCRIBE on the group or transactional id looked
// up; a denied key is answered with its error and no coordinator.
func authFindCoordinator(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.FindCoordinatorRequest)
	rt, code := acl.ResourceGroup, kerr.GroupAuthorizationFailed.Code
	if req.CoordinatorType == 1 {
		rt, code = acl.ResourceTransactionalID, kerr.TransactionalIDAuthorizationFailed.Code
	}
	if r.version < 4 {
		if !z.allowed(acl.OpDescribe, rt, req.CoordinatorKey) {
			resp := topLevelError(r, code).(*kmsg.FindCoordinatorResponse)
			resp.NodeID, resp.Port = -1, -1
			return resp, nil
		}
		return h(r)
	}
	var denied []string
	cp := *req
	cp.CoordinatorKeys = nil
	for _, k := range req.CoordinatorKeys {
		if z.allowed(acl.OpDescribe, rt, k) {
			cp.CoordinatorKeys = append(cp.CoordinatorKeys, k)
		} else {
			denied = append(denied, k)
		}
	}
	if len(denied) == 0 {
		return h(r)
	}
	filtered := *r
	filtered.body = &cp
	resp := responseFor(r, req.ResponseKind().(*kmsg.FindCoordinatorResponse))
	if len(cp.CoordinatorKeys) > 0 {
		out, err := h(&filtered)
		if err != nil || out == nil {
			return out, err
		}
		resp = out.(*kmsg.FindCoordinatorResponse)
	}
	for _, k := range denied {
		c := kmsg.NewFindCoordinatorResponseCoordinator()
		c.Key, c.NodeID, c.Port, c.ErrorCode = k, -1, -1, code
		resp.Coordinators = append(resp.Coordinators, c)
	}
	return resp, nil
}
