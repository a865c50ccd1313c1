package broker

import (
	"fmt"
	"strings"

	"github.com/gregorkafka/gregor/security"
)

// AdvertisedHost is the host brokers advertise in Metadata and
// FindCoordinator when it differs from the one they bind (Host): bind
// 0.0.0.0 in a container, advertise the name clients reach it by, as
// advertised.listeners does.
func AdvertisedHost(host string) Option {
	return func(o *options) error {
		if host == "" || strings.ContainsAny(host, " /") {
			return fmt.Errorf("advertised host %q is not a host name or address", host)
		}
		o.advertisedHost = host
		return nil
	}
}

// Listener adds a listener named name with a security protocol to every
// broker, on a free port (Cluster.ListenerAddrs gives the addresses),
// after the first listener and those of the listeners config
// (listeners_config.go), which can also fix ports and make the first
// listener secure. An SSL or SASL_SSL listener needs the TLS option; a
// SASL one, users (SASLUser, AlterUserScramCredentials).
func Listener(name string, protocol security.Protocol) Option {
	return func(o *options) error {
		if err := validListenerName(name); err != nil {
			return err
		}
		p, err := security.ParseProtocol(string(protocol))
		if err != nil {
			return err
		}
		o.listeners = append(o.listeners, listenerSpec{name: strings.ToUpper(name), protocol: p})
		return nil
	}
}

// SASLUser lets a user authenticate on SASL listeners with PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512. For PLAIN this is Kafka's JAAS
// user_<name>="<password>" entry; for SCRAM the credentials that
// kafka-configs.sh --add-config 'SCRAM-SHA-256=[password=...]' stores
// (salted, 4096 iterations).
func SASLUser(name, password string) Option {
	return func(o *options) error {
		if name == "" || password == "" {
			return fmt.Errorf("SASL user name and password must not be empty")
		}
		o.users = append(o.users, [2]string{name, password})
		return nil
	}
}
