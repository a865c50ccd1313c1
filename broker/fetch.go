package broker

// Fetch (key 1), versions 4-17.
//
// Consumers read record batches from partition leaders. For each
// partition the request gives a fetch offset and a byte limit; the
// response holds whole batches starting with the one that contains the
// offset (so a consumer may get a few records before its offset, which it
// skips), never past the high watermark (or, for read_committed, the last
// stable offset), plus the partition's high watermark, last stable offset
// and log start offset.
//
// Limits: partition_max_bytes per partition, max_bytes (capped by the
// broker's fetch.max.bytes) for the response. The first batch of the first
// non-empty partition is returned even when it is larger than both, so a
// consumer can never get stuck behind a large batch (KIP-74).
//
// Long polling: if fewer than min_bytes are available the broker parks the
// request until enough arrive or max_wait_ms passes on the cluster clock
// (fetch.min.bytes and fetch.max.wait.ms on the consumer). Errors answer
// at once.
//
// Versions 0-3 returned the pre-0.11 message formats and were removed in
// Kafka 4 (KIP-896). v7 added fetch sessions (fetchsession.go), v9
// current_leader_epoch (FENCED_LEADER_EPOCH, KIP-320), v13 topic ids
// instead of names (KIP-516).

import (
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(4, 17, handleFetch) }

// fetchTarget is one partition to read in a fetch.
type fetchTarget struct {
	topic     string
	topicID   TopicID
	partition int32
	read      partition.ReadOptions
	session   *sessionPartition // nil for sessionless fetches
	err       error             // resolution error (unknown topic id, ...)
}

// fetchResult is one partition's outcome.
type fetchResult struct {
	res partition.ReadResult
	err error
}

func handleFetch(r *request, req *kmsg.FetchRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.FetchResponse))
	targets, session, errCode := b.fetchTargets(r, req)
	if errCode != 0 {
		resp.ErrorCode = errCode
		return resp, nil
	}
	if session != nil {
		defer session.mu.Unlock()
		resp.SessionID = session.id
	}
	maxBytes := int(req.MaxBytes)
	if limit := b.config.Int("fetch.max.bytes"); maxBytes > limit || maxBytes <= 0 {
		maxBytes = min(limit, max(maxBytes, 0))
	}
	isolation := partition.IsolationLevel(req.IsolationLevel)
	for i := range targets {
		targets[i].read.Isolation = isolation
	}

	results := b.readTargets(targets, maxBytes)
	if !fetchSatisfied(results, int(req.MinBytes)) && req.MaxWaitMillis > 0 {
		results = b.waitForFetch(r, targets, maxBytes, int(req.MinBytes), time.Duration(req.MaxWaitMillis)*time.Millisecond, results)
	}
	if r.ctx.Err() != nil {
		return nil, r.ctx.Err()
	}

	incremental := session != nil && req.SessionEpoch > 0
	byTopic := map[string]int{}
	for i, t := range targets {
		res := results[i]
		rp := kmsg.NewFetchResponseTopicPartition()
		rp.Partition = t.partition
		rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = -1, -1, -1
		rp.PreferredReadReplica = -1
		// Kafka always sends a records field, empty rather than null,
		// even with an error; librdkafka rejects a null one.
		rp.RecordBatches = []byte{}
		if res.err != nil {
			rp.ErrorCode = kafkaerr.Code(res.err)
		} else {
			rp.HighWatermark = res.res.HighWatermark
			rp.LastStableOffset = res.res.LastStableOffset
			rp.LogStartOffset = res.res.LogStartOffset
			if len(res.res.Records) > 0 {
				rp.RecordBatches = res.res.Records
			}
		}
		if t.session != nil {
			changed := len(rp.RecordBatches) > 0 || rp.ErrorCode != 0 ||
				t.session.sentHighWatermark != rp.HighWatermark || t.session.sentLogStartOffset != rp.LogStartOffset
			t.session.sentHighWatermark, t.session.sentLogStartOffset = rp.HighWatermark, rp.LogStartOffset
			if rp.ErrorCode != 0 {
				t.session.sentHighWatermark = -1
			}
			if incremental && !changed {
				continue
			}
		}
		key := t.topic
		if r.version >= 13 {
			key = t.topicID.String()
		}
		idx, ok := byTopic[key]
		if !ok {
			rt := kmsg.NewFetchResponseTopic()
			rt.Topic, rt.TopicID = t.topic, t.topicID
			resp.Topics = append(resp.Topics, rt)
			idx = len(resp.Topics) - 1
			byTopic[key] = idx
		}
		resp.Topics[idx].Partitions = append(resp.Topics[idx].Partitions, rp)
	}
	return resp, nil
}

