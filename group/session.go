package group

import "time"

// A member's session is renewed each time the coordinator pushes its
// deadline session.timeout.ms into the future: on a heartbeat, and on a
// JoinGroup, SyncGroup or OffsetCommit of a classic member (KIP-62), or on
// a ConsumerGroupHeartbeat (KIP-848). Recording when that last happened,
// on the cluster clock, lets a test that moves a manual clock tell the
// members that kept up from those that went silent, and move time only
// once every live member has renewed its session (see
// broker.Cluster.AdvanceInSteps).

// sessionRenewal is when a member's session was last renewed and how many
// times it has been.
type sessionRenewal struct {
	at    time.Time
	count int64
}

// renewSession records a renewal at the shard's clock reading and tells
// the coordinator's owner (Options.SessionRenewed).
func (s *shard) renewSession(r *sessionRenewal) {
	r.at = s.now()
	r.count++
	s.c.sessionRenewed()
}

func (r sessionRenewal) describe(md *MemberDescription) {
	md.SessionRenewedAt = r.at
	md.SessionRenewals = r.count
}

func (c *Coordinator) sessionRenewed() { c.renewed() }
