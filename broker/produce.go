package broker

// Produce (key 0), versions 3-12.
//
// Writes record batches to partition leaders. Each partition in the
// request carries exactly one v2 record batch, which the leader validates
// and appends (see package partition); the response gives the offset of
// the batch's first record, the log start offset (v5+) and, for topics
// using LogAppendTime, the broker's timestamp. Versions 0-2 carried the
// pre-0.11 message formats and were removed in Kafka 4 (KIP-896); from
// v8 the response names rejected records (KIP-467). v12 (KIP-890 part 2,
// transaction version 2) is v11 on the wire; it tells the leader that a
// transactional producer sends no AddPartitionsToTxn, so the leader adds
// the partition to the transaction itself (txnproduce.go).
//
// acks: 0 sends no response at all (if any partition fails, the
// connection is closed instead, the only way the producer can notice), 1
// answers once the leader has appended, -1 ("all") once every in-sync
// replica has the batch. Other values are INVALID_REQUIRED_ACKS.
//
// Each partition is checked in Kafka's order (KafkaApis.handleProduceRequest,
// then ReplicaManager.appendRecords): UNKNOWN_TOPIC_OR_PARTITION, then
// INVALID_RECORD unless the data is exactly one batch of magic 2
// (partition.ParseProduceRecords, which reads the batch header that the
// append then uses), UNSUPPORTED_COMPRESSION_TYPE for zstd before v7
// (KIP-110), then INVALID_REQUIRED_ACKS, which is this file's
// rule alone, then INVALID_TOPIC_EXCEPTION for an internal topic, then the
// leader's own checks (partition.AppendBatchAsLeader). From v10 a NOT_LEADER_OR_FOLLOWER
// answer names the current leader and its address (KIP-951).
//
// The partitions of one request are appended in parallel (by up to
// GOMAXPROCS workers): each partition has its own lock, nothing else is
// shared. With acks=-1 the request then waits once for all of them.

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(3, 12, handleProduce) }

func handleProduce(r *request, req *kmsg.ProduceRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.ProduceResponse))
	type job struct {
		topic string
		part  *kmsg.ProduceRequestTopicPartition
		out   *kmsg.ProduceResponseTopicPartition
	}
	var jobs []job
	for i := range req.Topics {
		rt := &req.Topics[i]
		st := kmsg.NewProduceResponseTopic()
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		resp.Topics = append(resp.Topics, st)
	}
	for i := range req.Topics {
		rt := &req.Topics[i]
		for j := range rt.Partitions {
			out := &resp.Topics[i].Partitions[j]
			*out = kmsg.NewProduceResponseTopicPartition()
			out.Partition = rt.Partitions[j].Partition
			jobs = append(jobs, job{rt.Topic, &rt.Partitions[j], out})
		}
	}
	// At most GOMAXPROCS appends run at once: a request may name
	// thousands of partitions, and one goroutine each would let a single
	// request take the broker's memory.
	waits := make([]*replicationWait, len(jobs))
	added := r.broker.addProducePartitions(r, req)
	var next atomic.Int64
	work := func() {
		for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
			j := jobs[i]
			waits[i] = r.broker.produceOne(r, req, j.topic, j.part, j.out, added)
		}
	}
	var wg sync.WaitGroup
	for range min(len(jobs), runtime.GOMAXPROCS(0)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	if req.Acks == -1 {
		timeout := time.Duration(max(req.TimeoutMillis, 0)) * time.Millisecond
		r.broker.waitForReplication(r.ctx, waits, timeout)
	}
	if req.Acks == 0 {
		for _, j := range jobs {
			if j.out.ErrorCode != 0 {
				return nil, errors.New("produce with acks=0 failed: closing the connection so the producer notices")
			}
		}
		return nil, nil
	}
	if r.version >= 10 {
		addProduceLeaderHints(r, resp) // leaderhints.go
	}
	return resp, nil
}

// replicationWait is an acks=all partition whose batch is appended and
// waits for the in-sync replicas.
type replicationWait struct {
	rep            *replica
	requiredOffset int64 // the high watermark that covers the batch
	fail           func(error)
}

