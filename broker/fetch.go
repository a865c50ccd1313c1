package broker

// Fetch (key 1), versions 4-17.
//
// Consumers read record batches from partition leaders, or from v11 from
// a follower in their rack (KIP-392, fetchfollower.go). For each
// partition the request gives a fetch offset and a byte limit; the
// response holds whole batches starting with the one that contains the
// offset (so a consumer may get a few records before its offset, which it
// skips), never past the high watermark (or, for read_committed, the last
// stable offset), plus the partition's high watermark, last stable offset
// and log start offset. An offset outside [log start offset, log end
// offset] is OFFSET_OUT_OF_RANGE.
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
// current_leader_epoch (FENCED_LEADER_EPOCH, KIP-320), v11 rack_id and
// preferred_read_replica (KIP-392), v13 topic ids
// instead of names (KIP-516): an id the broker does not know is
// UNKNOWN_TOPIC_ID for each of its partitions. v16 names the current
// leader of a partition answered NOT_LEADER_OR_FOLLOWER or
// FENCED_LEADER_EPOCH, with its endpoint (KIP-951, leaderhints.go).

import (
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(4, 17, handleFetch) }

// fetchTarget is one partition to read in a fetch, resolved against the
// current metadata.
type fetchTarget struct {
	topic     string // "" when the topic id is unknown
	topicID   TopicID
	partition int32
	read      partition.ReadOptions
	asked     *sessionPartition // what the client asked; inside a session, its record
	err       error             // the topic or partition does not exist
	rack      string            // the consumer's rack (v11+), for fetchfollower.go
}

// fetchResult is one partition's outcome.
type fetchResult struct {
	res partition.ReadResult
	err error
	// preferred is the follower the consumer should read from instead
	// (KIP-392, fetchfollower.go); 0 for none, since broker ids start at 1.
	preferred int32
}

func handleFetch(r *request, req *kmsg.FetchRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.FetchResponse))
	fc, errCode := b.newFetchContext(r.version, req)
	if errCode != 0 {
		resp.ErrorCode = errCode
		return resp, nil
	}
	if fc.session != nil {
		resp.SessionID = fc.session.id
	}
	targets := b.resolveFetchTargets(r.version, fc.partitions, partition.IsolationLevel(req.IsolationLevel))
	if r.version >= 11 {
		// KIP-392: a consumer may read from a follower, and a leader
		// may send it to one in its rack.
		for i := range targets {
			targets[i].read.AllowFollower = true
			targets[i].rack = req.Rack
		}
	}
	maxBytes := b.fetchMaxBytes(req.MaxBytes)

	results := b.readTargets(targets, maxBytes)
	if !fetchSatisfied(results, int(req.MinBytes)) && req.MaxWaitMillis > 0 {
		results = b.waitForFetch(r, targets, maxBytes, int(req.MinBytes), time.Duration(req.MaxWaitMillis)*time.Millisecond)
	}
	if r.ctx.Err() != nil {
		return nil, r.ctx.Err()
	}
	b.countFetched(targets, results)
	if !fc.claim(targets) {
		resp.ErrorCode = kerr.InvalidFetchSessionEpoch.Code
		return resp, nil
	}
	defer fc.release()
	fillFetchResponse(r.version, resp, fc, targets, results)
	addFetchLeaderHints(r, resp) // leaderhints.go
	return resp, nil
}

// fetchMaxBytes is the response budget: the request's max_bytes, capped
// by fetch.max.bytes.
func (b *Broker) fetchMaxBytes(requested int32) int {
	return min(max(int(requested), 0), b.config.Int("fetch.max.bytes"))
}

