package broker

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/segment"
)

// removeStrayReplicas deletes, when a broker starts, the logs on its disk
// that the metadata no longer assigns to it: a partition reassigned away,
// or a topic deleted, while the broker was stopped. A running broker
// deletes such a replica as soon as the change is published
// (applyImage); a stopped one learns of it only now. KRaft brokers do the
// same at start-up (LogManager's stray replica detection, KAFKA-14616),
// so that an old copy is never mistaken for a current one if the
// partition comes back to this broker. A log is recognised by its
// partition.metadata file (KIP-516); other directories are left alone.
// Callers hold replicasMu.
func (b *Broker) removeStrayReplicas(im *image) {
	names, err := b.logDir.Subdirs()
	if err != nil {
		b.logger.Warn("listing the log directory for stray replicas failed", "error", err)
		return
	}
	for _, name := range names {
		cut := strings.LastIndexByte(name, '-')
		if cut <= 0 {
			continue
		}
		index, err := strconv.Atoi(name[cut+1:])
		if err != nil || index < 0 {
			continue
		}
		key := topicPartition{name[:cut], int32(index)}
		if b.replicas[key] != nil {
			continue
		}
		dir, err := b.logDir.Sub(name)
		if err != nil {
			continue
		}
		raw, err := segment.ReadFile(dir, partitionMetadataFile)
		if err != nil {
			continue
		}
		id, ok := parsePartitionMetadata(raw)
		if !ok {
			continue
		}
		t := im.topics[key.topic]
		if t != nil && t.id.String() == id && int(key.partition) < len(t.partitions) &&
			slices.Contains(t.partitions[key.partition].replicas, b.id) {
			continue
		}
		b.logger.Info("removing stray replica not assigned to this broker", "dir", name, "topic_id", id)
		if err := b.logDir.RemoveSub(name); err != nil {
			b.logger.Warn("removing stray replica failed", "dir", name, "error", err)
		}
	}
}
