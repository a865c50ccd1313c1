package broker

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// controller owns the cluster metadata, as the KRaft controller quorum
// does in Kafka. Every change (a topic created or deleted, partitions
// added, a config altered, later a leader elected or an ISR changed) is
// made here under one lock, published as a new immutable image, and then
// applied to every running broker before the call returns. Brokers
// therefore never disagree for longer than a function call, which keeps
// tests deterministic; the order of events is still Kafka's: the
// controller decides, the brokers follow.
type controller struct {
	cluster *Cluster
	mu      sync.Mutex // serialises changes; readers use current()
	img     atomic.Pointer[image]
	// nextPlacement rotates the first replica across brokers from topic
	// to topic, so that leadership spreads as Kafka's placer spreads it.
	nextPlacement int

	// nextProducerID is the next idempotent producer id to hand out.
	nextProducerID int64
	// published counts the images published since the cluster started:
	// the metadata log's offset, as DescribeQuorum reports it.
	published atomic.Int64

	fenceMu        sync.Mutex // guards the timers below
	fenceTimers    map[int32]clock.Timer
	rebalanceTimer clock.Timer
	stopped        bool
}

func newController(c *Cluster, initial *image) *controller {
	ctl := &controller{cluster: c, nextProducerID: initial.nextProducerID}
	ctl.img.Store(initial)
	ctl.published.Store(1) // the initial image
	return ctl
}

// current returns the latest published image.
func (ctl *controller) current() *image { return ctl.img.Load() }

// publish makes next the current image, saves it when the cluster has a
// data directory, and applies it to the running brokers. Callers hold
// ctl.mu.
func (ctl *controller) publish(next *image) error {
	prev := ctl.img.Swap(next)
	ctl.published.Add(1)
	err := ctl.cluster.saveMetadata(next)
	for _, b := range ctl.cluster.brokers {
		b.applyImage(prev, next)
	}
	ctl.cluster.changes.notify()
	return err
}

func newTopicID() TopicID {
	var id TopicID
	for id == (TopicID{}) {
		_, _ = rand.Read(id[:])
	}
	return id
}

// newClusterID returns a random id in Kafka's format: a UUID in URL-safe
// base64, 22 characters.
func newClusterID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// topicSpec is a topic to create.
type topicSpec struct {
	name              string
	partitions        int32 // -1: num.partitions
	replicationFactor int16 // -1: default.replication.factor
	assignment        [][]int32
	configs           map[string]string
	internal          bool
}

// resolve fills in broker defaults and validates the spec against the
// cluster, returning the replica assignment. It does not change anything.
func (ctl *controller) resolve(im *image, s *topicSpec) ([][]int32, error) {
	cfg := ctl.cluster.brokerConfig
	if err := validateTopicName(s.name); err != nil {
		return nil, kafkaerr.New(kerr.InvalidTopicException, "%v", err)
	}
	if isInternalTopic(s.name) && !s.internal {
		return nil, kafkaerr.New(kerr.InvalidTopicException, "topic %s is internal and created by the broker", s.name)
	}
	if _, ok := im.topics[s.name]; ok {
		return nil, kafkaerr.New(kerr.TopicAlreadyExists, "topic '%s' already exists", s.name)
	}
	for name := range im.topics {
		if unifyCollisionChars(name) == unifyCollisionChars(s.name) {
			return nil, kafkaerr.New(kerr.InvalidTopicException, "topic '%s' collides with existing topic: %s", s.name, name)
		}
	}
	if _, err := config.ValidateTopic(s.configs); err != nil {
		return nil, kafkaerr.New(kerr.InvalidConfig, "%v", err)
	}
	if len(s.assignment) > 0 {
		if s.partitions != -1 || s.replicationFactor != -1 {
			return nil, kafkaerr.New(kerr.InvalidRequest, "both numPartitions or replicationFactor and replicasAssignments were set; only one is allowed")
		}
		if len(s.assignment) > maxPartitionsPerOp {
			return nil, errExcessivelyLarge
		}
		rf := len(s.assignment[0])
		for p, replicas := range s.assignment {
			if err := ctl.checkReplicas(im, replicas); err != nil {
				return nil, err
			}
			if len(replicas) != rf {
				return nil, kafkaerr.New(kerr.InvalidReplicaAssignment, "all partitions must have the same number of replicas; partition %d has %d, partition 0 has %d", p, len(replicas), rf)
			}
		}
		return s.assignment, nil
	}
	partitions := s.partitions
	if partitions == -1 {
		partitions = int32(cfg.Int("num.partitions"))
	}
	rf := int(s.replicationFactor)
	if rf == -1 {
		rf = cfg.Int("default.replication.factor")
	}
	if partitions <= 0 {
		return nil, kafkaerr.New(kerr.InvalidPartitions, "number of partitions was set to an invalid non-positive value")
	}
	if rf <= 0 {
		return nil, kafkaerr.New(kerr.InvalidReplicationFactor, "replication factor must be larger than 0, or -1 to use the default value")
	}
	if partitions > maxPartitionsPerOp {
		return nil, errExcessivelyLarge
	}
	brokers := im.allBrokers()
	if rf > len(brokers) {
		return nil, kafkaerr.New(kerr.InvalidReplicationFactor, "unable to replicate the partition %d time(s): the number of brokers is %d", rf, len(brokers))
	}
	return ctl.place(brokers, partitions, 0, rf), nil
}

