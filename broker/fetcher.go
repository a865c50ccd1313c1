package broker

// Replica fetchers: how followers copy their leaders.
//
// Kafka runs replica fetcher threads that send Fetch requests to leaders
// over the network. gregor's followers do the same work in process: one
// goroutine per follower replica calls its leader's FetchForFollower with
// its log end offset and the epoch of its last batch, appends what comes
// back as it is, and adopts the leader's high watermark. When there is
// nothing new it parks until the leader's log or high watermark moves (the
// long poll of a replica fetch, without the wait). When the leader says the
// logs diverged it truncates. A leader that is offline or not yet known
// parks the fetcher until the metadata changes.
//
// A test can pause one follower's fetching (Cluster.PauseReplication) to
// build lag without stopping a broker: the follower then falls out of the
// ISR after replica.lag.time.max.ms, exactly as a slow follower would.

import (
	"errors"
	"sync"

	"github.com/gregorkafka/gregor/partition"
	"github.com/twmb/franz-go/pkg/kerr"
)

type replicaFetcher struct {
	b    *Broker
	key  topicPartition
	r    *replica
	stop chan struct{}
	// nudge wakes the fetcher when it is resumed or its leader changes.
	nudge chan struct{}
	// mu is held for each fetch-and-append round, so that pausing waits
	// out a round in flight and no round starts while paused.
	mu sync.Mutex
}

// ensureFetcher starts the fetcher of a follower replica if none runs.
// Callers hold replicasMu.
func (b *Broker) ensureFetcher(key topicPartition, r *replica) {
	b.fetchersMu.Lock()
	defer b.fetchersMu.Unlock()
	if b.fetchers == nil {
		b.fetchers = map[topicPartition]*replicaFetcher{}
	}
	if f := b.fetchers[key]; f != nil {
		if f.r == r {
			nudge(f.nudge)
			return
		}
		close(f.stop)
	}
	f := &replicaFetcher{b: b, key: key, r: r, stop: make(chan struct{}), nudge: make(chan struct{}, 1)}
	b.fetchers[key] = f
	b.fetcherWG.Add(1)
	go f.run()
}

// stopFetcher stops a replica's fetcher without waiting for it: it may be
// the very goroutine that triggered this change through the controller.
func (b *Broker) stopFetcher(key topicPartition) {
	b.fetchersMu.Lock()
	defer b.fetchersMu.Unlock()
	if f := b.fetchers[key]; f != nil {
		close(f.stop)
		delete(b.fetchers, key)
	}
}

// stopAllFetchers stops every fetcher and waits for them (broker stop).
func (b *Broker) stopAllFetchers() {
	b.fetchersMu.Lock()
	for key, f := range b.fetchers {
		close(f.stop)
		delete(b.fetchers, key)
	}
	b.fetchersMu.Unlock()
	b.fetcherWG.Wait()
}

