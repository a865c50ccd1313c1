package broker

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Traffic counters: the figures Kafka keeps as BrokerTopicMetrics
// (MessagesInPerSec, BytesInPerSec, BytesOutPerSec per topic) and
// RequestMetrics (RequestsPerSec and TotalTimeMs per API). Handlers only
// add to atomics; package metrics turns them into Prometheus series when
// scraped, and Cluster.TrafficMetrics gives the same numbers to Go.

// LatencyBucketsMs are the upper bounds, in milliseconds, of the request
// latency histogram (RequestMetrics TotalTimeMs).
var LatencyBucketsMs = []float64{1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000}

type brokerTopic struct {
	broker int32
	topic  string
}

type brokerAPI struct {
	broker int32
	key    int16
}

type topicCounters struct {
	messagesIn, bytesIn, bytesOut atomic.Int64
}

type requestCounters struct {
	count   atomic.Int64
	nanos   atomic.Int64
	buckets []atomic.Int64 // one per LatencyBucketsMs bound, not cumulative
	// throttled counts the requests measured against client quotas and
	// throttleMs their summed throttle (ThrottleTimeMs); throttleBuckets
	// as buckets. Only requests handled while some quota is set count.
	throttled       atomic.Int64
	throttleMs      atomic.Int64
	throttleBuckets []atomic.Int64
}

// trafficStats holds the counters of every broker of the cluster.
type trafficStats struct {
	topics   sync.Map // brokerTopic → *topicCounters
	requests sync.Map // brokerAPI → *requestCounters
}

func (s *trafficStats) topic(broker int32, topic string) *topicCounters {
	k := brokerTopic{broker, topic}
	if v, ok := s.topics.Load(k); ok {
		return v.(*topicCounters)
	}
	v, _ := s.topics.LoadOrStore(k, &topicCounters{})
	return v.(*topicCounters)
}

func (s *trafficStats) request(broker int32, key int16) *requestCounters {
	k := brokerAPI{broker, key}
	if v, ok := s.requests.Load(k); ok {
		return v.(*requestCounters)
	}
	v, _ := s.requests.LoadOrStore(k, &requestCounters{buckets: make([]atomic.Int64, len(LatencyBucketsMs)),
		throttleBuckets: make([]atomic.Int64, len(LatencyBucketsMs))})
	return v.(*requestCounters)
}

// countProduced is called after a leader appended a producer's batch
// (MessagesInPerSec, BytesInPerSec). Replication does not count here, as
// Kafka counts it under ReplicationBytesInPerSec.
func (b *Broker) countProduced(topic string, batch []byte, res partition.AppendResult) {
	tc := b.cluster.traffic.topic(b.id, topic)
	tc.bytesIn.Add(int64(len(batch)))
	if res.LastOffset >= res.BaseOffset && res.BaseOffset >= 0 {
		tc.messagesIn.Add(res.LastOffset - res.BaseOffset + 1)
	}
}

// countFetched is called when a consumer's Fetch is answered
// (BytesOutPerSec). Followers copy in process and do not count.
func (b *Broker) countFetched(targets []fetchTarget, results []fetchResult) {
	for i, t := range targets {
		if i < len(results) && len(results[i].res.Records) > 0 && t.topic != "" {
			b.cluster.traffic.topic(b.id, t.topic).bytesOut.Add(int64(len(results[i].res.Records)))
		}
	}
}

// timed wraps an API handler to count its requests and their latency,
// measured on the cluster clock from decoded request to response.
func timed(h func(*request) (kmsg.Response, error)) func(*request) (kmsg.Response, error) {
	return func(r *request) (kmsg.Response, error) {
		clk := r.broker.cluster.clock
		start := clk.Now()
		defer func() {
			rc := r.broker.cluster.traffic.request(r.broker.id, r.key)
			d := clk.Now().Sub(start)
			rc.count.Add(1)
			rc.nanos.Add(int64(d))
			ms := float64(d) / float64(time.Millisecond)
			if i := sort.SearchFloat64s(LatencyBucketsMs, ms); i < len(rc.buckets) {
				rc.buckets[i].Add(1)
			}
		}()
		return h(r)
	}
}

// TopicTraffic is one broker's traffic for one topic since it started.
type TopicTraffic struct {
	Broker     int32
	Topic      string
	MessagesIn int64 // records appended as leader (MessagesInPerSec)
	BytesIn    int64 // producer batch bytes appended (BytesInPerSec)
	BytesOut   int64 // record bytes returned to consumers (BytesOutPerSec)
}

// RequestTraffic is one broker's requests of one API.
type RequestTraffic struct {
	Broker   int32
	APIKey   int16
	API      string // Kafka's request name: Produce, Fetch, ...
	Requests int64
	Total    time.Duration // summed latency (TotalTimeMs)
	// Buckets[i] counts requests that took at most LatencyBucketsMs[i]
	// (cumulative, as a Prometheus histogram).
	Buckets []int64
	// Throttled counts the requests measured against client quotas (only
	// those handled while some quota was set), ThrottleMs their summed
	// throttle_time_ms and ThrottleBuckets their throttles by
	// LatencyBucketsMs, cumulative (ThrottleTimeMs).
	Throttled       int64
	ThrottleMs      int64
	ThrottleBuckets []int64
}

