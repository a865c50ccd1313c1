package broker

// The listener configs, as Kafka names them:
//
//	listeners=CLIENTS://:9092,INTERNAL://:0
//	listener.security.protocol.map=CLIENTS:SASL_SSL,INTERNAL:PLAINTEXT
//	inter.broker.listener.name=INTERNAL
//	advertised.listeners=CLIENTS://kafka.example:9092
//	listener.name.clients.sasl.enabled.mechanisms=SCRAM-SHA-512
//
// Each listener is NAME://host:port. A name is its own security protocol
// unless listener.security.protocol.map maps it to one (Kafka's default
// map names the four protocols after themselves). The first listener is
// the one Cluster.Addrs gives (the bootstrap servers); the Ports option
// sets its port per broker. Without the listeners config every broker
// has one PLAINTEXT listener, and gregor stays open: security is what a
// config or the Listener option asks for.
//
// gregor runs several brokers from one config, so a port is where the
// first broker listens and broker n listens n-1 ports higher (port 0: a
// free port for each broker, kept across restarts). An empty host binds
// the Host option's (loopback by default), not every interface as
// Kafka's does; advertised.listeners may give a listener another host to
// advertise, but not another port: a broker advertises the port it binds.
//
// inter.broker.listener.name (or security.inter.broker.protocol, naming
// the listener after its protocol; only one of them may be set) must be
// one of the listeners, as Kafka insists, although replication runs in
// process and never connects to it.
//
// Configs Kafka lets a listener override are set with the prefix
// listener.name.<lower-case name>.: sasl.enabled.mechanisms,
// connections.max.reauth.ms, ssl.client.auth, ssl.principal.mapping.rules
// and ssl.enabled.protocols act per listener; the keystore and truststore
// configs are accepted with the note the broker-wide ones carry.

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/security"
)

// perListenerConfigs names the broker configs a listener may override.
var perListenerConfigs = []string{
	"sasl.enabled.mechanisms", "connections.max.reauth.ms",
	"ssl.client.auth", "ssl.principal.mapping.rules", "ssl.enabled.protocols", "ssl.protocol",
	"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
	"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
	"ssl.endpoint.identification.algorithm",
}

const listenerPrefix = "listener.name."

// splitListenerOverrides takes the listener.name.<name>.<config> entries
// out of the broker configs, by upper-case listener name, with the notes
// of those that have no effect in gregor.
func splitListenerOverrides(set map[string]string) (map[string]string, map[string]map[string]string, []string, error) {
	rest := map[string]string{}
	per := map[string]map[string]string{}
	var notes []string
	for k, v := range set {
		if !strings.HasPrefix(k, listenerPrefix) {
			rest[k] = v
			continue
		}
		name, cfg, ok := strings.Cut(strings.TrimPrefix(k, listenerPrefix), ".")
		if !ok || name == "" {
			return nil, nil, nil, fmt.Errorf("broker config %s names no listener (listener.name.<listener>.<config>)", k)
		}
		if !slices.Contains(perListenerConfigs, cfg) {
			return nil, nil, nil, fmt.Errorf("broker config %s: gregor takes only these configs per listener: %s", k, strings.Join(perListenerConfigs, ", "))
		}
		_, n, err := config.NewBroker(map[string]string{cfg: v})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("broker config %s: %w", k, err)
		}
		for _, note := range n {
			notes = append(notes, listenerPrefix+name+"."+note)
		}
		name = strings.ToUpper(name)
		if per[name] == nil {
			per[name] = map[string]string{}
		}
		per[name][cfg] = strings.TrimSpace(v)
	}
	return rest, per, notes, nil
}

// parseListenerList reads a listeners or advertised.listeners value.
func parseListenerList(config, value string) ([]listenerSpec, error) {
	var out []listenerSpec
	for _, entry := range strings.Split(value, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, hostPort, ok := strings.Cut(entry, "://")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not NAME://host:port", config, entry)
		}
		host, portStr, err := net.SplitHostPort(hostPort)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not NAME://host:port: %v", config, entry, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("%s: %q has no port in 0..65535", config, entry)
		}
		if err := validListenerName(name); err != nil {
			return nil, fmt.Errorf("%s: %w", config, err)
		}
		name = strings.ToUpper(name)
		for _, l := range out {
			if l.name == name {
				return nil, fmt.Errorf("%s: listener %s is given twice", config, name)
			}
		}
		out = append(out, listenerSpec{name: name, host: host, port: port})
	}
	return out, nil
}

