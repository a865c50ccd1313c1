package broker

import (
	"encoding/base64"
	"slices"

	"github.com/gregorkafka/gregor/acl"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kerr"
)

// TopicID is a topic's UUID (KIP-516). Topic ids tell a re-created topic
// apart from the deleted one of the same name.
type TopicID [16]byte

// String prints the id as Kafka does: URL-safe base64 without padding.
func (id TopicID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// image is the cluster's metadata at one moment: the brokers, the topics
// and, per partition, its replicas, ISR, leader and epochs. In KRaft this
// is the state every broker builds from the __cluster_metadata log; here
// the controller publishes each new image as an immutable value (swapped
// atomically), so request handlers read a consistent snapshot without
// locks and never see half of a change.
type image struct {
	clusterID    string
	controllerID int32
	brokers      map[int32]*brokerImage
	topics       map[string]*topicImage
	topicIDs     map[TopicID]*topicImage
	// nextProducerID is the controller's producer id counter, kept with
	// the metadata so that it survives restarts.
	nextProducerID int64
	// acls are the ACL bindings (acls.go), kept with the metadata as
	// KRaft keeps AccessControlEntryRecords in __cluster_metadata.
	acls *acl.Set
	// brokerConfigs are the dynamic broker configs (dynamicconfig.go): by
	// node id, and under "" the cluster-wide defaults, as KRaft keeps
	// ConfigRecords for BROKER resources. Replaced, never modified.
	brokerConfigs map[string]map[string]string
	// features are the finalized feature levels (features.go), kept
	// with the metadata as KRaft keeps FeatureLevelRecords; replaced
	// whole, never modified, once published.
	features featureLevels
	// quotas are the client quotas (clientquotas.go), kept with the
	// metadata as KRaft keeps ClientQuotaRecords.
	quotas *quota.Set
}

// brokerImage is a broker's registration.
type brokerImage struct {
	id     int32
	host   string
	port   int32
	rack   *string
	fenced bool // stopped, or not yet heartbeating
}

// topicImage is one topic. Replaced, never modified, once published.
type topicImage struct {
	name       string
	id         TopicID
	internal   bool
	configs    map[string]string // the topic's own settings
	partitions []*partitionImage
}

// partitionImage is one partition's registration, as KRaft's
// PartitionRegistration.
type partitionImage struct {
	replicas []int32 // assignment; the first is the preferred leader
	isr      []int32 // in-sync replicas
	leader   int32   // -1 when offline
	// leaderEpoch grows with each leader change; partitionEpoch with any
	// change (leader or ISR).
	leaderEpoch    int32
	partitionEpoch int32
	// adding and removing describe a reassignment in progress (KIP-455;
	// reassign.go): during the move replicas is the target followed by
	// the replicas being removed, adding the target replicas that are
	// new, removing the current ones the target leaves out. Both are
	// empty otherwise.
	adding   []int32
	removing []int32
}

func (p *partitionImage) clone() *partitionImage {
	c := *p
	c.replicas = slices.Clone(p.replicas)
	c.isr = slices.Clone(p.isr)
	c.adding = slices.Clone(p.adding)
	c.removing = slices.Clone(p.removing)
	return &c
}

func (t *topicImage) clone() *topicImage {
	c := *t
	c.partitions = slices.Clone(t.partitions)
	return &c
}

// clone copies the maps of an image so that a new one can be built from
// it; the topic and broker values are shared until replaced.
func (im *image) clone() *image {
	c := *im
	c.brokers = make(map[int32]*brokerImage, len(im.brokers))
	for k, v := range im.brokers {
		c.brokers[k] = v
	}
	c.topics = make(map[string]*topicImage, len(im.topics))
	c.topicIDs = make(map[TopicID]*topicImage, len(im.topicIDs))
	for k, v := range im.topics {
		c.topics[k] = v
		c.topicIDs[v.id] = v
	}
	return &c
}

// topic returns the named topic, or UNKNOWN_TOPIC_OR_PARTITION.
func (im *image) topic(name string) (*topicImage, error) {
	if t := im.topics[name]; t != nil {
		return t, nil
	}
	return nil, kafkaerr.New(kerr.UnknownTopicOrPartition, "the topic '%s' does not exist", name)
}

func (im *image) putTopic(t *topicImage) {
	im.topics[t.name] = t
	im.topicIDs[t.id] = t
}

func (im *image) removeTopic(t *topicImage) {
	delete(im.topics, t.name)
	delete(im.topicIDs, t.id)
}

// sortedTopics returns the topics in name order.
func (im *image) sortedTopics() []*topicImage {
	out := make([]*topicImage, 0, len(im.topics))
	for _, t := range im.topics {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *topicImage) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

// liveBrokers returns the ids of unfenced brokers, ascending.
func (im *image) liveBrokers() []int32 {
	var ids []int32
	for id, b := range im.brokers {
		if !b.fenced {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// allBrokers returns every registered broker id, ascending.
func (im *image) allBrokers() []int32 {
	ids := make([]int32, 0, len(im.brokers))
	for id := range im.brokers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
