// Package group is Kafka's group coordinator: consumer groups, their
// rebalances, and the offsets they commit.
//
// A consumer group is a set of consumers that share the partitions of the
// topics they subscribe to: each partition is read by exactly one member
// at a time, and when members come and go the partitions are reassigned
// (a rebalance). Each group also remembers, per partition, the offset its
// members got to (committed offsets), so that a restarted or new member
// continues where the last one stopped.
//
// # Where a group lives
//
// The groups and offsets are kept in the internal topic
// __consumer_offsets (offsets.topic.num.partitions partitions, 50 by
// default). A group belongs to partition
// abs(javaStringHashCode(groupId)) % partitions (PartitionFor) and is
// coordinated by that partition's leader: the broker that leads it loads
// the partition's records into memory (load.go) and serves the group's
// requests; every change is written back to the partition as a record in
// Kafka's own schemas (records.go). The coordinator writes with
// acks=all, so min.insync.replicas applies as it does to a producer
// (capped at the partition's replica count); a write the ISR cannot take
// fails with COORDINATOR_NOT_AVAILABLE and the client retries. Each
// loaded partition is a shard with its own lock and timers (shard.go):
// the state changes only through requests and clock timers, one at a
// time, so the same inputs give the same outcome; the broker supplies
// the log, the clock and the sockets.
//
// # The classic protocol
//
// Clients drive classic groups with JoinGroup, SyncGroup, Heartbeat and
// LeaveGroup (join.go, sync.go, heartbeat.go, leave.go); the assignment
// is computed by one member, the leader, with the assignor the members
// agree on (range, round-robin, sticky, cooperative-sticky). A group
// moves through these states (classic.go, rebalance.go):
//
//	        +---------------------------------------------+
//	        |        the join phase ends with no members  |
//	        v                                             |
//	   +-------+    a member joins    +--------------------+
//	   | Empty |--------------------->| PreparingRebalance |<---------------+
//	   +-------+                      +--------------------+                |
//	                                     |  every member rejoined, or      |
//	                                     |  the rebalance timeout passed:  |
//	                                     |  generation + 1, leader chosen  |
//	                                     v                                 | a member joins,
//	                           +---------------------+                     | leaves, dies or
//	                           | CompletingRebalance |---------------------+ changes its
//	                           +---------------------+                     | subscription
//	                                     |  the leader's assignment        |
//	                                     |  is stored (SyncGroup)          |
//	                                     v                                 |
//	                                +--------+                             |
//	                                | Stable |-----------------------------+
//	                                +--------+
//
//	Any state -> Dead: the group is deleted or expires, or this broker
//	stops coordinating its partition.
//
// Each pass through PreparingRebalance ends in a new generation; requests
// carrying an older generation id are refused with ILLEGAL_GENERATION,
// which is how a member that was slow or partitioned learns it lost its
// partitions. Members that stop heartbeating for session.timeout.ms
// (bounded by group.min.session.timeout.ms and
// group.max.session.timeout.ms) are evicted; members that do not rejoin
// within the rebalance timeout (their max.poll.interval.ms) are dropped
// from the new generation. group.max.size caps the membership. Static
// members (group.instance.id, KIP-345) keep their place across restarts
// without a rebalance. New members get their member id with
// MEMBER_ID_REQUIRED before joining (KIP-394).
//
// # The consumer protocol (KIP-848)
//
// Consumer groups use ConsumerGroupHeartbeat alone (consumer*.go): each
// member heartbeats its subscription (topic names or a regular
// expression, matched in RE2 syntax against the whole name of every
// topic, internal ones included, as Kafka does). Each heartbeat goes
// through the same phases (consumer_heartbeat.go): find the member and
// check its member epoch; update its subscription; bump the group epoch
// when membership or subscriptions changed; compute a new target
// assignment with a server-side assignor (uniform or range,
// assignor*.go) when the group epoch moved; and reconcile the member one
// step towards its target (reconcile.go): a member first revokes the
// partitions that move away, and only once their previous owners
// released them are they assigned to their new owner. There is no
// group-wide barrier, so members that are not affected keep consuming.
// A new group starts at group epoch 1 with no target assignment, as in
// Kafka 4.4, so its first member joins at epoch 2.
//
// # Committed offsets
//
// OffsetCommit, OffsetFetch and OffsetDelete (offsets.go) read and write
// committed offsets; offsets.retention.minutes expires the offsets of
// groups that have been empty that long (expire.go). DescribeGroups,
// ConsumerGroupDescribe, ListGroups and DeleteGroups are in admin.go;
// Describe and the Event stream (describe.go, events.go) show everything
// to Go callers.
//
// Configs: offsets.topic.num.partitions, offsets.retention.minutes,
// offsets.retention.check.interval.ms, offsets.commit.timeout.ms,
// offset.metadata.max.bytes, group.min.session.timeout.ms,
// group.max.session.timeout.ms, group.initial.rebalance.delay.ms,
// group.max.size, group.coordinator.rebalance.protocols and the
// group.consumer.* settings (see Config), among them KIP-1263's
// group.consumer.assignment.interval.ms: a consumer group's target
// assignment is recomputed at most once a second by default, so a member
// that joins right after an assignment waits, at its epoch with nothing
// assigned, for a heartbeat after the interval. Kafka 4.3 also added
// group.consumer.assignor.offload.enable (running the assignor on a
// background thread); gregor runs it in the heartbeat, and in Kafka 4.4
// the consumer-group path does not consult that setting either.
//
// Where gregor differs from Kafka, and why:
//
//   - KIP-848 group state (members, epochs, target assignments) lives in
//     memory only; kmsg has no codecs for those record types. Offsets of
//     consumer groups are stored as usual, and after a coordinator change
//     the members are told UNKNOWN_MEMBER_ID and rejoin from epoch zero.
//   - A write changes the in-memory state when it is appended and its
//     answer waits for replication, as in Kafka; Kafka can also roll the
//     state back to its last committed snapshot if the write then fails,
//     gregor keeps it (the next coordinator reloads from the log anyway).
//   - The uniform assignor follows Kafka's rules (balanced, sticky) with
//     simpler bookkeeping; the partitions it picks may differ.
//
// Transactional offset commits (TxnOffsetCommit, KIP-98/KIP-447) are held
// pending per producer until their transaction's marker (txnoffsets.go).
//
// Not implemented (yet): share groups (KIP-932), streams groups,
// members of one group using both protocols at once (Kafka's online
// migration, group.consumer.migration.policy), per-group configs
// (KIP-848's group-level session and heartbeat settings), and
// OffsetCommit/OffsetFetch v10 (topic ids).
package group
