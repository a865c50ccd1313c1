// Package metrics exposes a gregor cluster's figures in the Prometheus
// text format, under the names a Kafka broker's JMX metrics get from the
// Prometheus JMX exporter, so that dashboards and alerts written for Kafka
// read gregor's /metrics unchanged.
//
// Kafka publishes its metrics as JMX MBeans, such as
// kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=orders.
// The JMX exporter's usual Kafka rules turn a bean into a series name by
// joining the domain, the type and the name, lower-cased, with "_":
// meters (the ...PerSec and ...Rate beans, whose Count only grows) become
// counters ending in _total with PerSec dropped; gauges (Value) keep their
// name; the remaining key properties (topic, request) become labels. One
// gregor process runs every broker of the cluster, so each per-broker
// series also has a broker label, the node id, where Kafka would have one
// endpoint per broker.
//
//	Kafka MBean                                                   Prometheus series
//	kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=T kafka_server_brokertopicmetrics_messagesin_total{broker,topic}
//	kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=T    kafka_server_brokertopicmetrics_bytesin_total{broker,topic}
//	kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,topic=T   kafka_server_brokertopicmetrics_bytesout_total{broker,topic}
//	kafka.network:type=RequestMetrics,name=RequestsPerSec,request=R    kafka_network_requestmetrics_requests_total{broker,request}
//	kafka.network:type=RequestMetrics,name=TotalTimeMs,request=R       kafka_network_requestmetrics_totaltimems{broker,request} (histogram, ms)
//	kafka.network:type=RequestMetrics,name=ThrottleTimeMs,request=R    kafka_network_requestmetrics_throttletimems{broker,request} (histogram, ms)
//	kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions    kafka_server_replicamanager_underreplicatedpartitions{broker}
//	kafka.server:type=ReplicaManager,name=UnderMinIsrPartitionCount    kafka_server_replicamanager_underminisrpartitioncount{broker}
//	kafka.server:type=ReplicaManager,name=LeaderCount                  kafka_server_replicamanager_leadercount{broker}
//	kafka.server:type=ReplicaManager,name=ReassigningPartitions        kafka_server_replicamanager_reassigningpartitions{broker}
//	kafka.server:type=ReplicaManager,name=IsrShrinksPerSec             kafka_server_replicamanager_isrshrinks_total
//	kafka.server:type=ReplicaManager,name=IsrExpandsPerSec             kafka_server_replicamanager_isrexpands_total
//	kafka.controller:type=KafkaController,name=ActiveControllerCount   kafka_controller_kafkacontroller_activecontrollercount{broker}
//	kafka.controller:type=KafkaController,name=OfflinePartitionsCount  kafka_controller_kafkacontroller_offlinepartitionscount
//	kafka.controller:type=ControllerStats,name=LeaderElectionRateAndTimeMs kafka_controller_controllerstats_leaderelectionrateandtimems_count
//	kafka.server:type=group-coordinator-metrics,name=group-count       kafka_server_group_coordinator_metrics_group_count{protocol,state}
//	kafka.server:type=group-coordinator-metrics,name=*-rebalance-count kafka_server_group_coordinator_metrics_rebalance_total{protocol}
//	(kafka-consumer-groups.sh --describe, LAG column)                  kafka_consumergroup_lag{group,topic,partition}
//	(kafka-consumer-groups.sh --describe, CURRENT-OFFSET column)       kafka_consumergroup_current_offset{group,topic,partition}
//
// Notes on the mapping:
//
//   - A Kafka meter's one-minute rate is left to PromQL: rate(...[1m]).
//   - The request label is Kafka's request name (Produce, Metadata,
//     ApiVersions, ...), except that Fetch is FetchConsumer, as Kafka
//     splits it: gregor's followers copy in process, not by Fetch, so
//     there is no FetchFollower.
//   - A stopped broker reports no per-broker series, as a stopped Kafka
//     broker's JMX is gone, except ActiveControllerCount: the controller
//     is one in-process object on the broker the metadata names (node
//     1), which goes on deciding while that broker is stopped.
//   - MessagesIn and BytesIn count what a leader appended for producers;
//     replication is not counted (Kafka counts it as
//     ReplicationBytesInPerSec). BytesOut counts record bytes returned to
//     consumers' Fetch requests.
//   - ThrottleTimeMs counts only the requests handled while some client
//     quota is set in the cluster (with none, measuring is skipped), so
//     its count can be lower than RequestsPerSec's.
//   - TotalTimeMs is a Kafka histogram reported as percentiles; here it is
//     a Prometheus histogram in milliseconds (buckets
//     broker.LatencyBucketsMs), measured on the cluster's clock, so a
//     cluster on a manual clock reports the time the clock moved.
//   - ISR shrinks and expands, elections and offline partitions are
//     counted by gregor's controller for the whole cluster, so they carry
//     no broker label. UnderReplicatedPartitions and
//     UnderMinIsrPartitionCount are, as in Kafka, counted by the broker
//     that leads the partition.
//   - Kafka 4's group coordinator reports group counts as Kafka metrics
//     (classic-group-count and consumer-group-count with a state tag);
//     they appear here as one series per protocol and state, the state
//     as Kafka names it (Stable, PreparingRebalance, ...). A rebalance
//     is a classic group's new generation or a consumer group's new
//     group epoch.
//   - The broker has no metric for consumer lag: it is what
//     kafka-consumer-groups.sh (and kadm's CalculateGroupLag) computes,
//     the partition's high watermark minus the committed offset. Its
//     series take the names the widely used Kafka exporter gives them.
//
// Everything that comes from the cluster's state (the gauges, the group
// counts, the lag) is read when Prometheus scrapes, by a
// prometheus.Collector, from the Go introspection the cluster already has
// (broker.Cluster.ReplicationMetrics, BrokerReplication, Groups, Group):
// the brokers pay nothing for it. The counters are atomics the request
// handlers add to (broker.Cluster.TrafficMetrics shows them to Go).
package metrics
