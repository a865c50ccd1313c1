package broker

import (
	"context"
	"errors"
	"fmt"
	"github.com/gregorkafka/gregor/acl"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/security"
	"github.com/gregorkafka/gregor/segment"
)

// Cluster is a set of in-process brokers that speak the Kafka protocol.
// Start one with New; it is ready when New returns. Clusters share no
// global state, so any number can run side by side in one test binary.
type Cluster struct {
	clock        clock.Clock
	logger       *slog.Logger
	brokerConfig *config.Broker
	net          network
	dataRoot     segment.Dir
	onDisk       bool
	brokers      []*Broker // ordered by node id (1..n)
	ctl          *controller
	stats        replicationStats
	changes      changeNotifier
	// sessionRenewals wakes AdvanceInSteps when a group member renews
	// its session (advance.go).
	sessionRenewals changeNotifier
	groupEvents     *groupEventHub  // groups_introspect.go
	txnEvents       *txnEventHub    // txns_introspect.go
	segmentEvents   segmentEventLog // segment_events.go
	traffic         trafficStats    // metrics_hooks.go
	httpServers     sync.Map        // *http.Server → struct{}, http_hooks.go
	faults          faultSet        // faults.go
	history         requestHistory  // history.go
	markers         markerLog       // txnmarkers_introspect.go
	connSeq         atomic.Int64    // numbers connections (conn.id)

	creds *security.Credentials // SASL users (sasl.go)
	tls   clusterTLS            // tls.go
	// listenerPlan is every broker's listeners, the first one first
	// (listeners_config.go).
	listenerPlan []listenerSpec

	// authorizer checks every request against the ACLs (authz.go); nil
	// when authorizer.class.name is empty: everything is allowed.
	authorizer *acl.Authorizer
	// testPrincipal, set only by tests, names a request's principal
	// from its client id.
	testPrincipal atomic.Pointer[func(clientID string) string]

	// alterConfigsMu makes each topic's read-modify-write of its settings
	// (AlterConfigs, IncrementalAlterConfigs), and each level's of the
	// dynamic broker configs, atomic: two requests changing different
	// keys of one resource must both take effect. It is
	// taken before the controller's lock (LOCKING.md).
	alterConfigsMu sync.Mutex

	opts []Option // what New was given, for Restart

	closeOnce     sync.Once
	closeErr      error
	removeSettler func()
}

// New starts a cluster. With no options it is one broker on a free
// loopback port, keeping its logs in memory, with Kafka's defaults.
//
// Starting follows a Kafka broker's own start-up, for every broker at
// once: the configuration (newCluster), the cluster metadata as last
// saved (loadImage; KRaft's __cluster_metadata log in Kafka), then the
// brokers and the controller (startBrokers), then the topics the options
// ask for.
func New(opts ...Option) (*Cluster, error) {
	o, err := parseOptions(opts)
	if err != nil {
		return nil, err
	}
	c, err := newCluster(o)
	if err != nil {
		return nil, err
	}
	c.opts = append([]Option(nil), opts...)
	img, err := c.loadImage(o)
	if err != nil {
		return nil, err
	}
	if err := c.startBrokers(o, img); err != nil {
		c.closeBrokers()
		return nil, err
	}
	if err := c.createInitialTopics(o.topics); err != nil {
		c.closeBrokers()
		return nil, err
	}
	c.ctl.scheduleLeaderRebalance()
	if m, ok := c.clock.(*clock.Manual); ok {
		c.removeSettler = m.OnAdvance(c.settleReplication)
	}
	c.logger.Info("cluster started", "cluster_id", img.clusterID, "brokers", len(c.brokers), "bootstrap", c.Addrs())
	return c, nil
}

// parseOptions applies opts over the defaults and checks the result.
func parseOptions(opts []Option) (options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			return o, errors.New("nil option")
		}
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, o.validate()
}

