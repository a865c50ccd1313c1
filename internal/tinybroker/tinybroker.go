// Package tinybroker is the tiny broker as a function: a gregor cluster
// run as a standalone program, so that any Kafka client or tool (kcat,
// the Kafka CLI scripts, a Java or Python program) can talk to it. Both
// `go run ./examples/tinybroker` and `gregor broker` call Run; the flags
// are documented in examples/tinybroker.
//
// With no flags it stands in for a single-broker docker-compose file: one
// KRaft-style broker (combined broker and controller, no ZooKeeper) with
// node id 1, listening on 127.0.0.1:9092, keeping its logs in memory.
// With -http-port it also serves Prometheus metrics (/metrics) and the
// JSON control plane (/v1/...) of package controlplane.
package tinybroker

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/controlplane"
	"github.com/gregorkafka/gregor/security"
)

// ErrUsage marks an error in the flags themselves (an unknown flag, a
// stray argument), for which the flag set has printed the usage.
var ErrUsage = errors.New("usage")

// Run parses args (without the program name; prog names the program in
// usage and errors), starts the cluster, prints its bootstrap servers to
// stdout and serves until ctx is done, then closes the cluster cleanly:
// connections are closed and, with a data directory, the logs are flushed
// and checkpointed. A bad flag is an error before anything listens; -h
// prints the usage and returns nil.
func Run(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.Int("brokers", 1, "number of brokers (node ids 1..n)")
	port := fs.Int("port", 9092, "port of broker 1; broker n gets port+n-1 (0: any free port for each)")
	host := fs.String("host", "127.0.0.1", "address to listen on and to advertise to clients")
	dataDir := fs.String("data-dir", "", "directory for the logs, in Kafka's layout (default: in memory)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	httpPort := fs.Int("http-port", -1, "port for Prometheus /metrics and the JSON control plane (/v1/...) on -host (0: any free port; default: off)")
	var configs, topics listFlag
	fs.Var(&configs, "config", "broker config as name=value, by its Kafka name (repeatable)")
	fs.Var(&topics, "topic", "topic to create at start as name:partitions:rf (repeatable)")
	advertised := fs.String("advertised-host", "", "host to advertise to clients when it differs from -host (bind 0.0.0.0, advertise a reachable name)")
	var listeners, users listFlag
	fs.Var(&listeners, "listener", "an extra listener as NAME:PROTOCOL on a free port, PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (repeatable)")
	fs.Var(&users, "sasl-user", "a SASL user as name:password, for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (repeatable)")
	racks := fs.String("racks", "", "each broker's broker.rack in node id order, comma-separated (KIP-392 with -config replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector)")
	tlsDir := fs.String("tls-dir", "", "enable SSL and SASL_SSL listeners (-listener, or -config listeners=...) and write the generated CA (ca.pem) and a client certificate and key (client.pem, client.key) here")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]\n\nRuns a gregor cluster that any Kafka client can use. Flags:\n\n", prog)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
	}

	var level slog.LevelVar
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: &level}))

	if ip := net.ParseIP(*host); ip != nil && ip.IsUnspecified() && *advertised == "" {
		// A broker tells clients where to connect (Metadata), and
		// "0.0.0.0" is not an address anyone can reach.
		return fmt.Errorf("-host %s: gregor advertises the address it listens on; give one clients can reach, such as 127.0.0.1 or this machine's IP, or -advertised-host", *host)
	}
	if *httpPort > 65535 || *httpPort < -1 {
		return fmt.Errorf("-http-port %d: out of range", *httpPort)
	}
	if *brokers < 1 {
		return fmt.Errorf("-brokers %d: need at least one broker", *brokers)
	}
	opts := []broker.Option{
		broker.Brokers(*brokers),
		broker.Host(*host),
		broker.Logger(logger),
	}
	if *port < 0 || *port+*brokers-1 > 65535 {
		return fmt.Errorf("-port %d: ports %d..%d are out of range", *port, *port, *port+*brokers-1)
	}
	ports := make([]int, *brokers)
	for i := range ports {
		if *port != 0 {
			ports[i] = *port + i
		}
	}
	portSet := false
	fs.Visit(func(f *flag.Flag) { portSet = portSet || f.Name == "port" })
	listenersSet := slices.ContainsFunc(configs, func(kv string) bool { return strings.HasPrefix(kv, "listeners=") })
	if portSet || !listenersSet {
		// With -config listeners=..., its ports stand unless -port is given.
		opts = append(opts, broker.Ports(ports...))
	}
	secOpts, err := securityOptions(*advertised, listeners, users, *tlsDir != "")
	if err != nil {
		return err
	}
	opts = append(opts, secOpts...)
	if *dataDir != "" {
		opts = append(opts, broker.DataDir(*dataDir))
	}
	if *racks != "" {
		opts = append(opts, broker.Racks(strings.Split(*racks, ",")...))
	}
	for _, kv := range configs {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return fmt.Errorf("-config %q: want name=value", kv)
		}
		opts = append(opts, broker.Config(name, value))
	}
	for _, spec := range topics {
		opt, err := topicOption(spec)
		if err != nil {
			return err
		}
		opts = append(opts, opt)
	}

	c, err := broker.New(opts...)
	if err != nil {
		return err
	}
	storage := "in memory"
	if *dataDir != "" {
		storage = "in " + *dataDir
	}
	bootstrap := strings.Join(c.Addrs(), ",")
	fmt.Fprintf(stdout, "gregor: %d broker(s), cluster id %s, logs %s\n", *brokers, c.ClusterID(), storage)
	fmt.Fprintf(stdout, "bootstrap servers: %s\n", bootstrap)
	for _, l := range listeners {
		name, _, _ := strings.Cut(l, ":")
		fmt.Fprintf(stdout, "listener %s: %s\n", strings.ToUpper(name), strings.Join(c.ListenerAddrs(strings.ToUpper(name)), ","))
	}
	if *tlsDir != "" {
		files, err := c.WriteTLSFiles(*tlsDir, "client")
		if err != nil {
			c.Close()
			return fmt.Errorf("-tls-dir: %w", err)
		}
		fmt.Fprintf(stdout, "TLS: -X ssl.ca.location=%s -X ssl.certificate.location=%s -X ssl.key.location=%s\n", files.CA, files.Cert, files.Key)
	}
	if *httpPort >= 0 {
		url, err := c.ListenHTTP(net.JoinHostPort(*host, strconv.Itoa(*httpPort)), controlplane.Handler(c))
		if err != nil {
			c.Close()
			return fmt.Errorf("-http-port: %w", err)
		}
		fmt.Fprintf(stdout, "metrics: %s/metrics    control plane: %s/v1/cluster\n", url, url)
	}
	fmt.Fprintf(stdout, "try: kcat -b %s -L    (Ctrl-C stops the brokers)\n", bootstrap)

	<-ctx.Done()
	logger.Info("shutting down")
	return c.Close()
}

