package broker

// Fetching from the closest replica (KIP-392).
//
// In a cluster spread over racks (availability zones), a consumer reading
// from a leader in another zone pays for the cross-zone traffic. KIP-392
// lets it read from a follower in its own rack instead:
//
//   - each broker has a broker.rack (the Racks option), and the consumer
//     names its own in Fetch v11+ (rack_id; client.rack in the Java
//     client, kgo.Rack in franz-go);
//   - the leader, when replica.selector.class is Kafka's
//     RackAwareReplicaSelector, picks the replica to read from: itself if
//     it is in the consumer's rack, else the most caught-up in-sync
//     follower there that already has the fetch offset, else itself. When
//     it picks a follower it answers at once, with no records, the
//     partition's offsets and preferred_read_replica set to that
//     follower; the consumer then fetches from it;
//   - a follower serves a consumer's Fetch (v11+) as a leader would, but
//     only up to its own high watermark (or last stable offset), which
//     trails the leader's by one round of replication. An offset between
//     its high watermark and log end offset gets no records; one past its
//     log end offset is OFFSET_OUT_OF_RANGE, which the consumer checks
//     against the leader (KIP-392's out-of-range cases). A follower never
//     redirects a consumer further.
//
// Only in-sync followers are picked, so a follower that falls out of the
// ISR gets no new consumers from the leader; a consumer already reading
// from it keeps doing so until its client goes back to the leader
// (franz-go after RecheckPreferredReplicaInterval, the Java consumer when
// its metadata ages), and the leader then keeps it.

// rackAwareSelector is the replica.selector.class that enables KIP-392.
const rackAwareSelector = "org.apache.kafka.common.replica.RackAwareReplicaSelector"

// rack returns the broker's broker.rack, or nil.
func (b *Broker) rack() *string {
	if v, ok := b.config.Value("broker.rack"); ok && v != "" {
		return &v
	}
	return nil
}

// preferredReadReplica returns the follower a consumer in clientRack
// should read t from, as RackAwareReplicaSelector picks it, or 0 when it
// should read from this broker (the leader).
func (b *Broker) preferredReadReplica(clientRack string, t fetchTarget, rep *replica) int32 {
	if clientRack == "" || b.config.String("replica.selector.class") != rackAwareSelector {
		return 0
	}
	im := b.cluster.ctl.current()
	ti := im.topicIDs[t.topicID]
	if ti == nil || int(t.partition) >= len(ti.partitions) {
		return 0
	}
	pi := ti.partitions[t.partition]
	if pi.leader != b.id {
		return 0 // only the leader selects
	}
	if me := im.brokers[b.id]; me != nil && me.rack != nil && *me.rack == clientRack {
		return 0
	}
	ends := rep.FollowerLogEndOffsets()
	var best int32
	var bestEnd int64
	for _, id := range pi.isr {
		bi := im.brokers[id]
		if id == b.id || bi == nil || bi.fenced || bi.rack == nil || *bi.rack != clientRack {
			continue
		}
		// A follower that does not yet have the fetch offset could
		// only answer out of range.
		end, ok := ends[id]
		if !ok || end < t.read.Offset {
			continue
		}
		if best == 0 || end > bestEnd {
			best, bestEnd = id, end
		}
	}
	return best
}
