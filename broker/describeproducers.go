package broker

// DescribeProducers (key 61), version 0 (KIP-664).
//
// The producer state a partition replica keeps (partition/producers.go):
// per producer id its epoch, last sequence, last timestamp, the epoch of
// the transaction coordinator that wrote its last marker, and the first
// offset of its open transaction (-1 for none). Admin tools use it to
// find the transaction holding back a partition's last stable offset
// (kafka-transactions.sh find-hanging). As in Kafka's
// ReplicaManager.activeProducerState, a topic or partition that does not
// exist is UNKNOWN_TOPIC_OR_PARTITION, a broker with no replica of it
// NOT_LEADER_OR_FOLLOWER, and any replica, follower or leader, describes
// the producers of its own log: find-hanging --broker-id asks each broker
// about every partition it holds.

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(0, 0, handleDescribeProducers) }

func handleDescribeProducers(r *request, req *kmsg.DescribeProducersRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeProducersResponse))
	im := r.broker.cluster.ctl.current()
	for _, t := range req.Topics {
		rt := kmsg.NewDescribeProducersResponseTopic()
		rt.Topic = t.Topic
		ti := im.topics[t.Topic]
		for _, p := range t.Partitions {
			rp := kmsg.NewDescribeProducersResponseTopicPartition()
			rp.Partition = p
			fail := func(err error) {
				rp.ErrorCode = kafkaerr.Code(err)
				msg := err.Error()
				rp.ErrorMessage = &msg
			}
			rep := r.broker.replica(t.Topic, p)
			switch {
			case ti == nil || p < 0 || int(p) >= len(ti.partitions):
				fail(kafkaerr.New(kerr.UnknownTopicOrPartition, "this server does not host %s-%d", t.Topic, p))
			case rep == nil:
				fail(kafkaerr.New(kerr.NotLeaderForPartition, "broker %d holds no replica of %s-%d", r.broker.id, t.Topic, p))
			default:
				rp.ActiveProducers = []kmsg.DescribeProducersResponseTopicPartitionActiveProducer{}
				for _, pi := range rep.ActiveProducers() {
					ap := kmsg.NewDescribeProducersResponseTopicPartitionActiveProducer()
					ap.ProducerID, ap.ProducerEpoch, ap.LastSequence = pi.ProducerID, int32(pi.ProducerEpoch), pi.LastSequence
					ap.LastTimestamp, ap.CoordinatorEpoch, ap.CurrentTxnStartOffset = pi.LastTimestamp, pi.CoordinatorEpoch, pi.CurrentTxnStartOffset
					rp.ActiveProducers = append(rp.ActiveProducers, ap)
				}
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
