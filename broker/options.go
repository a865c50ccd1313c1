package broker

import (
	"fmt"
	"log/slog"
	"maps"

	"github.com/gregorkafka/gregor/clock"
)

// An Option configures a Cluster. Options are named after Kafka's own
// settings where Kafka has a name; all defaults are Kafka's, and the few
// places gregor departs from them are listed in Defaults.
type Option func(*options) error

type options struct {
	brokers      int
	ports        []int
	host         string
	dataDir      string
	clock        clock.Clock
	inMemory     bool
	brokerConfig map[string]string
	topics       []seedTopic
	logger       *slog.Logger
	clusterID    string
	net          network  // set only by Cluster.Restart (sameNetwork)
	racks        []string // Racks: broker.rack by node id order

	advertisedHost string
	listeners      []listenerSpec
	users          [][2]string      // SASLUser: name, password
	tls            *tlsOptions      // TLS (tls.go)
	features       map[string]int16 // feature levels to format with (features.go)
}

type seedTopic struct {
	name              string
	partitions        int32
	replicationFactor int16
	assignment        [][]int32 // TopicAssignment; partitions and replicationFactor are then -1
	configs           map[string]string
}

func defaultOptions() options {
	return options{
		brokers:      1,
		host:         "127.0.0.1",
		brokerConfig: map[string]string{},
	}
}

// Brokers sets the number of brokers (default 1). Node ids are 1..n, as
// in the course's docker-compose files.
func Brokers(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("broker count %d is outside 1..64", n)
		}
		o.brokers = n
		return nil
	}
}

// Ports sets the listener port of each broker in node id order (the
// default is a free port chosen by the operating system). Port 0 also
// means "any free port".
func Ports(ports ...int) Option {
	return func(o *options) error {
		for _, p := range ports {
			if p < 0 || p > 65535 {
				return fmt.Errorf("port %d is outside 0..65535", p)
			}
		}
		o.ports = append([]int(nil), ports...)
		return nil
	}
}

// Host sets the address brokers listen on and advertise in Metadata
// (default 127.0.0.1, loopback only).
func Host(host string) Option {
	return func(o *options) error {
		if host == "" {
			return fmt.Errorf("host must not be empty")
		}
		o.host = host
		return nil
	}
}

// DataDir keeps the logs in files under dir, in Kafka's layout, so a
// cluster restarted on the same directory (Cluster.Restart, or New with
// the same options) finds its topics, records and offsets again. Without
// it everything lives in memory. The layout:
//
//	<dir>/cluster-metadata.json        the cluster metadata (topics, ids,
//	                                   assignments, leaders, epochs), what
//	                                   KRaft keeps in __cluster_metadata
//	<dir>/broker-<id>/                 one broker's log.dirs (ids 1..n)
//	    meta.properties                node.id and cluster.id
//	    replication-offset-checkpoint  high watermarks, log start offsets
//	    log-start-offset-checkpoint    and recovery points, written when
//	    recovery-point-offset-checkpoint the broker stops cleanly
//	    <topic>-<partition>/           one replica: its segments (.log,
//	                                   .index, .timeindex),
//	                                   leader-epoch-checkpoint and
//	                                   partition.metadata (the topic id)
//
// Several clusters must not share one dir at the same time.
func DataDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return fmt.Errorf("data directory must not be empty")
		}
		o.dataDir = dir
		return nil
	}
}

// Clock sets the clock every broker timer uses (default: the wall clock,
// which is also what testing/synctest virtualises). Pass a
// *clock.Manual to move time by hand.
func Clock(c clock.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("clock must not be nil")
		}
		o.clock = c
		return nil
	}
}

// InMemoryNetwork makes the brokers listen on an in-process network
// instead of TCP. Clients must then dial through Cluster.Dial (for
// franz-go: kgo.Dialer(cluster.Dial)). A goroutine blocked on a real
// socket is not "durably blocked" to testing/synctest, so a cluster and
// its clients can only run inside a synctest bubble over this network.
func InMemoryNetwork() Option {
	return func(o *options) error {
		o.inMemory = true
		return nil
	}
}

// Config sets a broker config by its Kafka name, for every broker
// (for example Config("num.partitions", "3")). Unknown names are refused
// when the cluster starts.
func Config(name, value string) Option {
	return func(o *options) error {
		o.brokerConfig[name] = value
		return nil
	}
}

// Configs sets several broker configs at once.
func Configs(configs map[string]string) Option {
	return func(o *options) error {
		maps.Copy(o.brokerConfig, configs)
		return nil
	}
}

// Topic creates a topic when the cluster starts (if it does not already
// exist in the data directory). A partitions or replicationFactor of -1
// takes the broker default; configs are topic configs by Kafka name.
func Topic(name string, partitions int32, replicationFactor int16, configs map[string]string) Option {
	return func(o *options) error {
		o.topics = append(o.topics, seedTopic{name: name, partitions: partitions, replicationFactor: replicationFactor, configs: maps.Clone(configs)})
		return nil
	}
}

// Logger sets the logger for the cluster's events (topic changes,
// elections, rebalances). The default discards them.
func Logger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = l
		return nil
	}
}

// ClusterID sets the cluster id reported in Metadata (default: random, or
// the one stored in the data directory).
func ClusterID(id string) Option {
	return func(o *options) error {
		if id == "" {
			return fmt.Errorf("cluster id must not be empty")
		}
		o.clusterID = id
		return nil
	}
}

// assignedConfigs are broker configs gregor sets itself, with where to
// look instead.
var assignedConfigs = map[string]string{
	"node.id":       "brokers are numbered 1..n (see Brokers)",
	"broker.id":     "brokers are numbered 1..n (see Brokers)",
	"log.dirs":      "each broker logs under <DataDir>/broker-<id> (see DataDir)",
	"process.roles": "every gregor broker is broker,controller",
	"cluster.id":    "use ClusterID",
}

// validate checks what single options cannot: how they combine.
func (o *options) validate() error {
	if len(o.ports) > o.brokers {
		return fmt.Errorf("%d ports given for %d brokers", len(o.ports), o.brokers)
	}
	ports := map[int]bool{}
	for _, p := range o.ports {
		if p != 0 && ports[p] {
			return fmt.Errorf("port %d is given to two brokers", p)
		}
		ports[p] = true
	}
	for name, instead := range assignedConfigs {
		if _, ok := o.brokerConfig[name]; ok {
			return fmt.Errorf("broker config %s is assigned by gregor: %s", name, instead)
		}
	}
	// The listeners are checked with the listener configs
	// (planListeners).
	topics := map[string]bool{}
	for _, t := range o.topics {
		if topics[t.name] {
			return fmt.Errorf("topic %q is given twice", t.name)
		}
		topics[t.name] = true
	}
	return nil
}

// Racks sets each broker's broker.rack, in node id order ("" for a
// broker without a rack): Metadata and DescribeCluster report them, and
// with replica.selector.class set to Kafka's RackAwareReplicaSelector a
// consumer that names its rack (client.rack, kgo.Rack) is sent to an
// in-sync follower in that rack (KIP-392). Without this option every
// broker takes broker.rack from Config, if set there.
func Racks(racks ...string) Option {
	return func(o *options) error {
		for _, r := range racks {
			if len(r) > 255 {
				return fmt.Errorf("rack %q is longer than 255 bytes", r)
			}
		}
		o.racks = append([]string(nil), racks...)
		return nil
	}
}