// maxPartitionsPerOp is the most partitions one request may create. The
// KRaft controller refuses to write more than 10000 metadata records for
// one operation (QuorumController.MAX_RECORDS_PER_USER_OP), one per
// partition; the bound also keeps a single request from allocating
// billions of replicas.
const maxPartitionsPerOp = 10000

var errExcessivelyLarge = kafkaerr.New(kerr.PolicyViolation, "unable to perform excessively large batch operation")

// place assigns replicas for partitions [from, from+count) round-robin:
// partition p's replicas are rf consecutive brokers starting at a rotating
// position, so leaders (the first replica) spread across brokers.
func (ctl *controller) place(brokers []int32, count, from int32, rf int) [][]int32 {
	start := ctl.nextPlacement
	ctl.nextPlacement++
	out := make([][]int32, count)
	for i := range out {
		first := start + int(from) + i
		replicas := make([]int32, rf)
		for j := range replicas {
			replicas[j] = brokers[(first+j)%len(brokers)]
		}
		out[i] = replicas
	}
	return out
}

func (ctl *controller) checkReplicas(im *image, replicas []int32) error {
	if len(replicas) == 0 {
		return kafkaerr.New(kerr.InvalidReplicaAssignment, "a partition must have at least one replica")
	}
	seen := map[int32]bool{}
	for _, id := range replicas {
		if _, ok := im.brokers[id]; !ok {
			return kafkaerr.New(kerr.InvalidReplicaAssignment, "the manual partition assignment includes broker %d, but no such broker is registered", id)
		}
		if seen[id] {
			return kafkaerr.New(kerr.InvalidReplicaAssignment, "the manual partition assignment includes broker %d more than once", id)
		}
		seen[id] = true
	}
	return nil
}

// createTopic validates and, unless validateOnly, creates a topic. It
// returns the created (or would-be) topic.
func (ctl *controller) createTopic(s topicSpec, validateOnly bool) (*topicImage, error) {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	assignment, err := ctl.resolve(im, &s)
	if err != nil {
		return nil, err
	}
	t := &topicImage{name: s.name, id: newTopicID(), internal: s.internal, configs: maps.Clone(s.configs)}
	if t.configs == nil {
		t.configs = map[string]string{}
	}
	for _, replicas := range assignment {
		t.partitions = append(t.partitions, newPartitionImage(im, replicas))
	}
	if validateOnly {
		return t, nil
	}
	next := im.clone()
	next.putTopic(t)
	ctl.cluster.logger.Info("topic created", "topic", t.name, "topic_id", t.id.String(), "partitions", len(t.partitions), "replication_factor", len(assignment[0]))
	if notes, _ := config.ValidateTopic(s.configs); len(notes) > 0 {
		for _, n := range notes {
			ctl.cluster.logger.Warn("topic config has no effect in gregor", "topic", t.name, "note", n)
		}
	}
	return t, ctl.publish(next)
}

