package broker

import (
	"reflect"

	"github.com/gregorkafka/gregor/acl"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Rules for the APIs that describe: they hide what the principal may not
// DESCRIBE (a listing leaves it out, a request naming it gets the
// authorization error) and report the authorized operations computed
// from the ACLs.

// authMetadata: DESCRIBE on each topic. A full listing leaves out the
// topics the principal may not describe; a named one is answered
// TOPIC_AUTHORIZATION_FAILED, and so is a missing one it may not CREATE
// (on the cluster or the topic) when the request would auto-create it
// (KafkaApis.handleTopicMetadataRequest).
func authMetadata(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.MetadataRequest)
	all := req.Topics == nil || (r.version == 0 && len(req.Topics) == 0)
	var resp kmsg.Response
	var err error
	if all {
		resp, err = h(r)
	} else {
		autoCreate := r.broker.config.Bool("auto.create.topics.enable") && (r.version < 4 || req.AllowAutoTopicCreation)
		resp, err = filterItems(r, "Topics", func(v reflect.Value) int16 {
			name := z.itemName(v)
			switch {
			case name == "":
				return 0
			case !z.allowed(acl.OpDescribe, acl.ResourceTopic, name):
				return kerr.TopicAuthorizationFailed.Code
			case autoCreate && z.im.topics[name] == nil && !z.clusterFallback(acl.OpCreate) && !z.allowed(acl.OpCreate, acl.ResourceTopic, name):
				return kerr.TopicAuthorizationFailed.Code
			}
			return 0
		}, h)
	}
	if err != nil || resp == nil {
		return resp, err
	}
	mr := resp.(*kmsg.MetadataResponse)
	kept := mr.Topics[:0]
	for _, t := range mr.Topics {
		if all && t.Topic != nil && !z.filtering(acl.OpDescribe, acl.ResourceTopic, *t.Topic) {
			continue
		}
		if t.ErrorCode == 0 && t.Topic != nil && t.AuthorizedOperations != notRequestedOps {
			t.AuthorizedOperations = z.ops(acl.ResourceTopic, *t.Topic)
		}
		kept = append(kept, t)
	}
	mr.Topics = kept
	if mr.AuthorizedOperations != notRequestedOps {
		mr.AuthorizedOperations = z.ops(acl.ResourceCluster, acl.ClusterName)
	}
	return mr, nil
}

// authDescribeTopicPartitions: as Metadata, DESCRIBE on each topic;
// listed topics are left out, named ones answered
// TOPIC_AUTHORIZATION_FAILED.
func authDescribeTopicPartitions(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.DescribeTopicPartitionsRequest)
	resp, err := h(r)
	if err != nil || resp == nil {
		return resp, err
	}
	dr := resp.(*kmsg.DescribeTopicPartitionsResponse)
	kept := dr.Topics[:0]
	for _, t := range dr.Topics {
		if t.Topic != nil && !z.decide(acl.OpDescribe, acl.ResourceTopic, *t.Topic, true, len(req.Topics) > 0) {
			if len(req.Topics) == 0 {
				continue
			}
			denied := kmsg.NewDescribeTopicPartitionsResponseTopic()
			denied.Topic, denied.ErrorCode = t.Topic, kerr.TopicAuthorizationFailed.Code
			denied.AuthorizedOperations = notRequestedOps
			t = denied
		} else if t.ErrorCode == 0 && t.Topic != nil {
			t.AuthorizedOperations = z.ops(acl.ResourceTopic, *t.Topic)
		}
		kept = append(kept, t)
	}
	dr.Topics = kept
	return dr, nil
}

// authDescribeCluster reports the cluster's authorized operations; it
// needs no permission itself, as in Kafka.
func authDescribeCluster(z *authz, r *request, h handler) (kmsg.Response, error) {
	resp, err := h(r)
	if err != nil || resp == nil {
		return resp, err
	}
	dr := resp.(*kmsg.DescribeClusterResponse)
	if dr.ClusterAuthorizedOperations != notRequestedOps {
		dr.ClusterAuthorizedOperations = z.ops(acl.ResourceCluster, acl.ClusterName)
	}
	return dr, nil
}

// authDescribeGroups: DESCRIBE on each group, and its authorized
// operations when asked.
func authDescribeGroups(z *authz, r *request, h handler) (kmsg.Response, error) {
	resp, err := filterItems(r, "Groups", z.denyGroups(acl.OpDescribe), h)
	if err != nil || resp == nil {
		return resp, err
	}
	dr := resp.(*kmsg.DescribeGroupsResponse)
	for i := range dr.Groups {
		if g := &dr.Groups[i]; g.ErrorCode == 0 && g.AuthorizedOperations != notRequestedOps {
			g.AuthorizedOperations = z.ops(acl.ResourceGroup, g.Group)
		} else if g.ErrorCode != 0 {
			g.AuthorizedOperations = notRequestedOps
		}
	}
	return dr, nil
}

