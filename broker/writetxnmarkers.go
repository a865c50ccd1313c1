package broker

// WriteTxnMarkers (key 27), versions 1-2.
//
// The transaction coordinator's request to partition leaders when a
// transaction ends: for each producer, write a COMMIT or ABORT marker
// (partition.AppendTxnMarker) to every partition of the transaction it
// leads. Kafka removed v0 in 4.0 (KIP-896); v2 carries the marker's
// transaction version (KIP-1228). Each partition is answered on its own,
// as KafkaApis.handleWriteTxnMarkersRequest does:
// UNKNOWN_TOPIC_OR_PARTITION when this broker holds no replica of it,
// then the leader's answer (NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH,
// TRANSACTION_COORDINATOR_FENCED, NOT_ENOUGH_REPLICAS...). Markers are
// written with acks=all and the response waits for the ISR, up to
// Kafka's request.timeout.ms default. A marker on a __consumer_offsets
// partition also completes the group coordinator's pending
// transactional offset commits of that producer.
//
// gregor's coordinator calls writeTxnMarkers in process, as brokers'
// replica fetchers call each other (fetcher.go); clients may send the
// request too.

import (
	"context"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 2, handleWriteTxnMarkers) }

// markerTimeout is Kafka's request.timeout.ms default, the time
// KafkaApis gives marker appends to replicate.
const markerTimeout = 30 * time.Second

func handleWriteTxnMarkers(r *request, req *kmsg.WriteTxnMarkersRequest) (kmsg.Response, error) {
	resp := r.broker.writeTxnMarkers(r.ctx, req)
	resp.SetVersion(r.version)
	return resp, nil
}

// writeTxnMarkers writes the markers of req and waits for the ISR. The
// response has one entry per marker, in order, with an error code per
// partition; ctx ends the wait early (the partitions still waiting get
// the context's error as UNKNOWN_SERVER_ERROR).
func (b *Broker) writeTxnMarkers(ctx context.Context, req *kmsg.WriteTxnMarkersRequest) *kmsg.WriteTxnMarkersResponse {
	resp := req.ResponseKind().(*kmsg.WriteTxnMarkersResponse)
	resp.SetVersion(req.GetVersion())
	var waits []*replicationWait
	type offsetsMarker struct {
		partition int32
		m         partition.TxnMarker
		code      *int16
	}
	var groupMarkers []offsetsMarker
	for _, rm := range req.Markers {
		out := kmsg.NewWriteTxnMarkersResponseMarker()
		out.ProducerID = rm.ProducerID
		m := partition.TxnMarker{ProducerID: rm.ProducerID, ProducerEpoch: rm.ProducerEpoch, Commit: rm.Committed,
			CoordinatorEpoch: rm.CoordinatorEpoch, TransactionVersion: rm.TransactionVersion}
		for _, rt := range rm.Topics {
			ot := kmsg.NewWriteTxnMarkersResponseMarkerTopic()
			ot.Topic = rt.Topic
			ot.Partitions = make([]kmsg.WriteTxnMarkersResponseMarkerTopicPartition, len(rt.Partitions))
			for i, p := range rt.Partitions {
				op := &ot.Partitions[i]
				*op = kmsg.NewWriteTxnMarkersResponseMarkerTopicPartition()
				op.Partition = p
				code := &op.ErrorCode
				fail := func(err error) { *code = kafkaerr.Code(err) }
				rep := b.replica(rt.Topic, p)
				if rep == nil {
					fail(kafkaerr.New(kerr.UnknownTopicOrPartition, "broker %d holds no replica of %s-%d", b.id, rt.Topic, p))
					continue
				}
				res, err := rep.AppendTxnMarker(m, -1)
				if err != nil {
					fail(err)
					continue
				}
				b.markerWritten(rt.Topic, p, m, res.BaseOffset)
				waits = append(waits, &replicationWait{rep: rep, requiredOffset: res.LastOffset + 1, fail: fail})
				if rt.Topic == consumerOffsetsTopic {
					groupMarkers = append(groupMarkers, offsetsMarker{p, m, code})
				}
			}
			out.Topics = append(out.Topics, ot)
		}
		resp.Markers = append(resp.Markers, out)
	}
	b.waitForReplication(ctx, waits, markerTimeout)
	for _, g := range groupMarkers {
		if *g.code != 0 {
			continue
		}
		if err := b.completeGroupTxn(g.partition, g.m); err != nil {
			*g.code = kafkaerr.Code(err)
		}
	}
	return resp
}

// completeGroupTxn hands a marker written on a __consumer_offsets
// partition to the group coordinator (GroupCoordinator.onTransactionCompleted):
// COMMIT applies the producer's pending transactional offsets, ABORT
// drops them.
func (b *Broker) completeGroupTxn(offsetsPartition int32, m partition.TxnMarker) error {
	return b.groups.CompleteTransaction(offsetsPartition, m.ProducerID, m.Commit)
}

// markerWritten reports a marker written as leader.
func (b *Broker) markerWritten(topic string, p int32, m partition.TxnMarker, offset int64) {
	b.logger.Info("transaction marker written", "topic", topic, "partition", p, "producer_id", m.ProducerID,
		"producer_epoch", m.ProducerEpoch, "commit", m.Commit, "coordinator_epoch", m.CoordinatorEpoch, "offset", offset)
	b.cluster.markers.record(TxnMarkerEvent{Broker: b.id, Topic: topic, Partition: p, ProducerID: m.ProducerID,
		ProducerEpoch: m.ProducerEpoch, Commit: m.Commit, CoordinatorEpoch: m.CoordinatorEpoch, Offset: offset})
}