// newPartitionImage registers a new partition: every replica on a live
// broker starts in the ISR and the first live one leads, at epoch 0.
func newPartitionImage(im *image, replicas []int32) *partitionImage {
	p := &partitionImage{replicas: slices.Clone(replicas), leader: -1}
	for _, id := range replicas {
		if b := im.brokers[id]; b != nil && !b.fenced {
			p.isr = append(p.isr, id)
		}
	}
	if len(p.isr) > 0 {
		p.leader = p.isr[0]
	}
	return p
}

// deleteTopic removes a topic and, on every broker, its replicas.
func (ctl *controller) deleteTopic(name string) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	t, err := im.topic(name)
	if err != nil {
		return err
	}
	next := im.clone()
	next.removeTopic(t)
	ctl.cluster.logger.Info("topic deleted", "topic", name, "topic_id", t.id.String())
	return ctl.publish(next)
}

// createPartitions grows a topic to count partitions.
func (ctl *controller) createPartitions(name string, count int32, assignment [][]int32, validateOnly bool) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	t, err := im.topic(name)
	if err != nil {
		return err
	}
	have := int32(len(t.partitions))
	switch {
	case count < have:
		return kafkaerr.New(kerr.InvalidPartitions, "the topic %s currently has %d partition(s); %d would not be an increase: partitions can only be added, never removed", name, have, count)
	case count == have:
		return kafkaerr.New(kerr.InvalidPartitions, "topic already has %d partition(s)", have)
	}
	add := count - have
	if add > maxPartitionsPerOp {
		return errExcessivelyLarge
	}
	rf := len(t.partitions[0].replicas)
	if assignment != nil {
		if int32(len(assignment)) != add {
			return kafkaerr.New(kerr.InvalidReplicaAssignment, "attempted to add %d additional partition(s), but only %d assignment(s) were specified", add, len(assignment))
		}
		for _, replicas := range assignment {
			if err := ctl.checkReplicas(im, replicas); err != nil {
				return err
			}
			if len(replicas) != rf {
				return kafkaerr.New(kerr.InvalidReplicaAssignment, "the manual partition assignment has %d replicas, but the topic's replication factor is %d", len(replicas), rf)
			}
		}
	} else {
		brokers := im.allBrokers()
		if rf > len(brokers) {
			return kafkaerr.New(kerr.InvalidReplicationFactor, "unable to replicate the partition %d time(s): the number of brokers is %d", rf, len(brokers))
		}
		assignment = ctl.place(brokers, add, have, rf)
	}
	if validateOnly {
		return nil
	}
	nt := t.clone()
	for _, replicas := range assignment {
		nt.partitions = append(nt.partitions, newPartitionImage(im, replicas))
	}
	next := im.clone()
	next.putTopic(nt)
	ctl.cluster.logger.Info("partitions created", "topic", name, "from", have, "to", count)
	return ctl.publish(next)
}

// alterTopicConfigs replaces a topic's own settings (already validated).
func (ctl *controller) alterTopicConfigs(name string, configs map[string]string) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	t, err := im.topic(name)
	if err != nil {
		return err
	}
	nt := t.clone()
	nt.configs = maps.Clone(configs)
	next := im.clone()
	next.putTopic(nt)
	ctl.cluster.logger.Info("topic configs altered", "topic", name, "configs", fmt.Sprint(configs))
	return ctl.publish(next)
}

// allocateProducerID hands out the next producer id, saving the counter
// with the metadata so ids are never reused after a restart.
func (ctl *controller) allocateProducerID() (int64, error) {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	id := ctl.nextProducerID
	ctl.nextProducerID++
	im := ctl.current().clone()
	im.nextProducerID = ctl.nextProducerID
	ctl.img.Store(im)
	return id, ctl.cluster.saveMetadata(im)
}
