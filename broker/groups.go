package broker

// The group coordinator's place in the broker (package group has the
// coordinator itself).
//
// Every broker runs a group coordinator. Groups are spread over the
// partitions of the internal topic __consumer_offsets
// (offsets.topic.num.partitions, default 50): a group lives in partition
// abs(javaStringHashCode(groupId)) % partitions, and its coordinator is
// that partition's leader. A broker therefore loads a partition's groups
// from the log when it becomes the partition's leader and drops them when
// it stops leading it; that is what makes offsets and groups survive a
// broker failure once __consumer_offsets is replicated.
//
// __consumer_offsets is created on first use, by FindCoordinator, with
// offsets.topic.num.partitions partitions, offsets.topic.replication.factor
// replicas (default 3, capped at the number of brokers with a logged
// note, so one-broker clusters work), cleanup.policy=compact and
// segment.bytes from offsets.topic.segment.bytes, as in Kafka.

import (
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kerr"
)

// groupConfig turns the broker's group.* and offsets.* configs into the
// coordinator's settings.
func groupConfig(b *Broker) group.Config {
	cfg := b.config
	ms := func(name string) time.Duration { return time.Duration(cfg.Long(name)) * time.Millisecond }
	gc := group.DefaultConfig()
	gc.OffsetsTopicPartitions = int32(cfg.Int("offsets.topic.num.partitions"))
	gc.MinSessionTimeout = ms("group.min.session.timeout.ms")
	gc.MaxSessionTimeout = ms("group.max.session.timeout.ms")
	gc.InitialRebalanceDelay = ms("group.initial.rebalance.delay.ms")
	gc.MaxSize = cfg.Int("group.max.size")
	gc.ConsumerSessionTimeout = ms("group.consumer.session.timeout.ms")
	gc.ConsumerMinSessionTimeout = ms("group.consumer.min.session.timeout.ms")
	gc.ConsumerMaxSessionTimeout = ms("group.consumer.max.session.timeout.ms")
	gc.ConsumerHeartbeatInterval = ms("group.consumer.heartbeat.interval.ms")
	gc.ConsumerMinHeartbeatInterval = ms("group.consumer.min.heartbeat.interval.ms")
	gc.ConsumerMaxHeartbeatInterval = ms("group.consumer.max.heartbeat.interval.ms")
	gc.ConsumerMaxSize = cfg.Int("group.consumer.max.size")
	gc.ConsumerAssignmentInterval = ms("group.consumer.assignment.interval.ms")
	gc.ConsumerMinAssignmentInterval = ms("group.consumer.min.assignment.interval.ms")
	gc.ConsumerMaxAssignmentInterval = ms("group.consumer.max.assignment.interval.ms")
	gc.ConsumerAssignors = splitList(cfg.String("group.consumer.assignors"))
	gc.Protocols = splitList(cfg.String("group.coordinator.rebalance.protocols"))
	gc.OffsetsRetention = time.Duration(cfg.Long("offsets.retention.minutes")) * time.Minute
	gc.OffsetsRetentionCheckInterval = ms("offsets.retention.check.interval.ms")
	gc.OffsetCommitTimeout = ms("offsets.commit.timeout.ms")
	gc.OffsetMetadataMaxBytes = cfg.Int("offset.metadata.max.bytes")
	return gc
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// initGroups creates the broker's group coordinator and subscribes it to
// leadership changes of __consumer_offsets partitions.
func (b *Broker) initGroups() error {
	var topicsCache atomic.Pointer[topicsSnapshot]
	coord, err := group.New(group.Options{
		Config: groupConfig(b),
		Clock:  b.cluster.clock,
		Logger: b.logger.With("component", "group-coordinator"),
		Events: func(e group.Event) { b.cluster.groupEvents.publish(b.id, e) },
		// AdvanceInSteps waits for members to renew their sessions.
		SessionRenewed: b.cluster.sessionRenewals.notify,
		Topics: func() group.Topics {
			im := b.cluster.ctl.current()
			if s := topicsCache.Load(); s != nil && s.img == im {
				return s.topics
			}
			s := &topicsSnapshot{img: im, topics: group.Topics{}}
			for name, t := range im.topics {
				s.topics[name] = group.TopicInfo{Name: name, ID: t.id, Partitions: int32(len(t.partitions))}
			}
			topicsCache.Store(s)
			return s.topics
		},
	})
	if err != nil {
		return err
	}
	b.groups = coord
	b.onLeadershipChange(b.groupLeadershipChanged)
	return nil
}

type topicsSnapshot struct {
	img    *image
	topics group.Topics
}

// groupLeadershipChanged loads or unloads a __consumer_offsets partition.
// It runs while the controller applies a change, so it only touches this
// broker's replica and coordinator.
func (b *Broker) groupLeadershipChanged(ch LeadershipChange) {
	if ch.Topic != consumerOffsetsTopic {
		return
	}
	if t := b.cluster.ctl.current().topics[consumerOffsetsTopic]; t != nil {
		b.groups.SetOffsetsTopicPartitions(int32(len(t.partitions)))
	}
	if !ch.Leader || ch.Deleted {
		b.groups.Unload(ch.Partition, -1)
		return
	}
	r := b.replica(ch.Topic, ch.Partition)
	if r == nil {
		return
	}
	if err := b.groups.Load(ch.Partition, ch.LeaderEpoch, offsetsLog{r}); err != nil {
		b.logger.Error("loading __consumer_offsets partition failed", "partition", ch.Partition, "error", err)
	}
}

// offsetsLog adapts a __consumer_offsets replica to the coordinator.
type offsetsLog struct{ r *replica }

func (l offsetsLog) Append(batch []byte) (int64, error) {
	cfg := l.r.Config()
	if len(batch) > cfg.MaxMessageBytes {
		return 0, kafkaerr.New(kerr.MessageTooLarge, "the coordinator's batch of %d bytes exceeds max.message.bytes %d of __consumer_offsets", len(batch), cfg.MaxMessageBytes)
	}
	// The coordinator writes with acks=all, so min.insync.replicas applies
	// as it does to a producer: capped at the replica count.
	st := l.r.State()
	if minISR := partition.EffectiveMinISR(cfg.MinInsyncReplicas, len(st.Replicas)); len(st.ISR) < minISR {
		return 0, kafkaerr.New(kerr.NotEnoughReplicas, "the ISR of __consumer_offsets-%d is %v, fewer than min.insync.replicas=%d", l.r.Index(), st.ISR, minISR)
	}
	res, err := l.r.Append(batch, partition.FromCoordinator)
	if err != nil {
		return 0, err
	}
	return res.LastOffset + 1, nil
}

func (l offsetsLog) Offsets() (int64, int64, int64) { return l.r.Partition.Offsets() }

func (l offsetsLog) Read(offset int64, maxBytes int) ([]byte, error) {
	res, err := l.r.Partition.Read(partition.ReadOptions{Offset: offset, MaxBytes: maxBytes, MinOneBatch: true,
		CurrentLeaderEpoch: -1, ToLogEnd: true})
	return res.Records, err
}

func (l offsetsLog) Watch(ch chan<- struct{}) func() { return l.r.Partition.Watch(ch) }

// ensureOffsetsTopic creates __consumer_offsets if it does not exist yet.
// Kafka's FindCoordinator answers COORDINATOR_NOT_AVAILABLE while the
// topic is being created and the client retries; gregor's controller
// applies the creation before returning, so the caller can answer with
// the coordinator at once.
func (b *Broker) ensureOffsetsTopic() (*topicImage, error) {
	ctl := b.cluster.ctl
	if t := ctl.current().topics[consumerOffsetsTopic]; t != nil {
		return t, nil
	}
	cfg := b.config
	rf := cfg.Int("offsets.topic.replication.factor")
	if n := len(ctl.current().allBrokers()); rf > n {
		b.logger.Info("offsets.topic.replication.factor exceeds the number of brokers; creating __consumer_offsets with fewer replicas",
			"offsets.topic.replication.factor", rf, "brokers", n)
		rf = n
	}
	spec := topicSpec{
		name:              consumerOffsetsTopic,
		partitions:        int32(cfg.Int("offsets.topic.num.partitions")),
		replicationFactor: int16(rf),
		internal:          true,
		configs: map[string]string{
			"cleanup.policy":   "compact",
			"compression.type": "producer",
			"segment.bytes":    strconv.Itoa(cfg.Int("offsets.topic.segment.bytes")),
		},
	}
	_, err := ctl.createTopic(spec, false)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return nil, err
	}
	t := ctl.current().topics[consumerOffsetsTopic]
	if t == nil {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "__consumer_offsets could not be created")
	}
	for _, br := range b.cluster.brokers {
		br.groups.SetOffsetsTopicPartitions(int32(len(t.partitions)))
	}
	return t, nil
}

// groupCoordinatorNode returns the broker that coordinates a group,
// creating __consumer_offsets on first use.
func (b *Broker) groupCoordinatorNode(groupID string) (*brokerImage, error) {
	t, err := b.ensureOffsetsTopic()
	if err != nil {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "%v", err)
	}
	p := group.PartitionFor(groupID, int32(len(t.partitions)))
	pi := t.partitions[p]
	im := b.cluster.ctl.current()
	if pi.leader < 0 {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "__consumer_offsets-%d has no leader", p)
	}
	node := im.brokers[pi.leader]
	if node == nil || node.fenced {
		return nil, kafkaerr.New(kerr.CoordinatorNotAvailable, "the leader of __consumer_offsets-%d (broker %d) is not available", p, pi.leader)
	}
	return node, nil
}

// clientOf is the requesting client as the coordinator records it: the
// client id and, as Kafka shows it, "/" and the remote IP.
func clientOf(r *request) group.Client {
	c := group.Client{}
	if r.clientID != nil {
		c.ID = *r.clientID
	}
	addr := r.conn.nc.RemoteAddr().String()
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = addr[:i]
	}
	c.Host = "/" + strings.Trim(addr, "[]")
	return c
}
