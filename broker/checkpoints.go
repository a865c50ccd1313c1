package broker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
)

// A broker's log directory holds, besides one directory per partition,
// the files Kafka's LogManager keeps there:
//
//	meta.properties                   node.id, cluster.id, directory.id
//	replication-offset-checkpoint     each partition's high watermark
//	log-start-offset-checkpoint       each partition's log start offset
//	recovery-point-offset-checkpoint  how far each log is known flushed
//	cleaner-offset-checkpoint         each compacted log's first dirty offset
//
// gregor writes the checkpoints when a broker stops cleanly and reads them
// when its replicas are opened again.

func (b *Broker) writeMetaProperties() error {
	dirID := strings.ReplaceAll(newClusterID(), "-", "A")
	if old, err := segment.ReadFile(b.logDir, "meta.properties"); err == nil {
		for _, line := range strings.Split(string(old), "\n") {
			if v, ok := strings.CutPrefix(line, "directory.id="); ok {
				dirID = v
			}
		}
	}
	content := fmt.Sprintf("#\n#Written by gregor\ncluster.id=%s\ndirectory.id=%s\nnode.id=%d\nversion=1\n",
		b.cluster.ctl.current().clusterID, dirID, b.id)
	return segment.WriteFileAtomic(b.logDir, "meta.properties", []byte(content))
}

// writeCheckpoints saves every replica's offsets. Callers hold replicasMu.
func (b *Broker) writeCheckpoints() error {
	keys := make([]topicPartition, 0, len(b.replicas))
	for k := range b.replicas {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y topicPartition) int {
		if x.topic != y.topic {
			return strings.Compare(x.topic, y.topic)
		}
		return int(x.partition - y.partition)
	})
	var hw, start, recovery [][]string
	for _, k := range keys {
		logStart, high, end := b.replicas[k].Offsets()
		p := strconv.Itoa(int(k.partition))
		hw = append(hw, []string{k.topic, p, strconv.FormatInt(high, 10)})
		start = append(start, []string{k.topic, p, strconv.FormatInt(logStart, 10)})
		recovery = append(recovery, []string{k.topic, p, strconv.FormatInt(end, 10)})
	}
	if err := b.writeCleanerCheckpoint(); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		rows [][]string
	}{
		{segment.ReplicationCheckpoint, hw},
		{segment.LogStartOffsetCheckpoint, start},
		{segment.RecoveryPointCheckpoint, recovery},
	} {
		if err := segment.WriteCheckpoint(b.logDir, f.name, f.rows); err != nil {
			return err
		}
	}
	return nil
}

// writeCleanerCheckpoint saves where each compacted log's dirty part
// starts, as Kafka's LogCleanerManager does after every cleaning, so a
// restarted broker does not clean what is clean again. Callers hold
// replicasMu.
func (b *Broker) writeCleanerCheckpoint() error {
	var rows [][]string
	for k, r := range b.replicas {
		if r.Config().Compact {
			rows = append(rows, []string{k.topic, strconv.Itoa(int(k.partition)), strconv.FormatInt(r.FirstDirtyOffset(), 10)})
		}
	}
	slices.SortFunc(rows, func(x, y []string) int {
		if x[0] != y[0] {
			return strings.Compare(x[0], y[0])
		}
		a, _ := strconv.Atoi(x[1])
		c, _ := strconv.Atoi(y[1])
		return a - c
	})
	return segment.WriteCheckpoint(b.logDir, segment.CleanerOffsetCheckpoint, rows)
}

// replicaDir opens a partition's directory and returns the offsets
// checkpointed for its log. Kafka's partition.metadata names the topic id
// the log belongs to: a directory of another incarnation of the topic
// (deleted and created again while this broker was away) is a stray log
// and is emptied, as KRaft brokers delete stray replicas, and the
// checkpoint files, which know partitions by name only, are believed
// only for a log that is this topic's.
func (b *Broker) replicaDir(t *topicImage, p int32) (dir segment.Dir, logStart, hw, firstDirty int64, err error) {
	name := partitionDirName(t.name, p)
	if dir, err = b.logDir.Sub(name); err != nil {
		return nil, 0, 0, 0, err
	}
	owned := false
	if raw, rerr := segment.ReadFile(dir, partitionMetadataFile); rerr == nil {
		id, _ := parsePartitionMetadata(raw)
		owned = id == t.id.String()
		if !owned {
			b.logger.Info("removing stray log of another incarnation of the topic", "dir", name, "topic_id", id, "current_topic_id", t.id.String())
			if err := b.logDir.RemoveSub(name); err != nil {
				return nil, 0, 0, 0, err
			}
			if dir, err = b.logDir.Sub(name); err != nil {
				return nil, 0, 0, 0, err
			}
		}
	}
	meta := fmt.Sprintf("version: 0\ntopic_id: %s\n", t.id)
	if err := segment.WriteFileAtomic(dir, partitionMetadataFile, []byte(meta)); err != nil {
		return nil, 0, 0, 0, err
	}
	if owned {
		logStart, hw, firstDirty = b.readCheckpointedOffsets(t.name, p)
	}
	return dir, logStart, hw, firstDirty, nil
}