// protocolMap reads listener.security.protocol.map.
func protocolMap(value string) (map[string]security.Protocol, error) {
	m := map[string]security.Protocol{}
	for _, entry := range strings.Split(value, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		name, proto, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("listener.security.protocol.map: %q is not NAME:PROTOCOL", entry)
		}
		p, err := security.ParseProtocol(strings.TrimSpace(proto))
		if err != nil {
			return nil, fmt.Errorf("listener.security.protocol.map: %w", err)
		}
		m[strings.ToUpper(strings.TrimSpace(name))] = p
	}
	return m, nil
}

// planListeners settles every broker's listeners from the configs and
// the Listener options; the first is the one Cluster.Addrs gives.
func planListeners(o options, cfg *config.Broker, per map[string]map[string]string) ([]listenerSpec, error) {
	protocols, err := protocolMap(cfg.String("listener.security.protocol.map"))
	if err != nil {
		return nil, err
	}
	plan := []listenerSpec{{name: string(security.Plaintext)}}
	if cfg.IsSet("listeners") {
		if plan, err = parseListenerList("listeners", cfg.String("listeners")); err != nil {
			return nil, err
		}
		if len(plan) == 0 {
			return nil, fmt.Errorf("listeners: no listener given")
		}
	}
	for i := range plan {
		p, ok := protocols[plan[i].name]
		if !ok {
			return nil, fmt.Errorf("listener %s: no security protocol for it in listener.security.protocol.map (%s)", plan[i].name, cfg.String("listener.security.protocol.map"))
		}
		plan[i].protocol = p
	}
	for _, l := range o.listeners {
		for _, p := range plan {
			if p.name == l.name {
				return nil, fmt.Errorf("listener %s is given twice (by the listeners config or the Listener option)", l.name)
			}
		}
		plan = append(plan, l)
	}
	if len(o.ports) > 0 && plan[0].port != 0 {
		return nil, fmt.Errorf("the first listener's port is given twice: by listeners (%d) and by Ports", plan[0].port)
	}
	if err := advertise(plan, cfg); err != nil {
		return nil, err
	}
	if err := checkInterBroker(plan, cfg); err != nil {
		return nil, err
	}
	for name := range per {
		if !slices.ContainsFunc(plan, func(l listenerSpec) bool { return l.name == name }) {
			return nil, fmt.Errorf("listener.name.%s.*: there is no listener %s", strings.ToLower(name), name)
		}
	}
	for i := range plan {
		plan[i].overrides = per[plan[i].name]
		if plan[i].protocol.UsesTLS() && o.tls == nil {
			return nil, fmt.Errorf("listener %s is %s: give the TLS option too", plan[i].name, plan[i].protocol)
		}
	}
	return plan, checkListenerPorts(plan, o)
}

// advertise applies advertised.listeners to the plan.
func advertise(plan []listenerSpec, cfg *config.Broker) error {
	if !cfg.IsSet("advertised.listeners") {
		return nil
	}
	adv, err := parseListenerList("advertised.listeners", cfg.String("advertised.listeners"))
	if err != nil {
		return err
	}
	for _, a := range adv {
		i := slices.IndexFunc(plan, func(l listenerSpec) bool { return l.name == a.name })
		switch {
		case i < 0:
			return fmt.Errorf("advertised.listeners: %s is not one of the listeners", a.name)
		case a.port != 0 && a.port != plan[i].port:
			return fmt.Errorf("advertised.listeners: %s advertises port %d, but gregor advertises the port each broker binds (give it in listeners)", a.name, a.port)
		}
		plan[i].advHost = a.host
	}
	return nil
}

