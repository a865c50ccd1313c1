package broker

import (
	"time"

	"github.com/gregorkafka/gregor/quota"
)

// connection_creation_rate (KIP-612): a broker counts the connections
// each client IP opens. One over its quota is accepted but not served:
// it is held, unread, for the throttle time on the cluster clock and then
// closed, as Kafka's acceptor does with a throttled socket; the client
// sees the connection close and retries. The quota is the IP's own
// entity, else the default IP entity.

// throttleConnection reports whether a just-accepted connection is over
// its IP's quota; if so it is left unserved and closed once the throttle
// has passed (or when the broker stops, as it closes every connection).
// Called with b.mu held.
func (b *Broker) throttleConnection(c *conn) bool {
	qs := b.cluster.ctl.current().quotas
	if !qs.Has(quota.ConnectionCreationRate) {
		return false
	}
	ip := clientHost(c.nc)
	t := b.quotas.client.RecordConnection(qs, ip, b.cluster.clock.Now().UnixMilli())
	if t <= 0 {
		return false
	}
	b.logger.Info("connection throttled by connection_creation_rate", "ip", ip, "throttle_ms", t)
	b.cluster.clock.AfterFunc(time.Duration(t)*time.Millisecond, func() {
		c.close()
		b.mu.Lock()
		delete(b.conns, c)
		b.mu.Unlock()
		b.cluster.changes.notify()
	})
	return true
}
