package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/group"
	"github.com/gregorkafka/gregor/partition"
	"github.com/gregorkafka/gregor/segment"
	"github.com/gregorkafka/gregor/txn"
)

// Broker is one node of the cluster: a listener, the connections it
// accepted, and the partition replicas it hosts. In KRaft terms every
// gregor broker runs with process.roles=broker,controller, and the
// controller role is played by the cluster's single controller object.
type Broker struct {
	id       int32
	cluster  *Cluster
	config   *config.Broker
	logger   *slog.Logger
	host     string // advertised (AdvertisedHost, or the bound host)
	port     int32
	bindHost string
	logDir   segment.Dir       // this broker's log.dirs entry
	primary  *brokerListener   // the first listener: ln, host and port (listeners.go)
	extra    []*brokerListener // the other listeners

	mu      sync.Mutex // guards the lifecycle fields below
	running bool
	ln      net.Listener
	conns   map[*conn]struct{}
	wg      sync.WaitGroup // the accept loop and connection goroutines

	replicasMu sync.RWMutex
	replicas   map[topicPartition]*replica

	listenersMu sync.Mutex
	listeners   []LeadershipListener

	sessions *fetchSessionCache

	fetchersMu sync.Mutex
	fetchers   map[topicPartition]*replicaFetcher
	paused     map[topicPartition]bool
	fetcherWG  sync.WaitGroup

	isrTimerMu sync.Mutex
	isrTimer   clock.Timer

	retentionTimerMu sync.Mutex // retention.go
	retentionTimer   clock.Timer
	cleanerTimerMu   sync.Mutex // cleaner.go
	cleanerTimer     clock.Timer

	producerExpiryTimerMu sync.Mutex // producerexpiry.go
	producerExpiryTimer   clock.Timer

	groups *group.Coordinator // groups.go
	quotas brokerQuotas       // conn_quota.go
	txns   *txn.Coordinator   // txns.go
}

type topicPartition struct {
	topic     string
	partition int32
}

// replica is a hosted partition replica and the topic id it belongs to,
// which tells a re-created topic from the one it replaced.
type replica struct {
	*partition.Partition
	topicID TopicID
}

func newBroker(c *Cluster, id int32, o options) (*Broker, error) {
	plan := c.listenerPlan
	host := o.host
	if plan[0].host != "" {
		host = plan[0].host
	}
	ln, err := c.net.listen(host, listenerPort(plan, 0, o, id))
	if err != nil {
		return nil, fmt.Errorf("broker %d: %w", id, err)
	}
	advHost, advPort, err := splitHostPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	switch {
	case plan[0].advHost != "":
		advHost = plan[0].advHost
	case o.advertisedHost != "":
		advHost = o.advertisedHost
	}
	logDir, err := c.dataRoot.Sub("broker-" + strconv.Itoa(int(id)))
	if err != nil {
		ln.Close()
		return nil, err
	}
	b := &Broker{
		id:       id,
		cluster:  c,
		logger:   c.logger.With("broker", id),
		host:     advHost,
		port:     advPort,
		bindHost: host,
		logDir:   logDir,
		ln:       ln,
		replicas: make(map[topicPartition]*replica),
	}
	b.primary = &brokerListener{spec: &plan[0], host: advHost, port: advPort}
	logDirName := logDir.Path()
	if logDirName == "" {
		logDirName = "(memory)/broker-" + strconv.Itoa(int(id))
	}
	for i := 1; i < len(plan); i++ {
		l := &brokerListener{spec: &plan[i], host: plan[i].advHost, port: int32(listenerPort(plan, i, o, id))}
		if l.host == "" {
			l.host = o.advertisedHost
		}
		b.extra = append(b.extra, l)
	}
	if err := b.openListeners(); err != nil {
		b.closeListeners()
		ln.Close()
		return nil, err
	}
	b.config = c.brokerConfig.With("node.id", strconv.Itoa(int(id))).
		With("broker.id", strconv.Itoa(int(id))).
		With("log.dirs", logDirName)
	for name, v := range b.listenerConfigs(interBrokerName(c.brokerConfig)) {
		b.config = b.config.With(name, v)
	}
	if int(id) <= len(o.racks) && o.racks[id-1] != "" {
		b.config = b.config.With("broker.rack", o.racks[id-1])
	}
	b.quotas = newBrokerQuotas(b.config)
	if err := b.initGroups(); err != nil {
		ln.Close()
		return nil, err
	}
	if err := b.initTxns(); err != nil {
		ln.Close()
		return nil, err
	}
	return b, nil
}

// ID is the broker's node id.
func (b *Broker) ID() int32 { return b.id }

// Addr is the host:port the broker listens on and advertises.
func (b *Broker) Addr() string { return net.JoinHostPort(b.host, strconv.Itoa(int(b.port))) }

// Running reports whether the broker is serving.
func (b *Broker) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