// securityOptions turns -advertised-host, -listener and -sasl-user into
// options; a TLS listener, or -tls-dir (for TLS listeners the listeners
// config names), makes gregor generate a throwaway CA.
func securityOptions(advertised string, listeners, users []string, wantTLS bool) ([]broker.Option, error) {
	var opts []broker.Option
	if advertised != "" {
		opts = append(opts, broker.AdvertisedHost(advertised))
	}
	needTLS := wantTLS
	for _, l := range listeners {
		name, proto, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("-listener %q: want NAME:PROTOCOL", l)
		}
		p, err := security.ParseProtocol(proto)
		if err != nil {
			return nil, fmt.Errorf("-listener %q: %w", l, err)
		}
		needTLS = needTLS || p.UsesTLS()
		opts = append(opts, broker.Listener(name, p))
	}
	if needTLS {
		opts = append(opts, broker.TLS(nil, nil))
	}
	for _, u := range users {
		name, pass, ok := strings.Cut(u, ":")
		if !ok {
			return nil, fmt.Errorf("-sasl-user %q: want name:password", u)
		}
		opts = append(opts, broker.SASLUser(name, pass))
	}
	return opts, nil
}

// topicOption parses name:partitions:rf; partitions and rf may be left
// out (name, or name:partitions) to take the broker defaults
// num.partitions and default.replication.factor.
func topicOption(spec string) (broker.Option, error) {
	parts := strings.Split(spec, ":")
	if len(parts) > 3 || parts[0] == "" {
		return nil, fmt.Errorf("-topic %q: want name:partitions:rf", spec)
	}
	partitions, rf := int64(-1), int64(-1)
	var err error
	if len(parts) > 1 {
		if partitions, err = strconv.ParseInt(parts[1], 10, 32); err != nil {
			return nil, fmt.Errorf("-topic %q: partitions: %w", spec, err)
		}
	}
	if len(parts) > 2 {
		if rf, err = strconv.ParseInt(parts[2], 10, 16); err != nil {
			return nil, fmt.Errorf("-topic %q: replication factor: %w", spec, err)
		}
	}
	return broker.Topic(parts[0], int32(partitions), int16(rf), nil), nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }
