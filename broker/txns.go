package broker

// The transaction coordinator's place in the broker (package txn has the
// coordinator itself).
//
// As with groups, every broker runs a transaction coordinator, and a
// transactional id is coordinated by the leader of its partition of
// __transaction_state (transaction.state.log.num.partitions, default
// 50). The topic is created on first use, by FindCoordinator, with
// transaction.state.log.replication.factor replicas (capped at the
// number of brokers with a logged note), min.insync.replicas from
// transaction.state.log.min.isr, segment.bytes from
// transaction.state.log.segment.bytes and cleanup.policy=compact, as
// Kafka creates it. The coordinator reaches partition leaders for its
// transaction markers in process, through writeTxnMarkers, as the
// replica fetchers reach leaders (fetcher.go).

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func txnConfig(b *Broker) txn.Config {
	cfg := b.config
	ms := func(name string) time.Duration { return time.Duration(cfg.Long(name)) * time.Millisecond }
	tc := txn.DefaultConfig()
	tc.StateTopicPartitions = int32(cfg.Int("transaction.state.log.num.partitions"))
	tc.MaxTimeout = ms("transaction.max.timeout.ms")
	tc.AbortTimedOutInterval = ms("transaction.abort.timed.out.transaction.cleanup.interval.ms")
	tc.TransactionalIDExpiration = ms("transactional.id.expiration.ms")
	tc.RemoveExpiredInterval = ms("transaction.remove.expired.transaction.cleanup.interval.ms")
	return tc
}

// initTxns creates the broker's transaction coordinator and subscribes
// it to leadership changes of __transaction_state partitions.
func (b *Broker) initTxns() error {
	coord, err := txn.New(txn.Options{
		Config:        txnConfig(b),
		Clock:         b.cluster.clock,
		Logger:        b.logger.With("component", "transaction-coordinator"),
		NewProducerID: func() (int64, error) { return b.cluster.ctl.allocateProducerID() },
		WriteMarkers:  b.sendTxnMarkers,
		Events:        func(e txn.Event) { b.cluster.txnEvents.publish(b.id, e) },
	})
	if err != nil {
		return err
	}
	b.txns = coord
	b.onLeadershipChange(b.txnLeadershipChanged)
	return nil
}

// txnLeadershipChanged loads or unloads a __transaction_state partition.
func (b *Broker) txnLeadershipChanged(ch LeadershipChange) {
	if ch.Topic != transactionStateTopic {
		return
	}
	if t := b.cluster.ctl.current().topics[transactionStateTopic]; t != nil {
		b.txns.SetStateTopicPartitions(int32(len(t.partitions)))
	}
	if !ch.Leader || ch.Deleted {
		b.txns.Unload(ch.Partition, -1)
		return
	}
	r := b.replica(ch.Topic, ch.Partition)
	if r == nil {
		return
	}
	if err := b.txns.Load(ch.Partition, ch.LeaderEpoch, offsetsLog{r}); err != nil {
		b.logger.Error("loading __transaction_state partition failed", "partition", ch.Partition, "error", err)
	}
}

// ensureTxnStateTopic creates __transaction_state if it does not exist.
func (b *Broker) ensureTxnStateTopic() (*topicImage, error) {
	ctl := b.cluster.ctl
	if t := ctl.current().topics[transactionStateTopic]; t != nil {
		return t, nil
	}
	cfg := b.config
	rf := cfg.Int("transaction.state.log.replication.factor")
	if n := len(ctl.current().allBrokers()); rf > n {
		b.logger.Info("transaction.state.log.replication.factor exceeds the number of brokers; creating __transaction_state with fewer replicas",
			"transaction.state.log.replication.factor", rf, "brokers", n)
		rf = n
	}
	spec := topicSpec{
		name:              transactionStateTopic,
		partitions:        int32(cfg.Int("transaction.state.log.num.partitions")),
		replicationFactor: int16(rf),
		internal:          true,
		configs: map[string]string{
			"cleanup.policy":      "compact",
			"compression.type":    "uncompressed",
			"min.insync.replicas": strconv.Itoa(cfg.Int("transaction.state.log.min.isr")),
			"segment.bytes":       strconv.Itoa(cfg.Int("transaction.state.log.segment.bytes")),
		},
	}
	_, err := ctl.createTopic(spec, false)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return nil, err
	}
	t := ctl.current().topics[transactionStateTopic]
	if t == nil {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "__transaction_state could not be created")
	}
	for _, br := range b.cluster.brokers {
		br.txns.SetStateTopicPartitions(int32(len(t.partitions)))
	}
	return t, nil
}

// txnCoordinatorNode returns the broker that coordinates a transactional
// id, creating __transaction_state on first use.
func (b *Broker) txnCoordinatorNode(transactionalID string) (*brokerImage, error) {
	t, err := b.ensureTxnStateTopic()
	if err != nil {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "%v", err)
	}
	p := txn.PartitionFor(transactionalID, int32(len(t.partitions)))
	pi := t.partitions[p]
	im := b.cluster.ctl.current()
	if pi.leader < 0 {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "__transaction_state-%d has no leader", p)
	}
	node := im.brokers[pi.leader]
	if node == nil || node.fenced {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "the leader of __transaction_state-%d (broker %d) is not available", p, pi.leader)
	}
	return node, nil
}

// sendTxnMarkers is the coordinator's path to partition leaders (Kafka's
// TransactionMarkerChannelManager): one WriteTxnMarkers per leader, in
// process. It returns the partitions to try again: those without a
// running leader, and those whose leader answered a retriable error.
// Partitions of deleted topics are dropped, as Kafka drops them.
func (b *Broker) sendTxnMarkers(ctx context.Context, m txn.Markers) []txn.TopicPartition {
	im := b.cluster.ctl.current()
	byLeader := map[int32][]txn.TopicPartition{}
	var retry []txn.TopicPartition
	for _, tp := range m.Partitions {
		t := im.topics[tp.Topic]
		if t == nil || tp.Partition < 0 || int(tp.Partition) >= len(t.partitions) {
			b.logger.Info("dropping a transaction marker for a partition that no longer exists", "topic", tp.Topic, "partition", tp.Partition)
			continue
		}
		leader := t.partitions[tp.Partition].leader
		if br := b.cluster.Broker(leader); br == nil || !br.Running() {
			retry = append(retry, tp)
			continue
		}
		byLeader[leader] = append(byLeader[leader], tp)
	}
	for leader, parts := range byLeader {
		req := kmsg.NewPtrWriteTxnMarkersRequest()
		req.SetVersion(2)
		rm := kmsg.NewWriteTxnMarkersRequestMarker()
		rm.ProducerID, rm.ProducerEpoch, rm.Committed, rm.CoordinatorEpoch = m.ProducerID, m.ProducerEpoch, m.Commit, m.CoordinatorEpoch
		rm.TransactionVersion = m.TransactionVersion
		for _, tp := range parts {
			if n := len(rm.Topics); n > 0 && rm.Topics[n-1].Topic == tp.Topic {
				rm.Topics[n-1].Partitions = append(rm.Topics[n-1].Partitions, tp.Partition)
				continue
			}
			rt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
			rt.Topic, rt.Partitions = tp.Topic, []int32{tp.Partition}
			rm.Topics = append(rm.Topics, rt)
		}
		req.Markers = append(req.Markers, rm)
		resp := b.cluster.Broker(leader).writeTxnMarkers(ctx, req)
		for _, om := range resp.Markers {
			for _, ot := range om.Topics {
				for _, op := range ot.Partitions {
					tp := txn.TopicPartition{Topic: ot.Topic, Partition: op.Partition}
					switch err := kerr.ErrorForCode(op.ErrorCode); {
					case err == nil:
					case errors.Is(err, kerr.InvalidProducerEpoch), errors.Is(err, kerr.TransactionCoordinatorFenced):
						// A newer coordinator or epoch owns the partition's
						// transaction now; Kafka stops sending these markers.
						b.logger.Warn("transaction marker refused", "topic", tp.Topic, "partition", tp.Partition,
							"producer_id", m.ProducerID, "error", err)
					case errors.Is(err, kerr.UnknownTopicOrPartition) && b.cluster.ctl.current().topics[tp.Topic] == nil:
					default:
						retry = append(retry, tp)
					}
				}
			}
		}
	}
	return retry
}

// produceTxnCoordinator is the broker coordinating transactionalID, for a
// partition leader checking or adding a produce's partitions. Without one
// the produce gets NOT_ENOUGH_REPLICAS, which the producer retries.
func (b *Broker) produceTxnCoordinator(transactionalID string) (*Broker, error) {
	node, err := b.txnCoordinatorNode(transactionalID)
	if err != nil {
		return nil, kafkaerr.New(kerr.NotEnoughReplicas, "the transaction coordinator of %q is not available: %v", transactionalID, err)
	}
	coord := b.cluster.Broker(node.id)
	if coord == nil {
		return nil, kafkaerr.New(kerr.NotEnoughReplicas, "the transaction coordinator of %q is not available", transactionalID)
	}
	return coord, nil
}

