package group

// Transactional offset commits (TxnOffsetCommit, KIP-98 and KIP-447).
//
// A consume-transform-produce application commits its consumer offsets
// inside its producer's transaction, so that the offsets count exactly
// when the records it produced do. The commit is written to
// __consumer_offsets like any other (OffsetCommit records), but in a
// transactional batch carrying the producer's id and epoch, and held
// pending per producer id (Kafka's pendingTransactionalOffsetCommits):
// OffsetFetch does not return it. When the transaction ends, its
// coordinator writes a marker to this __consumer_offsets partition too
// (WriteTxnMarkers); a COMMIT moves the producer's pending offsets into
// the committed ones, an ABORT drops them. Loading a partition replays
// the same: transactional records become pending, markers resolve them.
//
// While any pending offset exists for a group's partition, an OffsetFetch
// with require_stable (v7+) answers that partition with
// UNSTABLE_OFFSET_COMMIT, a retriable error: a consumer taking over the
// partition waits until the transaction ends rather than start from an
// offset about to change.

import (
	"context"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// CommitTxnOffsets handles TxnOffsetCommit for the topics the broker
// found to exist. The committer is checked as OffsetMetadataManager's
// validateTransactionalOffsetCommit does: an unknown group with
// generation -1 becomes a simple group, with a generation it is
// ILLEGAL_GENERATION; the member id, group.instance.id (v3+) and
// generation must match the group's current ones (a consumer group's
// stale member epoch reads as ILLEGAL_GENERATION); before v3 the request
// carries no member and is not checked against one.
func (c *Coordinator) CommitTxnOffsets(ctx context.Context, req *kmsg.TxnOffsetCommitRequest) (*kmsg.TxnOffsetCommitResponse, error) {
	if req.ProducerID < 0 || req.ProducerEpoch < 0 {
		return txnCommitResponse(req, func(string, int32) int16 { return kerr.InvalidRequest.Code }), nil
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		return txnCommitResponseWithError(req, err), nil
	}
	done := make(chan error, 1)
	var codes map[string]map[int32]int16
	err = s.do(func() {
		if err := s.acceptTxnCommit(req); err != nil {
			done <- err
			return
		}
		var b commitBatch
		b, codes = s.txnCommitBatchOf(req)
		if len(b.records) == 0 {
			done <- nil
			return
		}
		rs := make([]record.Record, len(b.records))
		now := s.nowMs()
		for i, r := range b.records {
			rs[i] = record.Record{Timestamp: now, Key: r.key, Value: r.value}
		}
		batch, err := record.Build(record.BatchOptions{Transactional: true, HasProducer: true,
			ProducerID: req.ProducerID, ProducerEpoch: req.ProducerEpoch, BaseSequence: -1}, rs)
		if err != nil {
			done <- kafkaerr.New(kerr.UnknownServerError, "building a __consumer_offsets batch: %v", err)
			return
		}
		apply := func() {
			for i, co := range b.committed {
				s.putTxnOffset(req.ProducerID, req.Group, co.Topic, co.Partition, b.entries[i])
			}
		}
		s.writeBatch(batch, apply, func(err error) { done <- err })
	})
	if err != nil {
		return txnCommitResponseWithError(req, err), nil
	}
	werr, cerr := wait(ctx, done)
	if cerr != nil {
		return nil, cerr
	}
	if werr != nil {
		return txnCommitResponseWithError(req, werr), nil
	}
	return txnCommitResponse(req, func(topic string, p int32) int16 { return codes[topic][p] }), nil
}

func (s *shard) acceptTxnCommit(req *kmsg.TxnOffsetCommitRequest) error {
	id := commitIdentity{memberID: req.MemberID, generation: req.Generation, version: req.Version, transactional: true}
	if req.InstanceID != nil {
		id.instanceID = *req.InstanceID
	}
	if id.generation < 0 && id.memberID == "" && id.instanceID == "" {
		// Before v3 (and from producers that do not send their group
		// metadata) nothing identifies a member.
		if g := s.groups[req.Group]; g == nil {
			s.groups[req.Group] = newClassicGroup(s, req.Group)
		} else if cg, ok := g.(*classicGroup); ok && cg.state == stateDead {
			return kafkaerr.New(kerr.CoordinatorNotAvailable, "group %s is dead", req.Group)
		}
		return nil
	}
	if s.groups[req.Group] == nil && id.generation >= 0 {
		return kafkaerr.New(kerr.IllegalGeneration, "group %s does not exist, so generation %d is not current", req.Group, id.generation)
	}
	_, err := s.groupForCommit(req.Group, id)
	return err
}

// txnCommitBatchOf is commitBatchOf for TxnOffsetCommit.
func (s *shard) txnCommitBatchOf(req *kmsg.TxnOffsetCommitRequest) (commitBatch, map[string]map[int32]int16) {
	now := s.nowMs()
	codes := map[string]map[int32]int16{}
	var b commitBatch
	for _, t := range req.Topics {
		codes[t.Topic] = map[int32]int16{}
		for _, p := range t.Partitions {
			epoch := p.LeaderEpoch
			if req.Version < 2 {
				epoch = -1
			}
			if code := b.add(s, req.Group, t.Topic, p.Partition, p.Offset, epoch, p.Metadata, now, -1); code != 0 {
				codes[t.Topic][p.Partition] = code
			}
		}
	}
	return b, codes
}

// nextWritten numbers a commit record applied to the shard, in
// __consumer_offsets order. Callers hold the shard.
func (s *shard) nextWritten() int64 {
	s.written++
	return s.written
}

func (s *shard) putTxnOffset(pid int64, groupID, topic string, p int32, o offsetEntry) {
	st := s.txnOffsets[pid]
	if st == nil {
		st = offsetStore{}
		s.txnOffsets[pid] = st
	}
	if s.groups[groupID] == nil {
		s.groups[groupID] = newClassicGroup(s, groupID)
	}
	o.written = s.nextWritten()
	st.put(groupID, topic, p, o)
}

// replayTxnOffset applies a transactional OffsetCommit record on load.
func (s *shard) replayTxnOffset(pid int64, k *kmsg.OffsetCommitKey, v *kmsg.OffsetCommitValue) {
	if v == nil {
		if st := s.txnOffsets[pid]; st != nil {
			st.remove(k.Group, k.Topic, k.Partition)
		}
		return
	}
	o := offsetEntry{offset: v.Offset, leaderEpoch: -1, metadata: v.Metadata, commitTimestamp: v.CommitTimestamp, expireTimestamp: -1}
	if v.Version >= 3 {
		o.leaderEpoch = v.LeaderEpoch
	}
	s.putTxnOffset(pid, k.Group, k.Topic, k.Partition, o)
}

// completeTxn applies a marker for producer pid: COMMIT makes its
// pending offsets the committed ones, ABORT drops them. A pending offset
// does not replace a commit written after it (a plain OffsetCommit of
// the same partition while the transaction was open): the most recent
// record wins, as in Kafka's OffsetMetadataManager.replayEndTransactionMarker,
// so compacting __consumer_offsets cannot change which one counts.
func (s *shard) completeTxn(pid int64, commit bool) []Event {
	st := s.txnOffsets[pid]
	delete(s.txnOffsets, pid)
	if !commit || st == nil {
		return nil
	}
	var events []Event
	for groupID, byTopic := range st {
		var committed []CommittedOffset
		for topic, byPart := range byTopic {
			for p, o := range byPart {
				if cur, ok := s.offsets.get(groupID, topic, p); ok && cur.written > o.written {
					continue
				}
				s.offsets.put(groupID, topic, p, o)
				committed = append(committed, CommittedOffset{Topic: topic, Partition: p, Offset: o.offset, Metadata: o.metadata})
			}
		}
		events = append(events, Event{Type: EventOffsetsCommitted, Group: groupID, Generation: -1, Offsets: committed,
			Reason: "transaction committed"})
	}
	return events
}

// hasPendingTxnOffset reports whether a transactional commit for the
// group's partition waits for its transaction.
func (s *shard) hasPendingTxnOffset(groupID, topic string, p int32) bool {
	for _, st := range s.txnOffsets {
		if _, ok := st.get(groupID, topic, p); ok {
			return true
		}
	}
	return false
}

// CompleteTransaction applies a transaction marker that was written (and
// replicated) on __consumer_offsets partition offsetsPartition, as Kafka's
// GroupCoordinator.completeTransaction: the producer's pending
// transactional offsets are committed or dropped. NOT_COORDINATOR when this
// broker does not serve the partition.
func (c *Coordinator) CompleteTransaction(offsetsPartition int32, producerID int64, commit bool) error {
	if producerID < 0 {
		return kafkaerr.New(kerr.InvalidRequest, "a transaction marker needs a producer id, got %d", producerID)
	}
	c.mu.RLock()
	s := c.shards[offsetsPartition]
	c.mu.RUnlock()
	if s == nil {
		return kafkaerr.New(kerr.NotCoordinator, "this broker does not coordinate __consumer_offsets-%d", offsetsPartition)
	}
	return s.do(func() {
		for _, e := range s.completeTxn(producerID, commit) {
			s.emit(e)
		}
	})
}

// txnCommitResponse answers every partition of the request with code.
func txnCommitResponse(req *kmsg.TxnOffsetCommitRequest, code func(topic string, partition int32) int16) *kmsg.TxnOffsetCommitResponse {
	resp := req.ResponseKind().(*kmsg.TxnOffsetCommitResponse)
	resp.SetVersion(req.Version)
	for _, t := range req.Topics {
		rt := kmsg.NewTxnOffsetCommitResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewTxnOffsetCommitResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, code(t.Topic, p.Partition)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

func txnCommitResponseWithError(req *kmsg.TxnOffsetCommitRequest, err error) *kmsg.TxnOffsetCommitResponse {
	code := kafkaerr.Code(err)
	return txnCommitResponse(req, func(string, int32) int16 { return code })
}