// TrafficMetrics are the cluster's traffic counters, by broker and topic
// and by broker and API, sorted.
type TrafficMetrics struct {
	Topics   []TopicTraffic
	Requests []RequestTraffic
}

// TrafficMetrics returns the traffic counters.
func (c *Cluster) TrafficMetrics() TrafficMetrics {
	var m TrafficMetrics
	c.traffic.topics.Range(func(k, v any) bool {
		key, tc := k.(brokerTopic), v.(*topicCounters)
		m.Topics = append(m.Topics, TopicTraffic{Broker: key.broker, Topic: key.topic,
			MessagesIn: tc.messagesIn.Load(), BytesIn: tc.bytesIn.Load(), BytesOut: tc.bytesOut.Load()})
		return true
	})
	c.traffic.requests.Range(func(k, v any) bool {
		key, rc := k.(brokerAPI), v.(*requestCounters)
		rt := RequestTraffic{Broker: key.broker, APIKey: key.key, API: kmsg.NameForKey(key.key),
			Requests: rc.count.Load(), Total: time.Duration(rc.nanos.Load()), Buckets: make([]int64, len(rc.buckets))}
		var cum int64
		for i := range rc.buckets {
			cum += rc.buckets[i].Load()
			rt.Buckets[i] = cum
		}
		rt.Throttled, rt.ThrottleMs = rc.throttled.Load(), rc.throttleMs.Load()
		rt.ThrottleBuckets = make([]int64, len(rc.throttleBuckets))
		cum = 0
		for i := range rc.throttleBuckets {
			cum += rc.throttleBuckets[i].Load()
			rt.ThrottleBuckets[i] = cum
		}
		m.Requests = append(m.Requests, rt)
		return true
	})
	slices.SortFunc(m.Topics, func(a, b TopicTraffic) int {
		if a.Broker != b.Broker {
			return int(a.Broker - b.Broker)
		}
		return strings.Compare(a.Topic, b.Topic)
	})
	slices.SortFunc(m.Requests, func(a, b RequestTraffic) int {
		if a.Broker != b.Broker {
			return int(a.Broker - b.Broker)
		}
		return int(a.APIKey - b.APIKey)
	})
	return m
}

// BrokerReplication is ReplicationMetrics seen by one broker, as each
// Kafka broker reports it: the partitions it leads that are under
// replicated or under min.insync.replicas, and whether it is the active
// controller.
type BrokerReplication struct {
	Broker  int32
	Running bool
	// Controller is true on the active controller
	// (ActiveControllerCount 1).
	Controller                bool
	LeaderPartitions          int
	UnderReplicatedPartitions int
	UnderMinISRPartitions     int
	// ReassigningPartitions are the partitions it leads that are being
	// reassigned (kafka.server:type=ReplicaManager,name=ReassigningPartitions).
	ReassigningPartitions int
}

// BrokerReplication returns each broker's figures, by broker id.
func (c *Cluster) BrokerReplication() []BrokerReplication {
	im := c.ctl.current()
	out := make([]BrokerReplication, len(c.brokers))
	for i, b := range c.brokers {
		out[i] = BrokerReplication{Broker: b.id, Running: b.Running(), Controller: b.id == im.controllerID}
	}
	for _, t := range im.topics {
		minISR := c.brokerConfig.Topic(t.configs).Int("min.insync.replicas")
		for _, p := range t.partitions {
			br := c.Broker(p.leader)
			if br == nil {
				continue
			}
			row := &out[br.id-1]
			row.LeaderPartitions++
			if len(p.isr) < p.replicationFactor() {
				row.UnderReplicatedPartitions++
			}
			if p.reassigning() {
				row.ReassigningPartitions++
			}
			if len(p.isr) < partition.EffectiveMinISR(minISR, len(p.replicas)) {
				row.UnderMinISRPartitions++
			}
		}
	}
	return out
}

// rebalanceCounts counts completed rebalances: a classic group's new
// generation, a consumer group's new target assignment (group epoch).
type rebalanceCounts struct {
	classic, consumer atomic.Int64
}

func (rc *rebalanceCounts) observe(e group.Event) {
	switch e.Type {
	case group.EventGenerationStarted:
		rc.classic.Add(1)
	case group.EventTargetAssignment:
		rc.consumer.Add(1)
	}
}

// Rebalances returns how many rebalances the coordinators have completed
// since the cluster started, by protocol: classic (a new generation) and
// consumer (KIP-848, a new group epoch).
func (c *Cluster) Rebalances() (classic, consumer int64) {
	return c.groupEvents.rebalances.classic.Load(), c.groupEvents.rebalances.consumer.Load()
}
