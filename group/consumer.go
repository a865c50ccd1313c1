package group

// consumerGroup is a group using the consumer protocol (KIP-848).
type consumerGroup struct {
	s  *shard
	id string
}

func (s *shard) removeConsumerGroup(g *consumerGroup) { delete(s.groups, g.id) }

func (g *consumerGroup) groupID() string                                         { return g.id }
func (g *consumerGroup) groupType() Type                                         { return Consumer }
func (g *consumerGroup) stateName() string                                       { return "Empty" }
func (g *consumerGroup) isEmpty() bool                                           { return true }
func (g *consumerGroup) validateOffsetCommit(c commitIdentity) error             { return nil }
func (g *consumerGroup) validateOffsetFetch(memberID *string, epoch int32) error { return nil }
func (g *consumerGroup) validateOffsetDelete() error                             { return nil }
func (g *consumerGroup) validateDelete() error                                   { return nil }
func (g *consumerGroup) isSubscribedTo(topic string) bool                        { return false }
func (g *consumerGroup) expiryBase(o offsetEntry) (int64, bool)                  { return o.commitTimestamp, true }
func (g *consumerGroup) unload()                                                 {}
func (g *consumerGroup) describe() Description {
	return Description{Group: g.id, Type: Consumer, State: "Empty"}
}
func (g *consumerGroup) epoch() int32 { return 0 }
