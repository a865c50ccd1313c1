package group

// The log format of __consumer_offsets.
//
// Every change the coordinator makes durable is a record in the group's
// __consumer_offsets partition, in the same schemas Kafka uses, so that a
// learner can consume the topic and decode what the broker wrote (and a
// Kafka tool could read gregor's segments). A record's key starts with an
// int16 version that says what the record is:
//
//	key version 0, 1   OffsetCommitKey   group, topic, partition
//	                   OffsetCommitValue offset, leader epoch, metadata, commit time
//	key version 2      GroupMetadataKey  group
//	                   GroupMetadataValue protocol type, generation, protocol,
//	                   leader, state timestamp, members with their
//	                   subscription and assignment (classic groups only)
//	key version 3-8    KIP-848 consumer group records (not written by gregor)
//
// A record with a null value is a tombstone: the offset was deleted or
// expired, or the group was deleted. The topic is compacted, so only the
// latest record per key needs to survive; replaying the partition from
// the start rebuilds every group and offset of the partition (load.go).
//
// Kafka writes OffsetCommitValue version 3 (version 1 when the commit
// carried an explicit retention, OffsetCommit v2-v4) and
// GroupMetadataValue version 3; gregor does the same.

import (
	"fmt"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	offsetCommitKeyVersion       = 1
	offsetCommitValueVersion     = 3
	offsetCommitValueExpireVer   = 1
	groupMetadataKeyVersion      = 2
	groupMetadataValueVersion    = 3
	firstConsumerGroupKeyVersion = 3
	lastConsumerGroupKeyVersion  = 8
)

// logRecord is one key and value to write; a nil value is a tombstone.
type logRecord struct {
	key, value []byte
}

func offsetCommitRecord(groupID, topic string, partition int32, o offsetEntry) logRecord {
	k := kmsg.NewOffsetCommitKey()
	k.Version, k.Group, k.Topic, k.Partition = offsetCommitKeyVersion, groupID, topic, partition
	key := k.AppendTo(make([]byte, 0, 10+len(groupID)+len(topic)))
	v := kmsg.NewOffsetCommitValue()
	v.Version = offsetCommitValueVersion
	v.Offset, v.LeaderEpoch, v.Metadata, v.CommitTimestamp = o.offset, o.leaderEpoch, o.metadata, o.commitTimestamp
	if o.expireTimestamp >= 0 {
		v.Version = offsetCommitValueExpireVer
		v.ExpireTimestamp = o.expireTimestamp
	}
	return logRecord{key: key, value: v.AppendTo(make([]byte, 0, 32+len(o.metadata)))}
}

func offsetTombstone(groupID, topic string, partition int32) logRecord {
	k := kmsg.NewOffsetCommitKey()
	k.Version, k.Group, k.Topic, k.Partition = offsetCommitKeyVersion, groupID, topic, partition
	return logRecord{key: k.AppendTo(nil)}
}

func groupMetadataKey(groupID string) []byte {
	k := kmsg.NewGroupMetadataKey()
	k.Version, k.Group = groupMetadataKeyVersion, groupID
	return k.AppendTo(nil)
}

// groupMetadataRecord stores a classic group's generation, members and
// assignments. assignment overrides the members' own (SyncGroup writes
// the leader's assignment before handing it out); members missing from
// it are written with their current assignment.
func groupMetadataRecord(g *classicGroup, assignment map[string][]byte) logRecord {
	v := kmsg.NewGroupMetadataValue()
	v.Version = groupMetadataValueVersion
	v.ProtocolType = g.protocolType
	v.Generation = g.generation
	if g.protocolName != "" {
		p := g.protocolName
		v.Protocol = &p
	}
	if g.leader != "" {
		l := g.leader
		v.Leader = &l
	}
	v.CurrentStateTimestamp = g.stateTimestamp
	for _, m := range g.memberList() {
		mm := kmsg.NewGroupMetadataValueMember()
		mm.MemberID, mm.ClientID, mm.ClientHost = m.id, m.clientID, m.clientHost
		if m.instanceID != "" {
			id := m.instanceID
			mm.InstanceID = &id
		}
		mm.RebalanceTimeoutMillis = int32(m.rebalanceTimeout.Milliseconds())
		mm.SessionTimeoutMillis = int32(m.sessionTimeout.Milliseconds())
		mm.Subscription = m.metadataFor(g.protocolName)
		if a, ok := assignment[m.id]; ok {
			mm.Assignment = a
		} else {
			mm.Assignment = m.assignment
		}
		if mm.Assignment == nil {
			mm.Assignment = []byte{}
		}
		v.Members = append(v.Members, mm)
	}
	return logRecord{key: groupMetadataKey(g.id), value: v.AppendTo(nil)}
}

func groupTombstone(groupID string) logRecord {
	return logRecord{key: groupMetadataKey(groupID)}
}

// buildBatch encodes records into one uncompressed batch, as the
// coordinator appends them (offsets.topic.compression.codec is none).
func buildBatch(recs []logRecord, nowMs int64) ([]byte, error) {
	rs := make([]record.Record, len(recs))
	for i, r := range recs {
		rs[i] = record.Record{Timestamp: nowMs, Key: r.key, Value: r.value}
	}
	return record.Build(record.BatchOptions{}, rs)
}

// decoded is one record read back from __consumer_offsets.
type decoded struct {
	offsetKey   *kmsg.OffsetCommitKey
	offsetValue *kmsg.OffsetCommitValue // nil: tombstone
	groupKey    *kmsg.GroupMetadataKey
	groupValue  *kmsg.GroupMetadataValue // nil: tombstone
	// skipped is set for records gregor does not replay (KIP-848 and
	// share group records written by a Kafka broker).
	skipped bool
}

// decodeRecord reads a __consumer_offsets key and value.
func decodeRecord(key, value []byte) (decoded, error) {
	if len(key) < 2 {
		return decoded{}, fmt.Errorf("record key of %d bytes has no version", len(key))
	}
	version := int16(key[0])<<8 | int16(key[1])
	switch {
	case version == 0 || version == 1:
		k := kmsg.NewOffsetCommitKey()
		if err := k.ReadFrom(key); err != nil {
			return decoded{}, fmt.Errorf("offset commit key: %w", err)
		}
		d := decoded{offsetKey: &k}
		if value != nil {
			v := kmsg.NewOffsetCommitValue()
			if err := v.ReadFrom(value); err != nil {
				return decoded{}, fmt.Errorf("offset commit value for %s %s-%d: %w", k.Group, k.Topic, k.Partition, err)
			}
			d.offsetValue = &v
		}
		return d, nil
	case version == groupMetadataKeyVersion:
		k := kmsg.NewGroupMetadataKey()
		if err := k.ReadFrom(key); err != nil {
			return decoded{}, fmt.Errorf("group metadata key: %w", err)
		}
		d := decoded{groupKey: &k}
		if value != nil {
			v := kmsg.NewGroupMetadataValue()
			if err := v.ReadFrom(value); err != nil {
				return decoded{}, fmt.Errorf("group metadata value for %s: %w", k.Group, err)
			}
			d.groupValue = &v
		}
		return d, nil
	default:
		return decoded{skipped: true}, nil
	}
}
