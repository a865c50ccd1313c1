package group

// Type is a group's protocol family, as ListGroups reports it (KIP-848).
type Type string

const (
	// Classic groups use JoinGroup/SyncGroup/Heartbeat/LeaveGroup; the
	// group leader (a client) computes the assignment.
	Classic Type = "classic"
	// Consumer groups use ConsumerGroupHeartbeat (KIP-848); the
	// coordinator computes the assignment with a server-side assignor.
	Consumer Type = "consumer"
)

// group is what a shard holds per group id: a classic group or a consumer
// group. The methods are the checks that offsets and admin requests make
// against either kind.
type group interface {
	groupID() string
	groupType() Type
	// stateName is the state as DescribeGroups and ListGroups spell it.
	stateName() string
	isEmpty() bool
	// epoch is the classic generation id or the consumer group epoch.
	epoch() int32
	// validateOffsetCommit checks that a commit comes from a current
	// member (or, for a group without members, from outside any group).
	validateOffsetCommit(c commitIdentity) error
	// validateOffsetFetch checks the member fields of OffsetFetch v9+.
	validateOffsetFetch(memberID *string, memberEpoch int32) error
	validateOffsetDelete() error
	validateDelete() error
	// isSubscribedTo reports whether a member consumes the topic; such
	// topics' offsets are neither deleted (OffsetDelete) nor expired.
	isSubscribedTo(topic string) bool
	// expiryBase returns, for offsets.retention.minutes, the time an
	// offset's retention starts from, or ok=false when the group's
	// offsets must not expire now (it has active members).
	expiryBase(o offsetEntry) (baseMs int64, ok bool)
	// describe is the group as Coordinator.Describe shows it.
	describe() Description
	// unload answers parked requests with NOT_COORDINATOR when the shard
	// is unloaded.
	unload()
}

// commitIdentity is who an OffsetCommit says it comes from.
type commitIdentity struct {
	memberID   string
	instanceID string
	generation int32 // generation id (classic) or member epoch (consumer)
	version    int16
	// transactional is set for TxnOffsetCommit, whose version numbers
	// are its own and which is not refused during a rebalance.
	transactional bool
}
