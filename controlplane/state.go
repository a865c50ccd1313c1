package controlplane

import (
	"errors"
	"net/http"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The JSON shapes of the read endpoints.

// Cluster is GET /v1/cluster.
type Cluster struct {
	ClusterID    string   `json:"cluster_id"`
	ControllerID int32    `json:"controller_id"`
	Brokers      []Broker `json:"brokers"`
}

// Broker is one broker of the cluster.
type Broker struct {
	ID      int32  `json:"id"`
	Addr    string `json:"addr"`
	Running bool   `json:"running"`
}

// Topic is one topic of GET /v1/topics.
type Topic struct {
	Name              string            `json:"name"`
	ID                string            `json:"id"`
	Internal          bool              `json:"internal"`
	Partitions        int               `json:"partitions"`
	ReplicationFactor int               `json:"replication_factor"`
	Configs           map[string]string `json:"configs"`
}

// Partition is one partition: its registration and its replicas.
type Partition struct {
	Topic       string  `json:"topic"`
	Partition   int32   `json:"partition"`
	Leader      int32   `json:"leader"` // -1 when offline
	LeaderEpoch int32   `json:"leader_epoch"`
	Replicas    []int32 `json:"replicas"`
	ISR         []int32 `json:"isr"`
	// AddingReplicas and RemovingReplicas are set while the partition
	// is being reassigned.
	AddingReplicas   []int32   `json:"adding_replicas"`
	RemovingReplicas []int32   `json:"removing_replicas"`
	OfflineReplicas  []int32   `json:"offline_replicas"`
	ReplicaStates    []Replica `json:"replica_states"` // replicas on running brokers
}

// Replica is one replica's offsets and log segments.
type Replica struct {
	Broker         int32     `json:"broker"`
	LogStartOffset int64     `json:"log_start_offset"`
	HighWatermark  int64     `json:"high_watermark"`
	LogEndOffset   int64     `json:"log_end_offset"`
	Segments       []Segment `json:"segments"`
}

// Segment is one segment of a replica's log.
type Segment struct {
	BaseOffset int64 `json:"base_offset"`
	NextOffset int64 `json:"next_offset"`
	Size       int64 `json:"size"`
	Batches    int   `json:"batches"`
	Records    int64 `json:"records"`
}

// GroupListing is one group of GET /v1/groups.
type GroupListing struct {
	Group       string `json:"group"`
	Protocol    string `json:"protocol"` // classic or consumer
	State       string `json:"state"`
	Coordinator int32  `json:"coordinator"`
}

// Group is GET /v1/groups/{group}.
type Group struct {
	Group       string   `json:"group"`
	Protocol    string   `json:"protocol"`
	State       string   `json:"state"`
	Generation  int32    `json:"generation"`
	Assignor    string   `json:"assignor"`
	Leader      string   `json:"leader,omitempty"`
	Coordinator int32    `json:"coordinator"`
	Members     []Member `json:"members"`
	Lag         []Lag    `json:"lag"`
	TotalLag    int64    `json:"total_lag"`
}

// Member is one member of a group and its assignment.
type Member struct {
	MemberID   string             `json:"member_id"`
	InstanceID string             `json:"instance_id,omitempty"`
	ClientID   string             `json:"client_id"`
	Host       string             `json:"host"`
	Assignment map[string][]int32 `json:"assignment"`
}

// Lag is one row of kafka-consumer-groups.sh --describe.
type Lag struct {
	Topic           string `json:"topic"`
	Partition       int32  `json:"partition"`
	CommittedOffset int64  `json:"committed_offset"` // -1: none
	LogEndOffset    int64  `json:"log_end_offset"`   // the high watermark
	Lag             int64  `json:"lag"`              // -1: unknown
	MemberID        string `json:"member_id,omitempty"`
}

func (s *server) cluster() Cluster {
	out := Cluster{ClusterID: s.c.ClusterID(), ControllerID: -1}
	for _, b := range s.c.BrokerReplication() {
		if b.Controller {
			out.ControllerID = b.Broker
		}
	}
	for _, b := range s.c.Brokers() {
		out.Brokers = append(out.Brokers, Broker{ID: b.ID(), Addr: b.Addr(), Running: b.Running()})
	}
	return out
}

func (s *server) getCluster(w http.ResponseWriter, _ *http.Request) { reply(w, s.cluster(), nil) }

func (s *server) getTopics(w http.ResponseWriter, _ *http.Request) {
	out := []Topic{}
	for _, t := range s.c.Topics() {
		out = append(out, Topic{Name: t.Name, ID: t.ID.String(), Internal: t.Internal,
			Partitions: t.Partitions, ReplicationFactor: t.ReplicationFactor, Configs: t.Configs})
	}
	reply(w, out, nil)
}

func (s *server) getTopic(w http.ResponseWriter, r *http.Request) {
	ps, err := s.c.Partitions(r.PathValue("topic"))
	if err != nil {
		reply(w, nil, &apiError{http.StatusNotFound, err})
		return
	}
	out := make([]Partition, 0, len(ps))
	for _, p := range ps {
		out = append(out, partitionJSON(p))
	}
	reply(w, out, nil)
}

func (s *server) getPartition(w http.ResponseWriter, r *http.Request) {
	p, err := int32Param(r, "partition")
	if err != nil {
		reply(w, nil, err)
		return
	}
	pi, err := s.c.Partition(r.PathValue("topic"), p)
	if err != nil {
		reply(w, nil, &apiError{http.StatusNotFound, err})
		return
	}
	reply(w, partitionJSON(pi), nil)
}

func partitionJSON(p broker.PartitionInfo) Partition {
	out := Partition{Topic: p.Topic, Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
		Replicas: nonNil(p.Replicas), ISR: nonNil(p.ISR),
		AddingReplicas: nonNil(p.AddingReplicas), RemovingReplicas: nonNil(p.RemovingReplicas),
		OfflineReplicas: nonNil(p.OfflineReplicas), ReplicaStates: []Replica{}}
	for _, id := range p.Replicas {
		ri, ok := p.Replica[id]
		if !ok {
			continue
		}
		rj := Replica{Broker: id, LogStartOffset: ri.LogStartOffset, HighWatermark: ri.HighWatermark, LogEndOffset: ri.LogEndOffset, Segments: []Segment{}}
		for _, sg := range ri.Segments {
			rj.Segments = append(rj.Segments, Segment{BaseOffset: sg.BaseOffset, NextOffset: sg.NextOffset, Size: sg.Size, Batches: sg.Batches, Records: sg.Records})
		}
		out.ReplicaStates = append(out.ReplicaStates, rj)
	}
	return out
}

func nonNil(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

func protocolName(t group.Type) string {
	if t == group.Consumer {
		return "consumer"
	}
	return "classic"
}

func (s *server) getGroups(w http.ResponseWriter, _ *http.Request) {
	out := []GroupListing{}
	for _, l := range s.c.Groups() {
		out = append(out, GroupListing{Group: l.Group, Protocol: protocolName(l.Type), State: l.State, Coordinator: l.Coordinator})
	}
	reply(w, out, nil)
}

func (s *server) getGroup(w http.ResponseWriter, r *http.Request) {
	d, err := s.c.Group(r.PathValue("group"))
	reply(w, groupJSON(d), groupError(err))
}

// groupError gives Cluster.Group's errors their status.
func groupError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.GroupIDNotFound):
		return &apiError{http.StatusNotFound, err}
	case errors.Is(err, kerr.CoordinatorNotAvailable):
		return &apiError{http.StatusServiceUnavailable, err}
	}
	if code := kafkaerr.Code(err); code != 0 {
		return &apiError{http.StatusServiceUnavailable, err}
	}
	return err
}

func groupJSON(d broker.GroupDescription) Group {
	out := Group{Group: d.Group, Protocol: protocolName(d.Type), State: d.State, Generation: d.Generation,
		Assignor: d.Protocol, Leader: d.Leader, Coordinator: d.Coordinator, Members: []Member{}, Lag: []Lag{}, TotalLag: d.TotalLag()}
	for _, m := range d.Members {
		a := m.Assignment
		if a == nil {
			a = map[string][]int32{}
		}
		out.Members = append(out.Members, Member{MemberID: m.MemberID, InstanceID: m.InstanceID, ClientID: m.ClientID, Host: m.ClientHost, Assignment: a})
	}
	for _, l := range d.Lag {
		out.Lag = append(out.Lag, Lag{Topic: l.Topic, Partition: l.Partition, CommittedOffset: l.CommittedOffset,
			LogEndOffset: l.LogEndOffset, Lag: l.Lag, MemberID: l.MemberID})
	}
	return out
}
