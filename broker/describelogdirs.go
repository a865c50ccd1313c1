package broker

// DescribeLogDirs (key 35), versions 1-4.
//
// Each broker reports its log directories (log.dirs) and, per partition
// replica stored there, the bytes its log takes (kafka-log-dirs.sh,
// kadm's DescribeAllLogDirs). A gregor broker has one log directory: a
// directory under the data directory, or "(memory)/broker-<id>" when the
// logs live in memory. A null topic list asks for every replica; named
// partitions the broker does not host are left out.
//
// The offset lag is how far the replica's log end offset is behind its
// high watermark (0 for a leader; Kafka's ReplicaManager.getLogEndOffsetLag).
// gregor never moves replicas between directories, so no replica is a
// "future" one. v4's total and usable bytes of the volume are -1
// (unknown): gregor does not measure the disk. Version 0 was removed in
// Kafka 4 (KIP-896); v2 is the first flexible version.

import (
	"cmp"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(1, 4, handleDescribeLogDirs) }

func handleDescribeLogDirs(r *request, req *kmsg.DescribeLogDirsRequest) (kmsg.Response, error) {
	b := r.broker
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeLogDirsResponse))
	var wanted map[topicPartition]bool // nil: every replica
	if req.Topics != nil {
		wanted = map[topicPartition]bool{}
		for _, rt := range req.Topics {
			for _, p := range rt.Partitions {
				wanted[topicPartition{rt.Topic, p}] = true
			}
		}
	}
	dir := kmsg.NewDescribeLogDirsResponseDir()
	dir.Dir = b.config.String("log.dirs")
	dir.TotalBytes, dir.UsableBytes = -1, -1
	for _, rep := range b.hostedReplicas() {
		key := topicPartition{rep.Topic(), rep.Index()}
		if wanted != nil && !wanted[key] {
			continue
		}
		st, err := rep.Status()
		if err != nil {
			continue // closed meanwhile (the topic was deleted)
		}
		p := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
		p.Partition = key.partition
		for _, s := range st.Segments {
			p.Size += s.Size
		}
		p.OffsetLag = max(st.HighWatermark-st.LogEndOffset, 0)
		if n := len(dir.Topics); n == 0 || dir.Topics[n-1].Topic != key.topic {
			t := kmsg.NewDescribeLogDirsResponseDirTopic()
			t.Topic = key.topic
			dir.Topics = append(dir.Topics, t)
		}
		last := &dir.Topics[len(dir.Topics)-1]
		last.Partitions = append(last.Partitions, p)
	}
	resp.Dirs = []kmsg.DescribeLogDirsResponseDir{dir}
	return resp, nil
}

// hostedReplicas returns this broker's replicas ordered by topic and
// partition.
func (b *Broker) hostedReplicas() []*replica {
	b.replicasMu.RLock()
	out := make([]*replica, 0, len(b.replicas))
	for _, r := range b.replicas {
		out = append(out, r)
	}
	b.replicasMu.RUnlock()
	slices.SortFunc(out, func(x, y *replica) int {
		return cmp.Or(cmp.Compare(x.Topic(), y.Topic()), cmp.Compare(x.Index(), y.Index()))
	})
	return out
}