// authConsumerGroupDescribe: as DescribeGroups, for KIP-848 groups.
func authConsumerGroupDescribe(z *authz, r *request, h handler) (kmsg.Response, error) {
	resp, err := filterItems(r, "Groups", z.denyGroups(acl.OpDescribe), h)
	if err != nil || resp == nil {
		return resp, err
	}
	dr := resp.(*kmsg.ConsumerGroupDescribeResponse)
	for i := range dr.Groups {
		if g := &dr.Groups[i]; g.ErrorCode == 0 && g.AuthorizedOperations != notRequestedOps {
			g.AuthorizedOperations = z.ops(acl.ResourceGroup, g.Group)
		} else if g.ErrorCode != 0 {
			g.AuthorizedOperations = notRequestedOps
		}
	}
	return dr, nil
}

// authListGroups: DESCRIBE on the cluster lists every group; otherwise
// only the groups the principal may DESCRIBE.
func authListGroups(z *authz, r *request, h handler) (kmsg.Response, error) {
	resp, err := h(r)
	if err != nil || resp == nil || z.clusterFallback(acl.OpDescribe) {
		return resp, err
	}
	lr := resp.(*kmsg.ListGroupsResponse)
	kept := lr.Groups[:0]
	for _, g := range lr.Groups {
		if z.filtering(acl.OpDescribe, acl.ResourceGroup, g.Group) {
			kept = append(kept, g)
		}
	}
	lr.Groups = kept
	return lr, nil
}

// authOffsetFetch: DESCRIBE on the group (each group from v8), then
// DESCRIBE on each topic: a topic asked for by name is answered
// TOPIC_AUTHORIZATION_FAILED, and a fetch of every committed topic
// leaves the others out.
func authOffsetFetch(z *authz, r *request, h handler) (kmsg.Response, error) {
	req := r.body.(*kmsg.OffsetFetchRequest)
	if r.version < 8 {
		if !z.allowed(acl.OpDescribe, acl.ResourceGroup, req.Group) {
			resp := errorResponse(r, kerr.GroupAuthorizationFailed.Code).(*kmsg.OffsetFetchResponse)
			resp.ErrorCode = kerr.GroupAuthorizationFailed.Code
			return resp, nil
		}
		resp, err := h(r)
		if err != nil || resp == nil {
			return resp, err
		}
		or := resp.(*kmsg.OffsetFetchResponse)
		or.Topics = z.offsetFetchTopics(or.Topics, req.Topics == nil)
		return or, nil
	}
	named := map[string]bool{}
	for _, g := range req.Groups {
		named[g.Group] = g.Topics != nil
	}
	resp, err := filterItems(r, "Groups", z.denyGroups(acl.OpDescribe), h)
	if err != nil || resp == nil {
		return resp, err
	}
	or := resp.(*kmsg.OffsetFetchResponse)
	for i := range or.Groups {
		if g := &or.Groups[i]; g.ErrorCode != kerr.GroupAuthorizationFailed.Code {
			topics := make([]kmsg.OffsetFetchResponseTopic, 0, len(g.Topics))
			for _, t := range g.Topics {
				v := kmsg.NewOffsetFetchResponseTopic()
				v.Topic, v.Partitions = t.Topic, nil
				for _, p := range t.Partitions {
					q := kmsg.NewOffsetFetchResponseTopicPartition()
					q.Partition, q.Offset, q.LeaderEpoch, q.Metadata, q.ErrorCode = p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode
					v.Partitions = append(v.Partitions, q)
				}
				topics = append(topics, v)
			}
			topics = z.offsetFetchTopics(topics, !named[g.Group])
			g.Topics = g.Topics[:0]
			for _, t := range topics {
				gt := kmsg.NewOffsetFetchResponseGroupTopic()
				gt.Topic = t.Topic
				for _, p := range t.Partitions {
					gp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
					gp.Partition, gp.Offset, gp.LeaderEpoch, gp.Metadata, gp.ErrorCode = p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode
					gt.Partitions = append(gt.Partitions, gp)
				}
				g.Topics = append(g.Topics, gt)
			}
		}
	}
	return or, nil
}

// offsetFetchTopics applies DESCRIBE on topics to an OffsetFetch answer:
// dropped when every topic was asked for, errors when named.
func (z *authz) offsetFetchTopics(topics []kmsg.OffsetFetchResponseTopic, all bool) []kmsg.OffsetFetchResponseTopic {
	kept := topics[:0]
	for _, t := range topics {
		if !z.allowed(acl.OpDescribe, acl.ResourceTopic, t.Topic) {
			if all {
				continue
			}
			for i := range t.Partitions {
				t.Partitions[i].Offset, t.Partitions[i].Metadata = -1, nil
				t.Partitions[i].ErrorCode = kerr.TopicAuthorizationFailed.Code
			}
		}
		kept = append(kept, t)
	}
	return kept
}