// fetchTargets resolves the partitions to read, from the request alone or
// through its fetch session. A returned session is locked.
func (b *Broker) fetchTargets(r *request, req *kmsg.FetchRequest) ([]fetchTarget, *fetchSession, int16) {
	im := b.cluster.ctl.current()
	resolve := func(name string, id TopicID) (string, TopicID, error) {
		if r.version >= 13 {
			t := im.topicIDs[id]
			if t == nil {
				return "", id, kafkaerr.New(kerr.UnknownTopicID, "unknown topic id %s", id)
			}
			return t.name, id, nil
		}
		if t := im.topics[name]; t != nil {
			return name, t.id, nil
		}
		return name, TopicID{}, nil
	}
	fromRequest := func() []sessionPartition {
		var out []sessionPartition
		for _, rt := range req.Topics {
			name, id, err := resolve(rt.Topic, rt.TopicID)
			for _, rp := range rt.Partitions {
				sp := sessionPartition{topic: name, topicID: id, partition: rp.Partition, fetchOffset: rp.FetchOffset,
					maxBytes: rp.PartitionMaxBytes, currentLeaderEpoch: rp.CurrentLeaderEpoch, lastFetchedEpoch: rp.LastFetchedEpoch}
				if err != nil {
					sp.topic = "\x00unknown:" + id.String()
				}
				out = append(out, sp)
			}
		}
		return out
	}
	toTargets := func(parts []*sessionPartition, session bool) []fetchTarget {
		out := make([]fetchTarget, 0, len(parts))
		for _, sp := range parts {
			t := fetchTarget{topic: sp.topic, topicID: sp.topicID, partition: sp.partition, read: partition.ReadOptions{
				Offset: sp.fetchOffset, MaxBytes: int(sp.maxBytes), CurrentLeaderEpoch: sp.currentLeaderEpoch}}
			if len(sp.topic) > 0 && sp.topic[0] == 0 {
				t.topic = ""
				t.err = kafkaerr.New(kerr.UnknownTopicID, "unknown topic id %s", sp.topicID)
			}
			if session {
				t.session = sp
			}
			out = append(out, t)
		}
		return out
	}
	sessionless := func() []fetchTarget {
		parts := fromRequest()
		ptrs := make([]*sessionPartition, len(parts))
		for i := range parts {
			ptrs[i] = &parts[i]
		}
		return toTargets(ptrs, false)
	}

	if r.version < 7 {
		return sessionless(), nil, 0
	}
	switch {
	case req.SessionEpoch == -1:
		if req.SessionID != 0 {
			b.sessions.remove(req.SessionID)
		}
		return sessionless(), nil, 0
	case req.SessionEpoch == 0:
		if req.SessionID != 0 {
			b.sessions.remove(req.SessionID)
		}
		s := b.sessions.create()
		if s == nil {
			return sessionless(), nil, 0
		}
		s.mu.Lock()
		for _, sp := range fromRequest() {
			s.upsert(sp)
		}
		return toTargets(s.partitions, true), s, 0
	}
	s := b.sessions.get(req.SessionID)
	if s == nil {
		return nil, nil, kerr.FetchSessionIDNotFound.Code
	}
	s.mu.Lock()
	if req.SessionEpoch != s.nextEpoch {
		s.mu.Unlock()
		return nil, nil, kerr.InvalidFetchSessionEpoch.Code
	}
	s.nextEpoch++
	for _, sp := range fromRequest() {
		s.upsert(sp)
	}
	for _, f := range req.ForgottenTopics {
		name, _, _ := resolve(f.Topic, f.TopicID)
		for _, p := range f.Partitions {
			s.forget(name, p)
		}
	}
	return toTargets(s.partitions, true), s, 0
}

// readTargets reads every target, sharing the response byte budget in
// order.
func (b *Broker) readTargets(targets []fetchTarget, maxBytes int) []fetchResult {
	results := make([]fetchResult, len(targets))
	remaining := maxBytes
	minOne := true
	for i, t := range targets {
		if t.err != nil {
			results[i].err = t.err
			continue
		}
		rep := b.replica(t.topic, t.partition)
		if rep == nil || rep.topicID != t.topicID {
			if b.cluster.ctl.current().topics[t.topic] == nil {
				results[i].err = kafkaerr.New(kerr.UnknownTopicOrPartition, "unknown topic or partition %s-%d", t.topic, t.partition)
			} else {
				results[i].err = kafkaerr.New(kerr.NotLeaderForPartition, "broker %d holds no replica of %s-%d", b.id, t.topic, t.partition)
			}
			continue
		}
		opts := t.read
		opts.MaxBytes = min(max(opts.MaxBytes, 0), remaining)
		opts.MinOneBatch = minOne
		res, err := rep.Read(opts)
		results[i] = fetchResult{res, err}
		if n := len(res.Records); n > 0 {
			remaining = max(remaining-n, 0)
			minOne = false
		}
	}
	return results
}

// fetchSatisfied reports whether a fetch can be answered now: enough
// bytes, or an error to report.
func fetchSatisfied(results []fetchResult, minBytes int) bool {
	total := 0
	for _, r := range results {
		if r.err != nil {
			return true
		}
		total += len(r.res.Records)
	}
	return total >= minBytes
}

// waitForFetch parks the fetch until its partitions can satisfy min_bytes,
// maxWait passes on the cluster clock, or the connection closes.
func (b *Broker) waitForFetch(r *request, targets []fetchTarget, maxBytes, minBytes int, maxWait time.Duration, results []fetchResult) []fetchResult {
	wake := make(chan struct{}, 1)
	for _, t := range targets {
		if rep := b.replica(t.topic, t.partition); rep != nil {
			cancel := rep.Watch(wake)
			defer cancel()
		}
	}
	expired := make(chan struct{})
	timer := b.cluster.clock.AfterFunc(maxWait, func() { close(expired) })
	defer timer.Stop()
	// Data may have arrived between the first read and the watches.
	results = b.readTargets(targets, maxBytes)
	for !fetchSatisfied(results, minBytes) {
		select {
		case <-wake:
			results = b.readTargets(targets, maxBytes)
		case <-expired:
			return b.readTargets(targets, maxBytes)
		case <-r.ctx.Done():
			return results
		}
	}
	return results
}
