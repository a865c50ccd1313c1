package group

// Committed offsets (OffsetCommit, OffsetFetch, OffsetDelete).
//
// A consumer group remembers where each member got to by committing, per
// partition, the offset of the next record to read (plus a free-form
// metadata string and the leader epoch of the record before it). A commit
// is a record in __consumer_offsets (records.go); the commit is answered
// once that record is replicated, so a committed offset survives the
// coordinator's broker failing. The latest commit per group and partition
// is also kept in memory, which is what OffsetFetch reads.
//
// Who may commit: a member of the group's current generation (classic
// groups: the generation id and member id must match, else
// ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID; consumer groups: the member
// epoch, else STALE_MEMBER_EPOCH), or anyone with generation -1 while the
// group has no members ("simple" consumers that assign partitions
// themselves, and admin tools resetting offsets). While a classic group
// is completing a rebalance commits get REBALANCE_IN_PROGRESS.

import (
	"context"
	"sort"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// offsetEntry is one committed offset.
type offsetEntry struct {
	offset          int64
	leaderEpoch     int32
	metadata        string
	commitTimestamp int64
	// expireTimestamp is set (>= 0) only by OffsetCommit v2-v4 with an
	// explicit retention_time_ms; such offsets expire at that time.
	expireTimestamp int64
	// written orders the commit records as __consumer_offsets holds
	// them (written or replayed), standing in for Kafka's recordOffset:
	// a transaction's COMMIT marker applies a pending offset only over
	// an older commit (txnoffsets.go).
	written int64
}

// offsetStore is a shard's committed offsets: group -> topic -> partition.
type offsetStore map[string]map[string]map[int32]offsetEntry

func (st offsetStore) get(groupID, topic string, p int32) (offsetEntry, bool) {
	o, ok := st[groupID][topic][p]
	return o, ok
}

func (st offsetStore) put(groupID, topic string, p int32, o offsetEntry) {
	byTopic := st[groupID]
	if byTopic == nil {
		byTopic = map[string]map[int32]offsetEntry{}
		st[groupID] = byTopic
	}
	byPart := byTopic[topic]
	if byPart == nil {
		byPart = map[int32]offsetEntry{}
		byTopic[topic] = byPart
	}
	byPart[p] = o
}

func (st offsetStore) remove(groupID, topic string, p int32) bool {
	byPart := st[groupID][topic]
	if _, ok := byPart[p]; !ok {
		return false
	}
	delete(byPart, p)
	if len(byPart) == 0 {
		delete(st[groupID], topic)
	}
	if len(st[groupID]) == 0 {
		delete(st, groupID)
	}
	return true
}

// sortedTopics lists a group's committed topics by name.
func (st offsetStore) sortedTopics(groupID string) []string {
	var out []string
	for t := range st[groupID] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func sortedPartitions(m map[int32]offsetEntry) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// replayOffset applies one OffsetCommit record (or tombstone) to the
// store, on load and after each commit's append. A commit for a group the
// shard does not know creates a "simple" classic group for it: an empty
// group with no protocol, as Kafka does for consumers that commit
// without joining.
func (s *shard) replayOffset(k *kmsg.OffsetCommitKey, v *kmsg.OffsetCommitValue) {
	if v == nil {
		s.offsets.remove(k.Group, k.Topic, k.Partition)
		return
	}
	if s.groups[k.Group] == nil {
		s.groups[k.Group] = newClassicGroup(s, k.Group)
	}
	o := offsetEntry{offset: v.Offset, leaderEpoch: -1, metadata: v.Metadata, commitTimestamp: v.CommitTimestamp, expireTimestamp: -1}
	if v.Version >= 3 {
		o.leaderEpoch = v.LeaderEpoch
	}
	if v.Version == 1 {
		o.expireTimestamp = v.ExpireTimestamp
	}
	o.written = s.nextWritten()
	s.offsets.put(k.Group, k.Topic, k.Partition, o)
}

// CommitOffsets handles OffsetCommit for the topics the broker found to
// exist (the broker answers unknown ones itself). It returns once the
// commit is replicated or has failed. The flow is Kafka's
// OffsetMetadataManager.commitOffset: check the committer against the
// group, turn each partition into an OffsetCommit record (or a
// per-partition error), and write the records to __consumer_offsets.
func (c *Coordinator) CommitOffsets(ctx context.Context, req *kmsg.OffsetCommitRequest) (*kmsg.OffsetCommitResponse, error) {
	s, err := c.shardFor(req.Group)
	if err != nil {
		return commitResponseWithError(req, err), nil
	}
	done := make(chan error, 1)
	var codes map[string]map[int32]int16
	err = s.do(func() {
		if err := s.acceptCommit(req); err != nil {
			done <- err
			return
		}
		var batch commitBatch
		batch, codes = s.commitBatchOf(req)
		s.writeCommit(req, batch, done)
	})
	if err != nil {
		return commitResponseWithError(req, err), nil
	}
	werr, cerr := wait(ctx, done)
	if cerr != nil {
		return nil, cerr
	}
	if werr != nil {
		return commitResponseWithError(req, werr), nil
	}
	return commitResponse(req, func(topic string, p int32) int16 { return codes[topic][p] }), nil
}

// acceptCommit checks the committer's identity against the group (which
// a simple consumer's commit creates). In the classic protocol a commit
// also counts as a heartbeat.
func (s *shard) acceptCommit(req *kmsg.OffsetCommitRequest) error {
	id := commitIdentity{memberID: req.MemberID, generation: req.Generation, version: req.Version}
	if req.InstanceID != nil {
		id.instanceID = *req.InstanceID
	}
	g, err := s.groupForCommit(req.Group, id)
	if err != nil {
		return err
	}
	if cg, ok := g.(*classicGroup); ok && (cg.state == stateStable || cg.state == statePreparingRebalance) {
		if m := cg.members[req.MemberID]; m != nil {
			s.rescheduleHeartbeat(cg, m, m.sessionTimeout)
		}
	}
	return nil
}

// commitBatch is what one OffsetCommit writes: a record per accepted
// partition, and the entry and event each record stands for.
type commitBatch struct {
	records   []logRecord
	entries   []offsetEntry
	committed []CommittedOffset
}

// commitBatchOf turns the request's partitions into records, and
// returns the error code of each partition: OFFSET_METADATA_TOO_LARGE
// past offset.metadata.max.bytes, otherwise none. The retention time
// of v2-v4 sets an expiry; leader epochs exist from v6.
func (s *shard) commitBatchOf(req *kmsg.OffsetCommitRequest) (commitBatch, map[string]map[int32]int16) {
	now := s.nowMs()
	expire := int64(-1)
	if req.Version >= 2 && req.Version <= 4 && req.RetentionTimeMillis != -1 {
		expire = now + req.RetentionTimeMillis
	}
	codes := map[string]map[int32]int16{}
	var b commitBatch
	for _, t := range req.Topics {
		codes[t.Topic] = map[int32]int16{}
		for _, p := range t.Partitions {
			epoch := p.LeaderEpoch
			if req.Version < 6 {
				epoch = -1
			}
			if code := b.add(s, req.Group, t.Topic, p.Partition, p.Offset, epoch, p.Metadata, now, expire); code != 0 {
				codes[t.Topic][p.Partition] = code
			}
		}
	}
	return b, codes
}

// add puts one partition's commit into the batch, or returns the code
// that refuses it (OFFSET_METADATA_TOO_LARGE past
// offset.metadata.max.bytes); OffsetCommit and TxnOffsetCommit share it.
func (b *commitBatch) add(s *shard, groupID, topic string, partition int32, offset int64, leaderEpoch int32, metadata *string, now, expire int64) int16 {
	md := ""
	if metadata != nil {
		md = *metadata
	}
	if len(md) > s.c.cfg.OffsetMetadataMaxBytes {
		return kerr.OffsetMetadataTooLarge.Code
	}
	o := offsetEntry{offset: offset, leaderEpoch: leaderEpoch, metadata: md, commitTimestamp: now, expireTimestamp: expire}
	b.records = append(b.records, offsetCommitRecord(groupID, topic, partition, o))
	b.entries = append(b.entries, o)
	b.committed = append(b.committed, CommittedOffset{Topic: topic, Partition: partition, Offset: offset, Metadata: md})
	return 0
}

// writeCommit writes the batch and reports the outcome on done. The
// records are applied at once, as Kafka's coordinator replays its own
// writes; the response still waits for replication.
func (s *shard) writeCommit(req *kmsg.OffsetCommitRequest, b commitBatch, done chan<- error) {
	apply := func() {
		for i, c := range b.committed {
			o := b.entries[i]
			o.written = s.nextWritten()
			s.offsets.put(req.Group, c.Topic, c.Partition, o)
		}
	}
	s.write(b.records, apply, func(err error) {
		if err == nil && len(b.committed) > 0 {
			s.emit(Event{Type: EventOffsetsCommitted, Group: req.Group, Member: req.MemberID, Generation: req.Generation, Offsets: b.committed})
		}
		done <- err
	})
}

// commitResponse answers every partition of the request with code.
func commitResponse(req *kmsg.OffsetCommitRequest, code func(topic string, partition int32) int16) *kmsg.OffsetCommitResponse {
	resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, code(t.Topic, p.Partition)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// commitResponseWithError answers every partition with err's code.
func commitResponseWithError(req *kmsg.OffsetCommitRequest, err error) *kmsg.OffsetCommitResponse {
	code := kafkaerr.Code(err)
	return commitResponse(req, func(string, int32) int16 { return code })
}

// groupForCommit finds (or, for a simple consumer, creates) the group a
// commit is for and checks the committer's identity.
func (s *shard) groupForCommit(groupID string, id commitIdentity) (group, error) {
	g := s.groups[groupID]
	if g == nil {
		if id.generation >= 0 {
			if id.version >= 9 {
				return nil, kafkaerr.New(kerr.GroupIDNotFound, "group %s does not exist", groupID)
			}
			return nil, kafkaerr.New(kerr.IllegalGeneration, "group %s does not exist, so generation %d is not current", groupID, id.generation)
		}
		g = newClassicGroup(s, groupID)
		s.groups[groupID] = g
	}
	if err := g.validateOffsetCommit(id); err != nil {
		return nil, err
	}
	return g, nil
}

// replayRecords applies records this shard just wrote.
func (s *shard) replayRecords(recs []logRecord) {
	for _, r := range recs {
		d, err := decodeRecord(r.key, r.value)
		if err != nil {
			continue
		}
		s.replay(d)
	}
}

// FetchOffsets handles one group of an OffsetFetch request (the v8+
// shape; the broker converts older versions). Topics nil means every
// committed offset of the group. With requireStable (KIP-447) the answer
// waits until the shard's own writes in flight are committed.
func (c *Coordinator) FetchOffsets(ctx context.Context, req kmsg.OffsetFetchRequestGroup, requireStable bool) (kmsg.OffsetFetchResponseGroup, error) {
	resp := kmsg.NewOffsetFetchResponseGroup()
	resp.Group = req.Group
	s, err := c.shardFor(req.Group)
	if err != nil {
		resp.ErrorCode = kafkaerr.Code(err)
		return resp, nil
	}
	ready := make(chan error, 1)
	if requireStable {
		if err := s.do(func() { s.barrier(func(err error) { ready <- err }) }); err != nil {
			resp.ErrorCode = kafkaerr.Code(err)
			return resp, nil
		}
		err, cerr := wait(ctx, ready)
		if cerr != nil {
			return resp, cerr
		}
		if err != nil {
			// Kafka answers a fetch whose wait timed out with
			// NOT_COORDINATOR, which every client version retries.
			resp.ErrorCode = kerr.NotCoordinator.Code
			return resp, nil
		}
	}
	err = s.read(func() { resp = s.fetchOffsets(req, requireStable) })
	if err != nil {
		resp.ErrorCode = kafkaerr.Code(err)
	}
	return resp, nil
}

// With requireStable, a partition with a transactional commit pending
// is answered UNSTABLE_OFFSET_COMMIT, per partition as Kafka's
// OffsetMetadataManager.fetchOffsets does.
func (s *shard) fetchOffsets(req kmsg.OffsetFetchRequestGroup, requireStable bool) kmsg.OffsetFetchResponseGroup {
	resp := kmsg.NewOffsetFetchResponseGroup()
	resp.Group = req.Group
	g := s.groups[req.Group]
	if g != nil {
		if err := g.validateOffsetFetch(req.MemberID, req.MemberEpoch); err != nil {
			resp.ErrorCode = kafkaerr.Code(err)
			return resp
		}
	}
	partition := func(topic string, p int32, o offsetEntry, ok bool) kmsg.OffsetFetchResponseGroupTopicPartition {
		rp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, -1, -1
		if requireStable && s.hasPendingTxnOffset(req.Group, topic, p) {
			rp.ErrorCode = kerr.UnstableOffsetCommit.Code
			none := ""
			rp.Metadata = &none
			return rp
		}
		md := ""
		if ok {
			rp.Offset, rp.LeaderEpoch, md = o.offset, o.leaderEpoch, o.metadata
		}
		rp.Metadata = &md
		return rp
	}
	if req.Topics == nil {
		if g == nil {
			resp.Topics = []kmsg.OffsetFetchResponseGroupTopic{}
			return resp
		}
		for _, topic := range s.offsets.sortedTopics(req.Group) {
			rt := kmsg.NewOffsetFetchResponseGroupTopic()
			rt.Topic = topic
			parts := s.offsets[req.Group][topic]
			for _, p := range sortedPartitions(parts) {
				rt.Partitions = append(rt.Partitions, partition(topic, p, parts[p], true))
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetFetchResponseGroupTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			o, ok := s.offsets.get(req.Group, t.Topic, p)
			rt.Partitions = append(rt.Partitions, partition(t.Topic, p, o, ok && g != nil))
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// barrier calls then once everything written so far is committed.
// Callers hold the lock.
func (s *shard) barrier(then func(error)) {
	if len(s.pending) == 0 {
		then(nil)
		return
	}
	last := s.pending[len(s.pending)-1]
	prev := last.then
	last.then = func(err error) {
		prev(err)
		then(err)
	}
}

// DeleteOffsets handles OffsetDelete: the group must exist, and offsets
// of topics its members still consume are kept
// (GROUP_SUBSCRIBED_TO_TOPIC); a classic group that is not using the
// consumer protocol must be empty (NON_EMPTY_GROUP).
func (c *Coordinator) DeleteOffsets(ctx context.Context, req *kmsg.OffsetDeleteRequest) (*kmsg.OffsetDeleteResponse, error) {
	resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
	if req.Group == "" {
		resp.ErrorCode = kerr.InvalidGroupID.Code
		return resp, nil
	}
	s, err := c.shardFor(req.Group)
	if err != nil {
		resp.ErrorCode = kafkaerr.Code(err)
		return resp, nil
	}
	done := make(chan error, 1)
	err = s.do(func() {
		g := s.groups[req.Group]
		if g == nil {
			done <- kafkaerr.New(kerr.GroupIDNotFound, "group %s does not exist", req.Group)
			return
		}
		if err := g.validateOffsetDelete(); err != nil {
			done <- err
			return
		}
		var recs []logRecord
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetDeleteResponseTopic()
			rt.Topic = t.Topic
			subscribed := g.isSubscribedTo(t.Topic)
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetDeleteResponseTopicPartition()
				rp.Partition = p.Partition
				if subscribed {
					rp.ErrorCode = kerr.GroupSubscribedToTopic.Code
				} else if _, ok := s.offsets.get(req.Group, t.Topic, p.Partition); ok {
					recs = append(recs, offsetTombstone(req.Group, t.Topic, p.Partition))
				}
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		s.write(recs, func() { s.replayRecords(recs) }, func(err error) { done <- err })
	})
	if err == nil {
		var cerr error
		err, cerr = wait(ctx, done)
		if cerr != nil {
			return nil, cerr
		}
	}
	if err != nil {
		resp.Topics = nil
		resp.ErrorCode = kafkaerr.Code(err)
	}
	return resp, nil
}