// resolveFetchTargets looks up each partition's topic, by name before v13
// and by id from v13, in the current metadata.
func (b *Broker) resolveFetchTargets(version int16, parts []*sessionPartition, isolation partition.IsolationLevel) []fetchTarget {
	im := b.cluster.ctl.current()
	targets := make([]fetchTarget, 0, len(parts))
	for _, sp := range parts {
		t := fetchTarget{topic: sp.key.topic, topicID: sp.key.topicID, partition: sp.key.partition, asked: sp,
			read: partition.ReadOptions{Offset: sp.fetchOffset, MaxBytes: int(sp.maxBytes),
				CurrentLeaderEpoch: sp.currentLeaderEpoch, Isolation: isolation}}
		var ti *topicImage
		if version >= 13 {
			if ti = im.topicIDs[sp.key.topicID]; ti == nil {
				t.err = kafkaerr.New(kerr.UnknownTopicID, "unknown topic id %s", sp.key.topicID)
			}
		} else if ti = im.topics[sp.key.topic]; ti == nil {
			t.err = kafkaerr.New(kerr.UnknownTopicOrPartition, "unknown topic %s", sp.key.topic)
		}
		if ti != nil {
			t.topic, t.topicID = ti.name, ti.id
			if t.partition < 0 || int(t.partition) >= len(ti.partitions) {
				t.err = kafkaerr.New(kerr.UnknownTopicOrPartition, "topic %s has no partition %d", ti.name, t.partition)
			}
		}
		targets = append(targets, t)
	}
	return targets
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
			results[i].err = kafkaerr.New(kerr.NotLeaderForPartition, "broker %d holds no replica of %s-%d", b.id, t.topic, t.partition)
			continue
		}
		if id := b.preferredReadReplica(t.rack, t, rep); id != 0 {
			// Only the offsets, and where to read instead.
			opts := t.read
			opts.MaxBytes = 0
			res, err := rep.Read(opts)
			res.Records, res.AbortedTransactions = nil, nil
			results[i] = fetchResult{res: res, err: err, preferred: id}
			continue
		}
		opts := t.read
		opts.MaxBytes = min(max(opts.MaxBytes, 0), remaining)
		opts.MinOneBatch = minOne
		res, err := rep.Read(opts)
		results[i] = fetchResult{res: res, err: err}
		if n := len(res.Records); n > 0 {
			remaining = max(remaining-n, 0)
			minOne = false
		}
	}
	return results
}

// fetchSatisfied reports whether a fetch can be answered now: enough
// bytes, an error to report, or no partitions to wait for (a session's
// closing fetch), as ReplicaManager.fetchMessages decides.
func fetchSatisfied(results []fetchResult, minBytes int) bool {
	if len(results) == 0 {
		return true
	}
	total := 0
	for _, r := range results {
		if r.err != nil || r.preferred != 0 {
			return true
		}
		total += len(r.res.Records)
	}
	return total >= minBytes
}

// waitForFetch parks the fetch until its partitions can satisfy min_bytes,
// maxWait passes on the cluster clock, or the connection closes.
func (b *Broker) waitForFetch(r *request, targets []fetchTarget, maxBytes, minBytes int, maxWait time.Duration) []fetchResult {
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
	results := b.readTargets(targets, maxBytes)
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

// fillFetchResponse writes each partition's outcome into the response. An
// incremental fetch leaves out partitions with nothing new. Consecutive
// partitions of one topic share a topic entry, as in Kafka's
// FetchResponse.of.
func fillFetchResponse(version int16, resp *kmsg.FetchResponse, fc fetchContext, targets []fetchTarget, results []fetchResult) {
	var served []*sessionPartition
	for i, t := range targets {
		rp := fetchPartitionResponse(t.partition, results[i])
		if fc.session != nil {
			if !t.asked.reported(&rp) && fc.incremental {
				continue
			}
			if len(rp.RecordBatches) > 0 {
				served = append(served, t.asked)
			}
		}
		if n := len(resp.Topics); n == 0 || !sameFetchTopic(version, &resp.Topics[n-1], t) {
			rt := kmsg.NewFetchResponseTopic()
			rt.Topic, rt.TopicID = t.topic, t.topicID
			resp.Topics = append(resp.Topics, rt)
		}
		last := &resp.Topics[len(resp.Topics)-1]
		last.Partitions = append(last.Partitions, rp)
	}
	if fc.incremental {
		fc.session.moveToEnd(served)
	}
}

func sameFetchTopic(version int16, rt *kmsg.FetchResponseTopic, t fetchTarget) bool {
	if version >= 13 {
		return rt.TopicID == t.topicID
	}
	return rt.Topic == t.topic
}

func fetchPartitionResponse(p int32, res fetchResult) kmsg.FetchResponseTopicPartition {
	rp := kmsg.NewFetchResponseTopicPartition()
	rp.Partition = p
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = -1, -1, -1
	rp.PreferredReadReplica = -1
	// Kafka always sends a records field, empty rather than null, even
	// with an error; librdkafka rejects a null one.
	rp.RecordBatches = []byte{}
	if res.err != nil {
		rp.ErrorCode = kafkaerr.Code(res.err)
		return rp
	}
	rp.HighWatermark = res.res.HighWatermark
	rp.LastStableOffset = res.res.LastStableOffset
	rp.LogStartOffset = res.res.LogStartOffset
	if res.preferred != 0 {
		rp.PreferredReadReplica = res.preferred
	}
	if len(res.res.Records) > 0 {
		rp.RecordBatches = res.res.Records
	}
	if a := res.res.AbortedTransactions; a != nil {
		rp.AbortedTransactions = make([]kmsg.FetchResponseTopicPartitionAbortedTransaction, len(a))
		for i, t := range a {
			at := kmsg.NewFetchResponseTopicPartitionAbortedTransaction()
			at.ProducerID, at.FirstOffset = t.ProducerID, t.FirstOffset
			rp.AbortedTransactions[i] = at
		}
	}
	return rp
}