// checkInterBroker insists, as Kafka does, that the inter-broker
// listener is one of the listeners.
func checkInterBroker(plan []listenerSpec, cfg *config.Broker) error {
	if cfg.IsSet("inter.broker.listener.name") && cfg.IsSet("security.inter.broker.protocol") {
		return fmt.Errorf("only one of inter.broker.listener.name and security.inter.broker.protocol should be set")
	}
	name := interBrokerName(cfg)
	if slices.ContainsFunc(plan, func(l listenerSpec) bool { return l.name == name }) {
		return nil
	}
	var names []string
	for _, l := range plan {
		names = append(names, l.name)
	}
	return fmt.Errorf("inter.broker.listener.name must be a listener name defined in advertised.listeners (%s is not); the valid options based on the configured listeners are %s: set inter.broker.listener.name to one of them",
		name, strings.Join(names, ","))
}

// interBrokerName is inter.broker.listener.name, or the listener named
// after security.inter.broker.protocol.
func interBrokerName(cfg *config.Broker) string {
	if cfg.IsSet("inter.broker.listener.name") {
		return strings.ToUpper(cfg.String("inter.broker.listener.name"))
	}
	return cfg.String("security.inter.broker.protocol")
}

// listenerPort is the port broker id binds for a listener: Ports for the
// first listener, else the listener's port counted up from broker 1.
func listenerPort(plan []listenerSpec, i int, o options, id int32) int {
	if i == 0 && int(id) <= len(o.ports) {
		return o.ports[id-1]
	}
	if plan[i].port == 0 {
		return 0
	}
	return plan[i].port + int(id) - 1
}

// checkListenerPorts refuses two listeners on one fixed port.
func checkListenerPorts(plan []listenerSpec, o options) error {
	taken := map[int]string{}
	for i, l := range plan {
		for id := int32(1); id <= int32(o.brokers); id++ {
			p := listenerPort(plan, i, o, id)
			if p == 0 {
				continue
			}
			if p > 65535 {
				return fmt.Errorf("listener %s of broker %d would need port %d", l.name, id, p)
			}
			who := fmt.Sprintf("listener %s of broker %d", l.name, id)
			if other, ok := taken[p]; ok {
				return fmt.Errorf("port %d is given to %s and to %s", p, other, who)
			}
			taken[p] = who
		}
	}
	return nil
}

// setting is a config's value on listener l: its listener.name.*
// override, or the broker's.
func (b *Broker) setting(l *brokerListener, name string) string {
	if l != nil {
		if v, ok := l.spec.overrides[name]; ok {
			return v
		}
	}
	return b.config.String(name)
}

// isSet reports whether a config was set for listener l or the broker.
func (b *Broker) isSet(l *brokerListener, name string) bool {
	if l != nil {
		if _, ok := l.spec.overrides[name]; ok {
			return true
		}
	}
	return b.config.IsSet(name)
}

// listenerSecurity builds what a listener's connections use from its
// configs: the TLS server configuration (ssl.client.auth and
// ssl.enabled.protocols) and the mapper of certificate names
// (ssl.principal.mapping.rules).
func (c *Cluster) listenerSecurity(spec *listenerSpec) error {
	get := func(name string) string {
		if v, ok := spec.overrides[name]; ok {
			return v
		}
		return c.brokerConfig.String(name)
	}
	var err error
	if spec.mapper, err = security.NewPrincipalMapper(get("ssl.principal.mapping.rules")); err != nil {
		return fmt.Errorf("listener %s: ssl.principal.mapping.rules: %w", spec.name, err)
	}
	if !spec.protocol.UsesTLS() {
		return nil
	}
	cfg := c.tls.serverConfig.Clone()
	switch get("ssl.client.auth") {
	case "required":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case "requested":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		cfg.ClientAuth = tls.NoClientCert
	}
	protocols := strings.Split(get("ssl.enabled.protocols"), ",")
	for i := range protocols {
		protocols[i] = strings.TrimSpace(protocols[i])
	}
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS13
	if !slices.Contains(protocols, "TLSv1.2") && !slices.Contains(protocols, "TLSv1.3") {
		return fmt.Errorf("listener %s: ssl.enabled.protocols enables neither TLSv1.2 nor TLSv1.3", spec.name)
	}
	if !slices.Contains(protocols, "TLSv1.2") {
		cfg.MinVersion = tls.VersionTLS13
	}
	if !slices.Contains(protocols, "TLSv1.3") {
		cfg.MaxVersion = tls.VersionTLS12
	}
	spec.tls = cfg
	return nil
}