// partitionMetadataFile holds the topic id of a partition's log (KIP-516).
const partitionMetadataFile = "partition.metadata"

// parsePartitionMetadata returns the topic id in a partition.metadata
// file ("version: 0" and "topic_id: <id>" lines).
func parsePartitionMetadata(raw []byte) (string, bool) {
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "topic_id:"); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// readCheckpointedOffsets returns the log start offset, high watermark
// and first dirty offset saved for a partition, or zeros.
func (b *Broker) readCheckpointedOffsets(topic string, p int32) (logStart, hw, firstDirty int64) {
	find := func(name string) int64 {
		rows, err := segment.ReadCheckpoint(b.logDir, name, 3)
		if err != nil {
			b.logger.Warn("ignoring unreadable checkpoint", "file", name, "error", err)
			return 0
		}
		for _, r := range rows {
			if r[0] == topic && r[1] == strconv.Itoa(int(p)) {
				n, _ := strconv.ParseInt(r[2], 10, 64)
				return n
			}
		}
		return 0
	}
	return find(segment.LogStartOffsetCheckpoint), find(segment.ReplicationCheckpoint), find(segment.CleanerOffsetCheckpoint)
}

// partitionConfig turns a topic's effective configs into what a replica
// applies.
func (b *Broker) partitionConfig(t *topicImage) partition.Config {
	tc := b.config.Topic(t.configs)
	cfg := partition.DefaultConfig()
	cfg.Segment = segment.Config{
		SegmentBytes:       tc.SegmentBytes(),
		SegmentMs:          tc.Long("segment.ms"),
		SegmentIndexBytes:  tc.Int("segment.index.bytes"),
		IndexIntervalBytes: tc.Int("index.interval.bytes"),
	}
	cfg.MaxMessageBytes = tc.Int("max.message.bytes")
	cfg.FileDeleteDelayMs = tc.Long("file.delete.delay.ms")
	if tc.String("message.timestamp.type") == "LogAppendTime" {
		cfg.TimestampType = record.LogAppendTime
	}
	cfg.TimestampBeforeMaxMs = tc.Long("message.timestamp.before.max.ms")
	cfg.TimestampAfterMaxMs = tc.Long("message.timestamp.after.max.ms")
	cfg.Compact = strings.Contains(tc.String("cleanup.policy"), "compact")
	cfg.DeletePolicy = strings.Contains(tc.String("cleanup.policy"), "delete")
	cfg.Retention = segment.Retention{Ms: tc.Long("retention.ms"), Bytes: tc.Long("retention.bytes")}
	cfg.DeleteRetentionMs = tc.Long("delete.retention.ms")
	cfg.MinCompactionLagMs = tc.Long("min.compaction.lag.ms")
	cfg.MaxCompactionLagMs = tc.Long("max.compaction.lag.ms")
	if cfg.Compact && cfg.MaxCompactionLagMs > 0 {
		// Kafka's LogConfig.maxSegmentMs: a compacted log rolls by
		// max.compaction.lag.ms too, so that no record waits in the
		// active segment, which is never cleaned, past that lag.
		cfg.Segment.SegmentMs = min(cfg.Segment.SegmentMs, cfg.MaxCompactionLagMs)
	}
	if r, err := strconv.ParseFloat(tc.String("min.cleanable.dirty.ratio"), 64); err == nil {
		cfg.MinCleanableRatio = r
	}
	cfg.Compression = tc.String("compression.type")
	cfg.MinInsyncReplicas = tc.Int("min.insync.replicas")
	cfg.ReplicaLagTimeMaxMs = b.config.Long("replica.lag.time.max.ms")
	cfg.ProducerIDExpirationMs = b.config.Long("producer.id.expiration.ms")
	return cfg
}