// verifyProduce is KIP-890 part 1's check of a transactional produce:
// the partition must be in the producer's open transaction, as its
// coordinator says. The coordinator is asked in process.
func (b *Broker) verifyProduce(transactionalID string, topic string, p int32, h partitionProducer) error {
	coord, err := b.produceTxnCoordinator(transactionalID)
	if err != nil {
		return err
	}
	tp := txn.TopicPartition{Topic: topic, Partition: p}
	res, err := coord.txns.VerifyPartitions(transactionalID, h.producerID, h.epoch, []txn.TopicPartition{tp})
	if err != nil {
		switch {
		case errors.Is(err, kerr.NotCoordinator), errors.Is(err, kerr.CoordinatorNotAvailable), errors.Is(err, kerr.CoordinatorLoadInProgress),
			errors.Is(err, kerr.ConcurrentTransactions):
			// Kafka's ReplicaManager answers NOT_ENOUGH_REPLICAS, a
			// retriable error that every client retries, while the
			// coordinator cannot be reached or is still completing the
			// producer's last transaction.
			return kafkaerr.New(kerr.NotEnoughReplicas, "verifying the transaction of %q: %v", transactionalID, err)
		case errors.Is(err, kerr.ProducerFenced):
			return kafkaerr.New(kerr.InvalidProducerEpoch, "%v", kafkaerr.Message(err))
		}
		return err
	}
	return res[tp]
}

// The retries of the leader's implicit AddPartitionsToTxn while the
// producer's last transaction completes: Kafka's defaults of
// add.partitions.to.txn.retry.backoff.ms and
// add.partitions.to.txn.retry.backoff.max.ms, which gregor does not let
// one change.
const (
	addPartitionsRetryBackoff = 20 * time.Millisecond
	addPartitionsRetryMax     = 100 * time.Millisecond
)

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// addPartitionsFromProduce is transaction version 2's implicit
// AddPartitionsToTxn (Produce v12+, TxnOffsetCommit v5): the leader has
// the coordinator add the partition to the producer's transaction,
// opening it if none is open, with the errors mapped as for
// verifyProduce. A produce (retry) asks again while the producer's last
// transaction is still completing, so that the producer, which starts
// its next transaction as soon as EndTxn answers, is not sent back to
// retry on its own.
func (b *Broker) addPartitionsFromProduce(ctx context.Context, transactionalID string, parts []txn.TopicPartition, h partitionProducer, retry bool) error {
	coord, err := b.produceTxnCoordinator(transactionalID)
	if err != nil {
		return err
	}
	var stop clock.Timer
	expired := make(chan struct{})
	defer func() {
		if stop != nil {
			stop.Stop()
		}
	}()
	for {
		changed, cerr := coord.txns.NextChange(transactionalID)
		err = coord.txns.AddPartitionsFromProduce(ctx, transactionalID, h.producerID, h.epoch, parts)
		if !retry || cerr != nil || !errors.Is(err, kerr.ConcurrentTransactions) {
			break
		}
		// The producer's last transaction is still writing its markers:
		// ask again once it lands, as Kafka's leader retries
		// (add.partitions.to.txn.retry.backoff.ms, 20, for at most
		// add.partitions.to.txn.retry.backoff.max.ms, 100).
		if stop == nil {
			stop = b.cluster.clock.AfterFunc(addPartitionsRetryMax, func() { close(expired) })
		}
		backoff := make(chan struct{})
		t := b.cluster.clock.AfterFunc(addPartitionsRetryBackoff, func() { close(backoff) })
		select {
		case <-changed:
		case <-backoff:
		case <-expired:
		case <-ctx.Done():
		}
		t.Stop()
		if isClosed(expired) || ctx.Err() != nil {
			break
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.NotCoordinator), errors.Is(err, kerr.CoordinatorNotAvailable), errors.Is(err, kerr.CoordinatorLoadInProgress),
		errors.Is(err, kerr.ConcurrentTransactions):
		return kafkaerr.New(kerr.NotEnoughReplicas, "adding %d partitions to the transaction of %q: %v", len(parts), transactionalID, err)
	case errors.Is(err, kerr.ProducerFenced):
		return kafkaerr.New(kerr.InvalidProducerEpoch, "%v", kafkaerr.Message(err))
	}
	return err
}

// verifyOffsetsInTxn checks that a TxnOffsetCommit's group offsets were
// added to the producer's transaction with AddOffsetsToTxn: the group's
// __consumer_offsets partition must be in it. Otherwise the commit is
// refused with TRANSACTION_ABORTABLE, at every version, as Kafka 4.4
// answers (compat/kafkaref's TestTransactionCodesAsKafka checks v4).
func (b *Broker) verifyOffsetsInTxn(req *kmsg.TxnOffsetCommitRequest) error {
	if !b.config.Bool("transaction.partition.verification.enable") {
		return nil
	}
	t, err := b.ensureOffsetsTopic()
	if err != nil {
		return err
	}
	p := group.PartitionFor(req.Group, int32(len(t.partitions)))
	return b.verifyProduce(req.TransactionalID, consumerOffsetsTopic, p, partitionProducer{req.ProducerID, req.ProducerEpoch})
}

type partitionProducer struct {
	producerID int64
	epoch      int16
}
