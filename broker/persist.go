package broker

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/segment"
)

// In KRaft mode Kafka keeps the cluster metadata (topics, their ids and
// configs, partition assignments, leaders and ISRs) as records in the
// __cluster_metadata log. gregor keeps the same facts in one JSON file at
// the root of the data directory, rewritten atomically on every change:
// the records themselves are not something a learner needs to see, the
// partition logs next to it are.
const metadataFile = "cluster-metadata.json"

type persistedCluster struct {
	Version   int    `json:"version"`
	ClusterID string `json:"cluster_id"`
	// NextProducerID is the first producer id not yet handed out.
	NextProducerID int64            `json:"next_producer_id"`
	Topics         []persistedTopic `json:"topics"`
	ACLs           []persistedACL   `json:"acls,omitempty"`
	// BrokerConfigs are the dynamic broker configs, by node id and ""
	// for the cluster-wide defaults.
	BrokerConfigs map[string]map[string]string `json:"broker_configs,omitempty"`
	// Scram are the SCRAM credentials (persist_scram.go).
	Scram []persistedScram `json:"scram_credentials,omitempty"`
	// Features are the finalized feature levels (features.go) and
	// FeaturesEpoch their epoch.
	Features      map[string]int16 `json:"features,omitempty"`
	FeaturesEpoch int64            `json:"features_epoch,omitempty"`
	Quotas        []persistedQuota `json:"client_quotas,omitempty"`
}

type persistedTopic struct {
	Name       string               `json:"name"`
	ID         string               `json:"id"`
	Internal   bool                 `json:"internal,omitempty"`
	Configs    map[string]string    `json:"configs,omitempty"`
	Partitions []persistedPartition `json:"partitions"`
}

type persistedPartition struct {
	Replicas       []int32 `json:"replicas"`
	ISR            []int32 `json:"isr"`
	Leader         int32   `json:"leader"`
	LeaderEpoch    int32   `json:"leader_epoch"`
	PartitionEpoch int32   `json:"partition_epoch"`
	// Adding and Removing are a reassignment in progress (reassign.go).
	Adding   []int32 `json:"adding_replicas,omitempty"`
	Removing []int32 `json:"removing_replicas,omitempty"`
}

func (c *Cluster) saveMetadata(im *image) error {
	if !c.onDisk {
		return nil
	}
	p := persistedCluster{Version: 1, ClusterID: im.clusterID, NextProducerID: im.nextProducerID}
	for _, t := range im.sortedTopics() {
		pt := persistedTopic{Name: t.name, ID: t.id.String(), Internal: t.internal, Configs: t.configs}
		for _, part := range t.partitions {
			pt.Partitions = append(pt.Partitions, persistedPartition{part.replicas, part.isr, part.leader, part.leaderEpoch, part.partitionEpoch, part.adding, part.removing})
		}
		p.Topics = append(p.Topics, pt)
	}
	p.ACLs = persistACLs(im.acls)
	p.BrokerConfigs = im.brokerConfigs
	p.Scram = persistScram(c.creds)
	p.Features, p.FeaturesEpoch = im.features.levels, im.features.epoch
	if p.Features == nil && p.FeaturesEpoch > 0 {
		p.Features = map[string]int16{}
	}
	p.Quotas = persistQuotas(im.quotas)
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return segment.WriteFileAtomic(c.dataRoot, metadataFile, append(b, '\n'))
}

