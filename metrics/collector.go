package metrics

import (
	"net/http"
	"strconv"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/group"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Collector reads a cluster's figures on each scrape. Register it with a
// prometheus.Registry, or use Handler.
type Collector struct {
	c *broker.Cluster
}

// NewCollector returns the collector of a cluster.
func NewCollector(c *broker.Cluster) *Collector { return &Collector{c: c} }

// Handler serves the cluster's metrics in the Prometheus text format, on
// a registry of its own (no Go runtime or process metrics: several
// clusters may run in one process).
func Handler(c *broker.Cluster) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(c))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	messagesIn = desc("kafka_server_brokertopicmetrics_messagesin_total",
		"Records appended by the leader for producers (MessagesInPerSec).", "broker", "topic")
	bytesIn = desc("kafka_server_brokertopicmetrics_bytesin_total",
		"Producer batch bytes appended by the leader (BytesInPerSec).", "broker", "topic")
	bytesOut = desc("kafka_server_brokertopicmetrics_bytesout_total",
		"Record bytes returned to consumers (BytesOutPerSec).", "broker", "topic")
	requests = desc("kafka_network_requestmetrics_requests_total",
		"Requests handled, by API (RequestsPerSec).", "broker", "request")
	totalTime = desc("kafka_network_requestmetrics_totaltimems",
		"Request latency in milliseconds on the cluster clock, by API (TotalTimeMs).", "broker", "request")
	throttleTime = desc("kafka_network_requestmetrics_throttletimems",
		"throttle_time_ms given to requests measured against client quotas, by API (ThrottleTimeMs).", "broker", "request")
	underReplicated = desc("kafka_server_replicamanager_underreplicatedpartitions",
		"Partitions led by the broker with fewer in-sync replicas than replicas.", "broker")
	underMinISR = desc("kafka_server_replicamanager_underminisrpartitioncount",
		"Partitions led by the broker with fewer in-sync replicas than min.insync.replicas.", "broker")
	leaderCount = desc("kafka_server_replicamanager_leadercount",
		"Partitions the broker leads.", "broker")
	reassigning = desc("kafka_server_replicamanager_reassigningpartitions",
		"Partitions led by the broker that are being reassigned.", "broker")
	isrShrinks = desc("kafka_server_replicamanager_isrshrinks_total",
		"ISR shrinks since the cluster started (IsrShrinksPerSec).")
	isrExpands = desc("kafka_server_replicamanager_isrexpands_total",
		"ISR expansions since the cluster started (IsrExpandsPerSec).")
	activeController = desc("kafka_controller_kafkacontroller_activecontrollercount",
		"1 on the active controller, 0 elsewhere.", "broker")
	offline = desc("kafka_controller_kafkacontroller_offlinepartitionscount",
		"Partitions without a leader.")
	elections = desc("kafka_controller_controllerstats_leaderelectionrateandtimems_count",
		"Leader changes since the cluster started (LeaderElectionRateAndTimeMs).")
	groupCount = desc("kafka_server_group_coordinator_metrics_group_count",
		"Groups by protocol and state.", "protocol", "state")
	rebalances = desc("kafka_server_group_coordinator_metrics_rebalance_total",
		"Completed rebalances: new generations (classic) or group epochs (consumer).", "protocol")
	groupLag = desc("kafka_consumergroup_lag",
		"High watermark minus the committed offset, per group and partition.", "group", "topic", "partition")
	groupOffset = desc("kafka_consumergroup_current_offset",
		"The group's committed offset, per partition.", "group", "topic", "partition")
)

var allDescs = []*prometheus.Desc{messagesIn, bytesIn, bytesOut, requests, totalTime, throttleTime,
	underReplicated, underMinISR, leaderCount, reassigning, isrShrinks, isrExpands,
	activeController, offline, elections, groupCount, rebalances, groupLag, groupOffset}

// Describe implements prometheus.Collector.
func (*Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Collector) Collect(ch chan<- prometheus.Metric) {
	m.collectTraffic(ch)
	m.collectReplication(ch)
	m.collectGroups(ch)
}

