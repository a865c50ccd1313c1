package broker

// Listeners (Kafka's listeners, advertised.listeners and
// listener.security.protocol.map).
//
// A Kafka broker may listen on several ports, each a named listener with
// a security protocol: PLAINTEXT://:9092 for the containers next to it,
// SASL_SSL://:9093 for clients outside, say. Each listener advertises
// its own address, and a broker answers Metadata and FindCoordinator
// with the addresses of the listener the request came in on, so a
// client that bootstrapped on the SASL port stays on SASL ports.
//
// Every gregor broker has a first listener, PLAINTEXT unless the
// listeners config says otherwise (listeners_config.go), on the port of
// Ports and the host of Host, advertised as AdvertisedHost when that is
// set; Cluster.Addrs gives its addresses. The listeners config and the
// Listener option add more; Cluster.ListenerAddrs gives their addresses.

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/security"
)

// listenerSpec is one listener as the configs and options describe it,
// the same on every broker.
type listenerSpec struct {
	name     string
	protocol security.Protocol
	host     string // to bind; "" for the Host option's
	port     int    // broker 1's; 0 for a free one
	advHost  string // from advertised.listeners; "" for AdvertisedHost or the bound host
	// overrides are the listener.name.<name>.* configs.
	overrides map[string]string
	tls       *tls.Config               // SSL and SASL_SSL listeners
	mapper    *security.PrincipalMapper // ssl.principal.mapping.rules
}

// brokerListener is a listener of one broker.
type brokerListener struct {
	spec *listenerSpec
	host string // advertised
	port int32  // bound, and advertised; kept across restarts
	ln   net.Listener
}

func (l *brokerListener) addr() string { return net.JoinHostPort(l.host, strconv.Itoa(int(l.port))) }

// validListenerName follows Kafka's ListenerName: letters, digits, '_'
// and '-', upper case by convention (Kafka upper-cases them).
func validListenerName(name string) error {
	if name == "" {
		return fmt.Errorf("listener name must not be empty")
	}
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("listener name %q may hold only letters, digits, '_' and '-'", name)
		}
	}
	return nil
}

// openListeners binds the broker's added listeners that are not bound,
// on the port each had before (a restart), its fixed one, or a free one.
func (b *Broker) openListeners() error {
	for _, l := range b.extra {
		if l.ln != nil {
			continue
		}
		host := b.bindHost
		if l.spec.host != "" {
			host = l.spec.host
		}
		ln, err := b.cluster.net.listen(host, int(l.port))
		if err != nil {
			return fmt.Errorf("broker %d listener %s: %w", b.id, l.spec.name, err)
		}
		_, port, err := splitHostPort(ln.Addr().String())
		if err != nil {
			ln.Close()
			return err
		}
		l.ln = ln
		if l.port == 0 {
			l.port = port // written before any reader: newBroker binds first
		}
		if l.host == "" {
			l.host, _, _ = splitHostPort(ln.Addr().String())
		}
	}
	return nil
}

// listener returns the broker's listener of that name, nil if none.
func (b *Broker) listener(name string) *brokerListener {
	for _, l := range b.extra {
		if l.spec.name == name {
			return l
		}
	}
	return nil
}

// ListenerAddr is the advertised host:port of the broker's listener of
// that name ("" when it has none).
func (b *Broker) ListenerAddr(name string) string {
	if name == b.primary.spec.name {
		return b.Addr()
	}
	if l := b.listener(name); l != nil {
		return l.addr()
	}
	return ""
}

// ListenerAddrs returns every broker's advertised address on the named
// listener, in node id order: the bootstrap servers for a client of
// that listener. It is nil for a listener no option added.
func (c *Cluster) ListenerAddrs(name string) []string {
	var out []string
	for _, b := range c.brokers {
		if a := b.ListenerAddr(name); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// advertised is where a client that sent r should reach broker bi: the
// broker's address on the listener r came in on, as Kafka answers.
func (r *request) advertised(bi *brokerImage) (string, int32) {
	if r.conn == nil || r.conn.listener == nil {
		return bi.host, bi.port
	}
	if b := r.broker.cluster.Broker(bi.id); b != nil {
		if l := b.listener(r.conn.listener.spec.name); l != nil {
			return l.host, l.port
		}
	}
	return bi.host, bi.port
}

// listenerConfigs are the listeners, advertised.listeners and
// listener.security.protocol.map values of a broker, as DescribeConfigs
// reports them.
func (b *Broker) listenerConfigs(interBroker string) map[string]string {
	p := b.primary.spec
	bind := []string{p.name + "://" + net.JoinHostPort(b.bindHost, strconv.Itoa(int(b.port)))}
	adv := []string{p.name + "://" + b.Addr()}
	protoMap := []string{p.name + ":" + string(p.protocol)}
	for _, l := range b.extra {
		host := b.bindHost
		if l.spec.host != "" {
			host = l.spec.host
		}
		bind = append(bind, l.spec.name+"://"+net.JoinHostPort(host, strconv.Itoa(int(l.port))))
		adv = append(adv, l.spec.name+"://"+l.addr())
		protoMap = append(protoMap, l.spec.name+":"+string(l.spec.protocol))
	}
	return map[string]string{
		"listeners":                      strings.Join(bind, ","),
		"advertised.listeners":           strings.Join(adv, ","),
		"listener.security.protocol.map": strings.Join(protoMap, ","),
		"inter.broker.listener.name":     interBroker,
	}
}

// closeListeners closes the added listeners; their ports are kept for
// the next start. The caller holds b.mu or owns b alone.
func (b *Broker) closeListeners() {
	for _, l := range b.extra {
		if l.ln != nil {
			l.ln.Close()
			l.ln = nil
		}
	}
}
