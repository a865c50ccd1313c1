package controlplane

import (
	"context"
	"net/http"
	"strconv"
)

// Reassignment is one partition's reassignment in progress (GET
// /v1/reassignments): what ListPartitionReassignments reports, and how far
// each new replica has copied its leader's log.
type Reassignment struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"` // the target, then the replicas being removed
	Target    []int32 `json:"target"`
	Adding    []int32 `json:"adding_replicas"`
	Removing  []int32 `json:"removing_replicas"`
	ISR       []int32 `json:"isr"`
	Leader    int32   `json:"leader"`
	// LeaderLogEndOffset is -1 when the leader is not running.
	LeaderLogEndOffset int64 `json:"leader_log_end_offset"`
	// Progress is keyed by the adding replica's broker id.
	Progress map[string]ReplicaProgress `json:"progress"`
}

// ReplicaProgress is one new replica's copy of its leader's log.
type ReplicaProgress struct {
	Running      bool  `json:"running"`
	LogEndOffset int64 `json:"log_end_offset"`
	Lag          int64 `json:"lag"`
	BytesCopied  int64 `json:"bytes_copied"`
	InSync       bool  `json:"in_sync"`
}

func (s *server) reassignments() []Reassignment {
	out := []Reassignment{}
	for _, ra := range s.c.Reassignments() {
		rj := Reassignment{Topic: ra.Topic, Partition: ra.Partition, Replicas: nonNil(ra.Replicas), Target: nonNil(ra.Target()),
			Adding: nonNil(ra.Adding), Removing: nonNil(ra.Removing), ISR: nonNil(ra.ISR), Leader: ra.Leader,
			LeaderLogEndOffset: ra.LeaderLogEndOffset, Progress: map[string]ReplicaProgress{}}
		for id, p := range ra.Progress {
			rj.Progress[strconv.Itoa(int(id))] = ReplicaProgress{Running: p.Running, LogEndOffset: p.LogEndOffset, Lag: p.Lag,
				BytesCopied: p.BytesCopied, InSync: p.InSync}
		}
		out = append(out, rj)
	}
	return out
}

func (s *server) getReassignments(w http.ResponseWriter, _ *http.Request) {
	reply(w, s.reassignments(), nil)
}

// WaitReassignments is POST /v1/wait/reassignments: every reassignment
// of the named topics (all when none) has completed or been cancelled.
type WaitReassignments struct {
	Topics  []string `json:"topics"`
	Timeout string   `json:"timeout"`
}

func (s *server) waitReassignments(w http.ResponseWriter, r *http.Request) {
	var body WaitReassignments
	if err := decode(r, &body); err != nil {
		reply(w, nil, err)
		return
	}
	s.waitFor(w, r, body.Timeout, func(ctx context.Context) (any, error) {
		if err := s.c.WaitForReassignments(ctx, body.Topics...); err != nil {
			return nil, err
		}
		return s.reassignments(), nil
	})
}