func id(n int32) string { return strconv.Itoa(int(n)) }

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func (m *Collector) collectTraffic(ch chan<- prometheus.Metric) {
	t := m.c.TrafficMetrics()
	for _, tt := range t.Topics {
		counter(ch, messagesIn, float64(tt.MessagesIn), id(tt.Broker), tt.Topic)
		counter(ch, bytesIn, float64(tt.BytesIn), id(tt.Broker), tt.Topic)
		counter(ch, bytesOut, float64(tt.BytesOut), id(tt.Broker), tt.Topic)
	}
	for _, r := range t.Requests {
		name := requestName(r.API)
		counter(ch, requests, float64(r.Requests), id(r.Broker), name)
		buckets := make(map[float64]uint64, len(r.Buckets))
		for i, n := range r.Buckets {
			buckets[broker.LatencyBucketsMs[i]] = uint64(n)
		}
		ms := r.Total.Seconds() * 1000
		ch <- prometheus.MustNewConstHistogram(totalTime, uint64(r.Requests), ms, buckets, id(r.Broker), name)
		if r.Throttled > 0 {
			tb := make(map[float64]uint64, len(r.ThrottleBuckets))
			for i, n := range r.ThrottleBuckets {
				tb[broker.LatencyBucketsMs[i]] = uint64(n)
			}
			ch <- prometheus.MustNewConstHistogram(throttleTime, uint64(r.Throttled), float64(r.ThrottleMs), tb, id(r.Broker), name)
		}
	}
}

// requestName is the request label Kafka's RequestMetrics uses: the API's
// name, except that Fetch is split into FetchConsumer and FetchFollower.
// gregor's followers copy in process, so every Fetch is a consumer's.
func requestName(api string) string {
	if api == "Fetch" {
		return "FetchConsumer"
	}
	return api
}

func (m *Collector) collectReplication(ch chan<- prometheus.Metric) {
	rm := m.c.ReplicationMetrics()
	counter(ch, isrShrinks, float64(rm.ISRShrinks))
	counter(ch, isrExpands, float64(rm.ISRExpands))
	counter(ch, elections, float64(rm.LeaderElections))
	gauge(ch, offline, float64(rm.OfflinePartitions))
	for _, b := range m.c.BrokerReplication() {
		active := 0.0
		if b.Controller {
			active = 1
		}
		// gregor's controller is one in-process object that goes on
		// deciding while its broker is stopped, so it is always reported.
		gauge(ch, activeController, active, id(b.Broker))
		if !b.Running {
			// A stopped Kafka broker reports nothing.
			continue
		}
		gauge(ch, underReplicated, float64(b.UnderReplicatedPartitions), id(b.Broker))
		gauge(ch, underMinISR, float64(b.UnderMinISRPartitions), id(b.Broker))
		gauge(ch, leaderCount, float64(b.LeaderPartitions), id(b.Broker))
		gauge(ch, reassigning, float64(b.ReassigningPartitions), id(b.Broker))
	}
}

func (m *Collector) collectGroups(ch chan<- prometheus.Metric) {
	classic, consumer := m.c.Rebalances()
	counter(ch, rebalances, float64(classic), "classic")
	counter(ch, rebalances, float64(consumer), "consumer")
	type key struct{ protocol, state string }
	counts := map[key]int{}
	for _, l := range m.c.Groups() {
		counts[key{protocolName(l.Type), l.State}]++
		d, err := m.c.Group(l.Group)
		if err != nil {
			continue // its coordinator moved or stopped since the listing
		}
		for _, row := range d.Lag {
			if row.CommittedOffset < 0 {
				continue
			}
			p := id(row.Partition)
			gauge(ch, groupOffset, float64(row.CommittedOffset), l.Group, row.Topic, p)
			if row.Lag >= 0 {
				gauge(ch, groupLag, float64(row.Lag), l.Group, row.Topic, p)
			}
		}
	}
	for k, n := range counts {
		gauge(ch, groupCount, float64(n), k.protocol, k.state)
	}
}

func protocolName(t group.Type) string {
	if t == group.Consumer {
		return "consumer"
	}
	return "classic"
}