func nudge(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// drain empties a wake-up channel of capacity one.
func drain(ch chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

func (b *Broker) isPaused(key topicPartition) bool {
	b.fetchersMu.Lock()
	defer b.fetchersMu.Unlock()
	return b.paused[key]
}

// setPaused pauses or resumes a follower's fetching. Pausing returns once
// no fetch of that replica is in flight.
func (b *Broker) setPaused(key topicPartition, paused bool) {
	b.fetchersMu.Lock()
	if b.paused == nil {
		b.paused = map[topicPartition]bool{}
	}
	if paused {
		b.paused[key] = true
	} else {
		delete(b.paused, key)
	}
	f := b.fetchers[key]
	b.fetchersMu.Unlock()
	if f == nil {
		return
	}
	if paused {
		// Taking the lock waits out a round in flight.
		f.mu.Lock()
		//lint:ignore SA2001 the critical section is the wait itself
		f.mu.Unlock()
	} else {
		nudge(f.nudge)
	}
}

func (f *replicaFetcher) run() {
	defer f.b.fetcherWG.Done()
	own := make(chan struct{}, 1)
	cancelOwn := f.r.Watch(own)
	defer cancelOwn()
	// Metadata changes wake the fetcher too: a leader's replica may not
	// exist yet when this follower first looks for it.
	cancelImage := f.b.cluster.changes.add(own)
	defer cancelImage()
	leaderWake := make(chan struct{}, 1)
	var watched *replica
	cancelLeader := func() {}
	defer func() { cancelLeader() }()

	wait := func() bool {
		select {
		case <-f.stop:
			return false
		case <-own:
		case <-leaderWake:
		case <-f.nudge:
		}
		return true
	}
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		// Signals already queued are about changes this round will see
		// anyway, since it reads the leadership and the leader's log
		// after this point: most are the echo of the last round (its own
		// append, the leader's high watermark moving because of it).
		// Dropping them saves an empty fetch round per copied batch.
		drain(own)
		drain(leaderWake)
		leaderID, epoch := f.r.Leadership()
		if leaderID == f.b.id {
			return
		}
		lr := f.b.cluster.leaderReplica(f.key, leaderID)
		if lr != watched {
			cancelLeader()
			cancelLeader = func() {}
			if lr != nil {
				cancelLeader = lr.Watch(leaderWake)
			}
			watched = lr
		}
		if lr == nil || f.b.isPaused(f.key) {
			if !wait() {
				return
			}
			continue
		}
		progressed := f.fetchOnce(lr, epoch)
		if !progressed && !wait() {
			return
		}
	}
}

// fetchOnce runs one fetch-and-append round. It reports whether records
// were copied (so the fetcher should fetch again at once).
func (f *replicaFetcher) fetchOnce(lr *replica, epoch int32) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.b.isPaused(f.key) {
		return false
	}
	pos := f.r.FetchPosition()
	if pos.Closed {
		return false // the fetcher is about to be stopped
	}
	if pos.LeaderEpoch != epoch {
		return true
	}
	res, err := lr.FetchForFollower(partition.FollowerFetch{
		ReplicaID:          f.b.id,
		FetchOffset:        pos.FetchOffset,
		LastFetchedEpoch:   pos.LastFetchedEpoch,
		CurrentLeaderEpoch: epoch,
		LogStartOffset:     pos.LogStartOffset,
		MaxBytes:           f.b.config.Int("replica.fetch.max.bytes"),
	})
	switch {
	case errors.Is(err, kerr.OffsetOutOfRange):
		if err := f.r.HandleOffsetOutOfRange(res.LogStartOffset, res.LogEndOffset); err != nil {
			f.b.logger.Error("repositioning follower failed", "topic", f.key.topic, "partition", f.key.partition, "error", err)
			return false
		}
		return true
	case err != nil:
		// The leader moved on or is going away; wait for the metadata.
		f.b.logger.Debug("follower fetch refused", "topic", f.key.topic, "partition", f.key.partition, "leader_epoch", epoch, "error", err)
		return false
	case res.Diverging != nil:
		if err := f.r.TruncateOnDivergence(*res.Diverging); err != nil {
			f.b.logger.Error("truncating follower failed", "topic", f.key.topic, "partition", f.key.partition, "error", err)
			return false
		}
		return true
	}
	if err := f.r.AppendAsFollower(res.Records, epoch, res.HighWatermark, res.LogStartOffset); err != nil {
		f.b.logger.Debug("follower append refused", "topic", f.key.topic, "partition", f.key.partition, "leader_epoch", epoch, "error", err)
		return false
	}
	if res.JoinISR {
		f.b.proposeISRJoin(f.key, lr)
	}
	return len(res.Records) > 0
}

// leaderReplica returns the leader's replica of a partition, if the leader
// broker runs and hosts it.
func (c *Cluster) leaderReplica(key topicPartition, leaderID int32) *replica {
	if leaderID < 0 {
		return nil
	}
	lb := c.Broker(leaderID)
	if lb == nil || !lb.Running() {
		return nil
	}
	return lb.replica(key.topic, key.partition)
}
