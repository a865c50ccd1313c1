package broker

// DescribeQuorum (key 55), versions 0-2.
//
// The state of the KRaft controller quorum (KIP-595, KIP-642, KIP-853 for
// v2): the leader of the metadata log __cluster_metadata-0, its epoch and
// high watermark, and each voter's and observer's log end offset and
// last fetch. kafka-metadata-quorum.sh describe --status and
// --replication print it. A Kafka broker forwards the request to the
// active controller, which answers after checking DESCRIBE on the
// cluster (CLUSTER_AUTHORIZATION_FAILED as the top-level error
// otherwise).
//
// gregor's controller is one in-process object, not a Raft quorum, so
// it is described as the quorum of a single combined node would be, as
// `kafka-storage.sh format --standalone` makes one:
//
//   - one voter, the controller's broker (the lowest broker id, as
//     Metadata's controller id), leading in epoch 1, the epoch a
//     standalone controller elects itself in on a fresh cluster (gregor
//     never elects another, so it stays 1);
//   - the other running brokers are observers, as brokers that are not
//     voters follow the metadata log; each applies every image before
//     the change returns (controller.publish), so each is caught up;
//   - the high watermark (and every log end offset) is the number of
//     metadata images published since the cluster started, where Kafka
//     counts metadata records, its periodic no-op records included; both
//     only grow while the cluster runs;
//   - each replica's directory id is its broker's directory.id in
//     meta.properties; the fetch and caught-up times are now, as a Raft
//     leader reports its own; v2's node endpoints are the voter's broker listener, since
//     gregor has no separate CONTROLLER listener.
//
// Any partition other than __cluster_metadata-0 is answered
// UNKNOWN_TOPIC_OR_PARTITION, as Kafka's Raft client answers it.

import (
	"encoding/base64"
	"strings"

	"github.com/gregorkafka/gregor/acl"
	"github.com/gregorkafka/gregor/segment"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() {
	register(0, 2, handleDescribeQuorum)
	authRules[int16(kmsg.DescribeQuorum)] = func(z *authz, r *request, h handler) (kmsg.Response, error) {
		if !z.cluster(acl.OpDescribe) {
			resp := responseFor(r, r.body.(*kmsg.DescribeQuorumRequest).ResponseKind().(*kmsg.DescribeQuorumResponse))
			resp.ErrorCode = kerr.ClusterAuthorizationFailed.Code
			msg := kerr.ClusterAuthorizationFailed.Description
			resp.ErrorMessage = &msg
			return resp, nil
		}
		return h(r)
	}
}

// The metadata log, Kafka's __cluster_metadata-0.
const (
	metadataTopic     = "__cluster_metadata"
	metadataPartition = 0
	// quorumEpoch is the leader epoch of a standalone controller that
	// was never re-elected.
	quorumEpoch = 1
)

func handleDescribeQuorum(r *request, req *kmsg.DescribeQuorumRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeQuorumResponse))
	described := false
	for _, t := range req.Topics {
		rt := kmsg.NewDescribeQuorumResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			if t.Topic != metadataTopic || p.Partition != metadataPartition {
				rp := kmsg.NewDescribeQuorumResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
				msg := "This server does not host this topic-partition."
				rp.ErrorMessage = &msg
				rt.Partitions = append(rt.Partitions, rp)
				continue
			}
			rt.Partitions = append(rt.Partitions, r.broker.cluster.quorumState())
			described = true
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if described && r.version >= 2 {
		resp.Nodes = r.broker.cluster.quorumNodes()
	}
	return resp, nil
}

// quorumState describes __cluster_metadata-0 as the single-voter quorum
// above.
func (c *Cluster) quorumState() kmsg.DescribeQuorumResponseTopicPartition {
	im := c.ctl.current()
	hw := c.ctl.published.Load()
	now := c.clock.Now().UnixMilli()
	p := kmsg.NewDescribeQuorumResponseTopicPartition()
	p.Partition = metadataPartition
	p.LeaderID = im.controllerID
	p.LeaderEpoch = quorumEpoch
	p.HighWatermark = hw
	replica := func(id int32) kmsg.DescribeQuorumResponseTopicPartitionReplicaState {
		s := kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
		s.ReplicaID = id
		s.LogEndOffset = hw
		s.LastFetchTimestamp, s.LastCaughtUpTimestamp = now, now
		if b := c.Broker(id); b != nil {
			s.ReplicaDirectoryID = directoryID(b.logDir)
		}
		return s
	}
	p.CurrentVoters = append(p.CurrentVoters, replica(im.controllerID))
	for _, id := range im.liveBrokers() {
		if id != im.controllerID {
			p.Observers = append(p.Observers, replica(id))
		}
	}
	return p
}

// quorumNodes is v2's endpoint list: the voter and the address a client
// reaches it on.
func (c *Cluster) quorumNodes() []kmsg.DescribeQuorumResponseNode {
	im := c.ctl.current()
	n := kmsg.NewDescribeQuorumResponseNode()
	n.NodeID = im.controllerID
	if b, ok := im.brokers[im.controllerID]; ok {
		l := kmsg.NewDescribeQuorumResponseNodeListener()
		l.Name, l.Host, l.Port = c.listenerPlan[0].name, b.host, uint16(b.port) // the first listener (listeners_config.go)
		n.Listeners = append(n.Listeners, l)
	}
	return []kmsg.DescribeQuorumResponseNode{n}
}

// directoryID reads the directory.id of a broker's meta.properties, a
// Kafka Uuid in URL-safe base64; the zero Uuid when there is none.
func directoryID(dir segment.Dir) [16]byte {
	var id [16]byte
	b, err := segment.ReadFile(dir, "meta.properties")
	if err != nil {
		return id
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "directory.id="); ok {
			if raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(v)); err == nil && len(raw) == len(id) {
				copy(id[:], raw)
			}
		}
	}
	return id
}
