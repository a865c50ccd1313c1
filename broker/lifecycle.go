package broker

import (
	"errors"
	"fmt"
)

// Restarting a whole cluster from its data directory: what a test does to
// check that topics, records, committed offsets and leader epochs survive
// a full shutdown, as they do when every Kafka broker of a cluster is
// stopped and started again on its log.dirs.

// Restart closes the cluster (cleanly, as Close does) and starts a new one
// on the same data directory with the same options, and returns it; c is
// closed for good. The brokers keep their node ids and listen on the same
// addresses, on TCP or on the same in-memory network, so clients created
// for c (with c.Addrs and c.Dial) reconnect to the new cluster on their
// own, as Kafka clients do after a rolling restart. The new cluster loads
// the metadata saved under the data directory: every topic, its id, its
// configs, its partitions' leaders and epochs, and each broker's logs and
// checkpoints. Topic options seed only the topics that do not already
// exist there, so a seeded topic a test deleted is created again.
//
// A cluster without DataDir keeps nothing to restart from, and Restart
// refuses it; restart single brokers instead (StopBroker, StartBroker).
func (c *Cluster) Restart() (*Cluster, error) {
	if !c.onDisk {
		return nil, errors.New("restart needs a data directory (the DataDir option): an in-memory cluster keeps nothing")
	}
	ports := make([]int, len(c.brokers))
	for i, b := range c.brokers {
		ports[i] = int(b.port)
	}
	if err := c.Close(); err != nil {
		return nil, fmt.Errorf("closing the cluster to restart it: %w", err)
	}
	opts := append(append([]Option(nil), c.opts...), Ports(ports...), sameNetwork(c.net))
	next, err := New(opts...)
	if err != nil {
		return nil, fmt.Errorf("restarting the cluster from its data directory: %w", err)
	}
	return next, nil
}

// sameNetwork makes a restarted cluster listen on its predecessor's
// network, so an in-memory cluster's clients, which dial through the old
// cluster's Dial, reach the new brokers.
func sameNetwork(n network) Option {
	return func(o *options) error {
		o.net = n
		return nil
	}
}