// newCluster sets up what every broker of the cluster shares: the clock,
// the logger, the broker configs (logging those that have no effect in
// gregor), the network and the storage.
func newCluster(o options) (*Cluster, error) {
	c := &Cluster{clock: o.clock, logger: o.logger}
	if c.clock == nil {
		c.clock = clock.Real()
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.groupEvents = newGroupEventHub(c.logger)
	c.txnEvents = &txnEventHub{logger: c.logger}
	set, perListener, listenerNotes, err := splitListenerOverrides(o.brokerConfig)
	if err != nil {
		return nil, err
	}
	cfg, notes, err := config.NewBroker(set)
	if err != nil {
		return nil, err
	}
	for _, n := range append(notes, listenerNotes...) {
		c.logger.Warn("broker config has no effect in gregor", "note", n)
	}
	c.brokerConfig = cfg
	if c.authorizer, err = newAuthorizer(cfg); err != nil {
		return nil, err
	}
	c.creds = security.NewCredentials()
	if _, err := security.NewPrincipalMapper(cfg.String("ssl.principal.mapping.rules")); err != nil {
		return nil, fmt.Errorf("ssl.principal.mapping.rules: %w", err)
	}
	if c.listenerPlan, err = planListeners(o, cfg, perListener); err != nil {
		return nil, err
	}
	if err := c.setupTLS(o); err != nil {
		return nil, err
	}
	for i := range c.listenerPlan {
		if err := c.listenerSecurity(&c.listenerPlan[i]); err != nil {
			return nil, err
		}
	}
	switch {
	case o.net != nil:
		c.net = o.net
	case o.inMemory:
		c.net = newMemNetwork()
	default:
		c.net = tcpNetwork{}
	}
	if o.dataDir == "" {
		c.dataRoot = segment.MemoryDir()
		return c, nil
	}
	if c.dataRoot, err = segment.OSDir(o.dataDir); err != nil {
		return nil, err
	}
	c.onDisk = true
	return c, nil
}

// loadImage reads the cluster metadata saved in the data directory (an
// empty image for a new cluster) and settles the cluster id: the saved
// one, or the ClusterID option, which may not take over a data directory
// that holds another cluster's topics.
func (c *Cluster) loadImage(o options) (*image, error) {
	img, err := c.loadMetadata()
	if err != nil {
		return nil, err
	}
	// The SASLUser options over the stored SCRAM credentials.
	for _, u := range o.users {
		if err := c.creds.AddUser(u[0], u[1]); err != nil {
			return nil, err
		}
	}
	if err := img.checkBrokerCount(o.brokers); err != nil {
		return nil, err
	}
	if img.clusterID == "" {
		img.clusterID = newClusterID()
	}
	if img.features.levels == nil {
		// A new cluster (or a data directory from before feature flags)
		// is formatted with the default levels.
		img.features = defaultFeatureLevels(o.features)
	}
	if o.clusterID != "" {
		if c.onDisk && img.clusterID != o.clusterID && len(img.topics) > 0 {
			return nil, fmt.Errorf("data directory %s belongs to cluster %s, not %s", o.dataDir, img.clusterID, o.clusterID)
		}
		img.clusterID = o.clusterID
	}
	return img, nil
}

// startBrokers opens every broker's listener, registers the brokers in
// the image, hands the image to the controller (broker 1), starts the
// brokers, which open their replicas, and saves the image. On an error
// the caller closes the brokers started so far.
func (c *Cluster) startBrokers(o options, img *image) error {
	if len(o.racks) > o.brokers {
		return fmt.Errorf("Racks names %d racks for %d brokers", len(o.racks), o.brokers)
	}
	for i := 0; i < o.brokers; i++ {
		b, err := newBroker(c, int32(i+1), o)
		if err != nil {
			return err
		}
		c.brokers = append(c.brokers, b)
		img.brokers[b.id] = &brokerImage{id: b.id, host: b.host, port: b.port, rack: b.rack()}
	}
	img.controllerID = c.brokers[0].id
	c.ctl = newController(c, img)
	c.applyClusterDefaults(img)
	for _, b := range c.brokers {
		if err := b.start(); err != nil {
			return err
		}
	}
	// A follower started before its leader's broker found no leader to
	// fetch from and waits for a change: every broker runs now.
	c.changes.notify()
	// The brokers may already have published changes (an ISR, a
	// finished reassignment): save what is current, under the
	// controller's lock like every other save, so that two saves never
	// race on the metadata file.
	c.ctl.mu.Lock()
	defer c.ctl.mu.Unlock()
	return c.saveMetadata(c.ctl.current())
}

// createInitialTopics creates the topics of the Topic options that the
// saved metadata does not already hold.
func (c *Cluster) createInitialTopics(topics []seedTopic) error {
	for _, t := range topics {
		if _, exists := c.ctl.current().topics[t.name]; exists {
			continue
		}
		spec := topicSpec{name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, assignment: t.assignment, configs: t.configs}
		if _, err := c.ctl.createTopic(spec, false); err != nil {
			return fmt.Errorf("creating topic %s: %w", t.name, err)
		}
	}
	return nil
}

// Addrs returns every broker's host:port, in node id order: the bootstrap
// servers to give a client.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.brokers))
	for i, b := range c.brokers {
		out[i] = b.Addr()
	}
	return out
}

// Dial connects to a broker address. It works for both networks, and is
// the dialer to give clients of an in-memory cluster (kgo.Dialer).
func (c *Cluster) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return c.net.dial(ctx, network, addr)
}

// ClusterID is the id reported in Metadata and stored in meta.properties.
func (c *Cluster) ClusterID() string { return c.ctl.current().clusterID }

// Clock returns the cluster's clock.
func (c *Cluster) Clock() clock.Clock { return c.clock }

// Broker returns the broker with the given node id, or nil.
func (c *Cluster) Broker(id int32) *Broker {
	if id < 1 || int(id) > len(c.brokers) {
		return nil
	}
	return c.brokers[id-1]
}

// Brokers returns every broker, in node id order.
func (c *Cluster) Brokers() []*Broker { return append([]*Broker(nil), c.brokers...) }

// Close stops every broker: listeners and connections are closed, parked
// requests are answered or dropped, and the logs are synced and closed.
// It is safe to call more than once.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		if c.removeSettler != nil {
			c.removeSettler()
		}
		c.ctl.stopTimers()
		c.closeHTTPServers()
		c.closeErr = c.closeBrokers()
		c.logger.Info("cluster closed")
	})
	return c.closeErr
}

func (c *Cluster) closeBrokers() error {
	var err error
	for _, b := range c.brokers {
		err = errors.Join(err, b.stop())
	}
	return err
}