// produceOne appends one partition's batch and fills in its response. For
// acks=all it returns what remains to wait for.
func (b *Broker) produceOne(r *request, req *kmsg.ProduceRequest, topic string, rp *kmsg.ProduceRequestTopicPartition, out *kmsg.ProduceResponseTopicPartition, added map[topicPartition]implicitAdd) *replicationWait {
	out.BaseOffset, out.LogAppendTime, out.LogStartOffset = -1, -1, -1
	fail := func(err error) {
		out.ErrorCode = kafkaerr.Code(err)
		if r.version >= 8 {
			out.ErrorMessage = kafkaerr.Message(err)
			var ve *partition.ValidationError
			if errors.As(err, &ve) {
				for _, re := range ve.Records {
					e := kmsg.NewProduceResponseTopicPartitionErrorRecord()
					e.RelativeOffset = re.Index
					msg := re.Message
					e.ErrorMessage = &msg
					out.ErrorRecords = append(out.ErrorRecords, e)
				}
			}
		}
	}
	im := b.cluster.ctl.current()
	t := im.topics[topic]
	if t == nil || rp.Partition < 0 || int(rp.Partition) >= len(t.partitions) {
		fail(kafkaerr.New(kerr.UnknownTopicOrPartition, "this server does not host %s-%d", topic, rp.Partition))
		return nil
	}
	batch, err := partition.ParseProduceRecords(rp.Records)
	if err != nil {
		fail(err)
		return nil
	}
	if r.version < 7 && batch.Header().Compression() == record.Zstd {
		// zstd came with Produce v7 (KIP-110): an older request cannot
		// carry it, whatever the producer's library can encode.
		fail(kafkaerr.New(kerr.UnsupportedCompressionType, "produce requests with version %d are not allowed to use ZStandard compression", r.version))
		return nil
	}
	if req.Acks != 0 && req.Acks != 1 && req.Acks != -1 {
		fail(kafkaerr.New(kerr.InvalidRequiredAcks, "acks must be 0, 1 or -1 (all), not %d", req.Acks))
		return nil
	}
	if t.internal {
		fail(kafkaerr.New(kerr.InvalidTopicException, "cannot append to internal topic %s", topic))
		return nil
	}
	rep := b.replica(topic, rp.Partition)
	if rep == nil {
		fail(kafkaerr.New(kerr.NotLeaderForPartition, "broker %d holds no replica of %s-%d", b.id, topic, rp.Partition))
		return nil
	}
	guard, err := b.verifyTransactionalProduce(r, req.TransactionID, rep, topic, rp.Partition, batch.Header(), added)
	if err != nil {
		fail(err)
		return nil
	}
	res, err := rep.AppendVerifiedBatchAsLeader(batch, req.Acks, guard)
	if err != nil {
		fail(err)
		return nil
	}
	b.countProduced(topic, rp.Records, res)
	out.BaseOffset, out.LogAppendTime, out.LogStartOffset = res.BaseOffset, res.LogAppendTime, res.LogStartOffset
	if req.Acks != -1 {
		return nil
	}
	return &replicationWait{rep: rep, requiredOffset: res.LastOffset + 1, fail: fail}
}

// waitForReplication parks an acks=all produce until, for every partition
// appended, every in-sync replica has the batch (the high watermark passes
// requiredOffset), or the request's timeout passes on the cluster clock
// (REQUEST_TIMED_OUT for the partitions still short), as Kafka's
// DelayedProduce does: one timeout for the whole request.
func (b *Broker) waitForReplication(ctx context.Context, waits []*replicationWait, timeout time.Duration) {
	pending := waits[:0:0]
	for _, w := range waits {
		if w != nil {
			pending = append(pending, w)
		}
	}
	// settle drops the partitions that are done, reporting their errors.
	settle := func() {
		still := pending[:0]
		for _, w := range pending {
			if done, err := w.rep.ReplicationStatus(w.requiredOffset); done {
				if err != nil {
					w.fail(err)
				}
			} else {
				still = append(still, w)
			}
		}
		pending = still
	}
	if settle(); len(pending) == 0 {
		return
	}
	wake := make(chan struct{}, 1)
	for _, w := range pending {
		cancel := w.rep.Watch(wake)
		defer cancel()
	}
	expired := make(chan struct{})
	timer := b.cluster.clock.AfterFunc(timeout, func() { close(expired) })
	defer timer.Stop()
	for settle(); len(pending) > 0; settle() {
		select {
		case <-wake:
		case <-expired:
			if settle(); len(pending) > 0 {
				for _, w := range pending {
					w.fail(kafkaerr.New(kerr.RequestTimedOut, "not every in-sync replica of %s-%d had the batch within %v", w.rep.Topic(), w.rep.Index(), timeout))
				}
			}
			return
		case <-ctx.Done():
			for _, w := range pending {
				w.fail(ctx.Err())
			}
			return
		}
	}
}
