package broker

// LeadershipChange tells a broker component that this broker's replica of
// a partition became the leader or a follower (or was deleted). The group
// coordinator uses it: a broker coordinates the groups whose
// __consumer_offsets partition it leads, loading them from the log when it
// gains leadership and dropping them when it loses it, as Kafka's
// coordinators do.
type LeadershipChange struct {
	Topic       string
	Partition   int32
	Leader      bool
	LeaderEpoch int32
	Deleted     bool
}

// LeadershipListener receives leadership changes of a broker's replicas,
// after the broker has applied them, in the order they happened. It runs
// on the goroutine that changed the cluster metadata, with the controller
// busy: it must not call back into the controller (create topics, elect
// leaders) synchronously.
type LeadershipListener func(LeadershipChange)

// onLeadershipChange registers a listener.
func (b *Broker) onLeadershipChange(l LeadershipListener) {
	b.listenersMu.Lock()
	defer b.listenersMu.Unlock()
	b.listeners = append(b.listeners, l)
}

func (b *Broker) notifyLeadership(changes []LeadershipChange) {
	if len(changes) == 0 {
		return
	}
	b.listenersMu.Lock()
	ls := append([]LeadershipListener(nil), b.listeners...)
	b.listenersMu.Unlock()
	for _, c := range changes {
		for _, l := range ls {
			l(c)
		}
	}
}