// loadMetadata reads the metadata file, or returns an empty image for a
// new cluster.
func (c *Cluster) loadMetadata() (*image, error) {
	im := &image{brokers: map[int32]*brokerImage{}, topics: map[string]*topicImage{}, topicIDs: map[TopicID]*topicImage{}}
	raw, err := segment.ReadFile(c.dataRoot, metadataFile)
	if errors.Is(err, fs.ErrNotExist) {
		return im, nil
	}
	if err != nil {
		return nil, err
	}
	var p persistedCluster
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("reading %s: %w", metadataFile, err)
	}
	if p.Version != 1 {
		return nil, fmt.Errorf("%s: unsupported version %d", metadataFile, p.Version)
	}
	im.clusterID = p.ClusterID
	im.nextProducerID = p.NextProducerID
	if p.FeaturesEpoch > 0 {
		im.features = featureLevels{levels: p.Features, epoch: p.FeaturesEpoch}
		if im.features.levels == nil {
			im.features.levels = map[string]int16{}
		}
		for name, l := range im.features.levels {
			if f, ok := featureNamed(name); !ok || l < f.min || l > f.max {
				return nil, fmt.Errorf("%s: feature %s at level %d is not supported", metadataFile, name, l)
			}
		}
	}
	if im.acls, err = loadACLs(p.ACLs); err != nil {
		return nil, fmt.Errorf("%s: %w", metadataFile, err)
	}
	if im.brokerConfigs, err = loadBrokerConfigs(p.BrokerConfigs); err != nil {
		return nil, fmt.Errorf("%s: %w", metadataFile, err)
	}
	if err := loadScram(c.creds, p.Scram); err != nil {
		return nil, fmt.Errorf("%s: %w", metadataFile, err)
	}
	if im.quotas, err = loadQuotas(p.Quotas); err != nil {
		return nil, fmt.Errorf("%s: %w", metadataFile, err)
	}
	for _, pt := range p.Topics {
		var id TopicID
		raw, err := base64.RawURLEncoding.DecodeString(pt.ID)
		if err != nil || len(raw) != len(id) {
			return nil, fmt.Errorf("%s: topic %s has a malformed id %q", metadataFile, pt.Name, pt.ID)
		}
		copy(id[:], raw)
		t := &topicImage{name: pt.Name, id: id, internal: pt.Internal, configs: pt.Configs}
		if t.configs == nil {
			t.configs = map[string]string{}
		}
		for _, pp := range pt.Partitions {
			t.partitions = append(t.partitions, &partitionImage{
				replicas: pp.Replicas, isr: pp.ISR, leader: pp.Leader,
				leaderEpoch: pp.LeaderEpoch, partitionEpoch: pp.PartitionEpoch,
				adding: pp.Adding, removing: pp.Removing,
			})
		}
		if err := checkLoadedTopic(im, t); err != nil {
			return nil, fmt.Errorf("%s: %w", metadataFile, err)
		}
		im.putTopic(t)
	}
	return im, nil
}

// checkLoadedTopic refuses a topic the controller could never have
// written, so that a damaged or hand-edited metadata file stops the
// cluster at start with a reason instead of failing somewhere later.
func checkLoadedTopic(im *image, t *topicImage) error {
	if err := validateTopicName(t.name); err != nil {
		return err
	}
	if im.topics[t.name] != nil {
		return fmt.Errorf("topic %s is listed twice", t.name)
	}
	if t.id == (TopicID{}) || im.topicIDs[t.id] != nil {
		return fmt.Errorf("topic %s has the zero or a duplicate topic id %s", t.name, t.id)
	}
	if _, err := config.ValidateTopic(t.configs); err != nil {
		return fmt.Errorf("topic %s: %w", t.name, err)
	}
	if len(t.partitions) == 0 {
		return fmt.Errorf("topic %s has no partitions", t.name)
	}
	for i, p := range t.partitions {
		seen := map[int32]bool{}
		for _, id := range p.replicas {
			if id < 1 || seen[id] {
				return fmt.Errorf("%s-%d has replicas %v: broker ids start at 1 and appear once", t.name, i, p.replicas)
			}
			seen[id] = true
		}
		if len(p.replicas) == 0 {
			return fmt.Errorf("%s-%d has no replicas", t.name, i)
		}
		for _, id := range p.isr {
			if !seen[id] {
				return fmt.Errorf("%s-%d has ISR %v outside its replicas %v", t.name, i, p.isr, p.replicas)
			}
		}
		if p.leader != -1 && !seen[p.leader] {
			return fmt.Errorf("%s-%d has leader %d outside its replicas %v", t.name, i, p.leader, p.replicas)
		}
		for _, id := range append(slices.Clone(p.adding), p.removing...) {
			if !seen[id] || (slices.Contains(p.adding, id) && slices.Contains(p.removing, id)) {
				return fmt.Errorf("%s-%d is reassigning replicas %v, adding %v and removing %v: each must be one of its replicas, and not both", t.name, i, p.replicas, p.adding, p.removing)
			}
		}
		if p.leaderEpoch < 0 || p.partitionEpoch < 0 {
			return fmt.Errorf("%s-%d has a negative epoch", t.name, i)
		}
	}
	return nil
}

// checkBrokerCount refuses to start fewer brokers than the stored topics
// have replicas on: brokers cannot be removed from a cluster by starting
// it smaller.
func (im *image) checkBrokerCount(brokers int) error {
	for _, t := range im.sortedTopics() {
		for i, p := range t.partitions {
			for _, id := range p.replicas {
				if int(id) > brokers {
					return fmt.Errorf("%s-%d has a replica on broker %d, but the cluster is started with %d broker(s); start it with Brokers(%d) or more", t.name, i, id, brokers, id)
				}
			}
		}
	}
	return nil
}