// start opens the broker's replicas for the current metadata and begins
// accepting connections on its (already bound) listener.
func (b *Broker) start() error {
	if err := b.writeMetaProperties(); err != nil {
		return err
	}
	b.mu.Lock()
	if b.ln == nil {
		ln, err := b.cluster.net.listen(b.bindHost, int(b.port))
		if err != nil {
			b.mu.Unlock()
			return fmt.Errorf("broker %d: %w", b.id, err)
		}
		b.ln = ln
	}
	if err := b.openListeners(); err != nil {
		b.mu.Unlock()
		return err
	}
	extraLns := make([]net.Listener, len(b.extra))
	for i, l := range b.extra {
		extraLns[i] = l.ln
	}
	b.running = true
	b.conns = make(map[*conn]struct{})
	b.sessions = newFetchSessionCache(b.config.Int("max.incremental.fetch.session.cache.slots"))
	ln := b.ln
	b.mu.Unlock()
	// Under the controller's lock, as publish applies images: a change
	// published while this broker starts is then applied after this one,
	// never overwritten by the older image read here.
	ctl := b.cluster.ctl
	ctl.mu.Lock()
	b.applyImage(nil, ctl.current())
	b.replicasMu.Lock()
	b.removeStrayReplicas(ctl.current())
	b.replicasMu.Unlock()
	ctl.mu.Unlock()
	b.scheduleISRCheck()
	b.scheduleRetentionCheck()
	b.scheduleCleaning()
	b.scheduleProducerExpiration()
	b.wg.Add(1 + len(b.extra))
	go b.acceptLoop(ln, b.primary)
	for i, l := range b.extra {
		go b.acceptLoop(extraLns[i], l)
	}
	return nil
}

// acceptLoop accepts connections on one listener.
func (b *Broker) acceptLoop(ln net.Listener, l *brokerListener) {
	defer b.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				b.logger.Warn("accept failed", "error", err)
			}
			return
		}
		b.mu.Lock()
		if !b.running {
			b.mu.Unlock()
			nc.Close()
			return
		}
		c := newConn(b, nc, l)
		b.conns[c] = struct{}{}
		if b.throttleConnection(c) {
			b.mu.Unlock()
			continue
		}
		b.wg.Add(1)
		b.mu.Unlock()
		b.cluster.changes.notify() // for WaitUntil
		go func() {
			defer b.wg.Done()
			c.serve()
			b.mu.Lock()
			delete(b.conns, c)
			b.mu.Unlock()
			b.cluster.changes.notify()
		}()
	}
}

// stop closes the listener and every connection, stops replication,
// waits for the goroutines, and closes the replicas. A clean stop writes
// the checkpoints a clean shutdown leaves behind; a crash does not, so
// the next start recovers from the log alone.
func (b *Broker) stop() error { return b.shutdown(false) }

func (b *Broker) shutdown(crash bool) error {
	b.mu.Lock()
	if !b.running {
		if b.ln != nil {
			b.ln.Close()
			b.ln = nil
		}
		b.closeListeners()
		b.mu.Unlock()
		return nil
	}
	b.running = false
	ln := b.ln
	b.ln = nil
	b.closeListeners()
	conns := make([]*conn, 0, len(b.conns))
	for c := range b.conns {
		conns = append(conns, c)
	}
	b.mu.Unlock()
	ln.Close()
	for _, c := range conns {
		c.close()
	}
	b.stopISRChecks()
	b.stopRetentionChecks()
	b.stopCleaning()
	b.stopProducerExpiration()
	b.stopAllFetchers()
	b.wg.Wait()
	b.groups.UnloadAll()
	b.txns.UnloadAll()
	return b.closeReplicas(crash)
}

func (b *Broker) closeReplicas(crash bool) error {
	b.replicasMu.Lock()
	defer b.replicasMu.Unlock()
	var err error
	if !crash {
		err = b.writeCheckpoints()
	}
	for key, r := range b.replicas {
		if crash {
			err = errors.Join(err, r.Abandon())
		} else {
			err = errors.Join(err, r.Close())
		}
		delete(b.replicas, key)
	}
	return err
}

// replica returns the hosted replica of a partition, or nil.
func (b *Broker) replica(topic string, p int32) *replica {
	b.replicasMu.RLock()
	defer b.replicasMu.RUnlock()
	return b.replicas[topicPartition{topic, p}]
}

// partitionDirName is Kafka's directory name for a partition's log.
func partitionDirName(topic string, p int32) string {
	return topic + "-" + strconv.Itoa(int(p))
}

// openReplica opens a partition's log directory and writes Kafka's
// partition.metadata file (the topic id) next to the segments.
func (b *Broker) openReplica(t *topicImage, p int32, cfg partition.Config) (*replica, error) {
	dir, logStart, hw, firstDirty, err := b.replicaDir(t, p)
	if err != nil {
		return nil, err
	}
	part, err := partition.Open(partition.Options{
		Topic: t.name, Index: p, BrokerID: b.id,
		Dir: dir, Config: cfg, Clock: b.cluster.clock,
		// The cluster's logger: the partition names its broker itself.
		Logger:         b.cluster.logger,
		LogStartOffset: logStart, HighWatermark: hw,
		FirstDirtyOffset: firstDirty,
		ReplicaEligible:  b.cluster.brokerEligible,
		SegmentEvents:    b.cluster.segmentEvents.publish,
	})
	if err != nil {
		return nil, err
	}
	return &replica{Partition: part, topicID: t.id}, nil
}

// deleteReplica removes a replica and its files. Callers hold replicasMu.
func (b *Broker) deleteReplica(key topicPartition, r *replica) {
	if err := r.Delete(); err != nil {
		b.logger.Warn("deleting replica files failed", "topic", key.topic, "partition", key.partition, "error", err)
	}
	if err := b.logDir.RemoveSub(partitionDirName(key.topic, key.partition)); err != nil {
		b.logger.Warn("removing partition directory failed", "topic", key.topic, "partition", key.partition, "error", err)
	}
	delete(b.replicas, key)
}

// brokerEligible reports whether a broker's replicas may count towards an
// ISR: it is registered and not fenced.
func (c *Cluster) brokerEligible(id int32) bool {
	bi := c.ctl.current().brokers[id]
	return bi != nil && !bi.fenced
}
