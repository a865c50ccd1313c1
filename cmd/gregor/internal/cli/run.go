package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Exit codes, for scripts: Kafka's tools exit 1 on any failure; a wrong
// flag exits 2, as Go's flag package and most Unix tools do.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// env is what a subcommand may touch: its streams. Nothing else is
// global, so tests run subcommands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand: its name, the Kafka script it mirrors, a
// one-line summary, and its body.
type command struct {
	name, kafka, summary string
	run                  func(ctx context.Context, e env, args []string) int
}

var commands = []command{
	{"broker", "kafka-server-start.sh", "run a gregor cluster (the tiny broker) for any Kafka client", runBroker},
	{"topics", "kafka-topics.sh", "create, list, describe, alter and delete topics", runTopics},
	{"console-producer", "kafka-console-producer.sh", "produce lines of standard input", runConsoleProducer},
	{"console-consumer", "kafka-console-consumer.sh", "print records to standard output", runConsoleConsumer},
	{"get-offsets", "kafka-get-offsets.sh", "print partitions' offsets at a time", runGetOffsets},
	{"consumer-groups", "kafka-consumer-groups.sh", "list, describe, reset and delete consumer groups", runConsumerGroups},
	{"configs", "kafka-configs.sh", "describe and alter topic and broker configs", runConfigs},
	{"producer-perf-test", "kafka-producer-perf-test.sh", "measure produce throughput and latency", runProducerPerf},
	{"consumer-perf-test", "kafka-consumer-perf-test.sh", "measure consume throughput", runConsumerPerf},
	{"dump-log", "kafka-dump-log.sh", "print segment files: batches, records, indexes", runDumpLog},
}

// Run runs the gregor command with args (without the program name) and
// returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "gregor: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: gregor <command> [flags]\n\nKafka's command-line tools, as one Kafka client. Commands:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-20s %-30s %s\n", c.name, "("+c.kafka+")", c.summary)
	}
	fmt.Fprintf(w, "\n'gregor <command> --help' lists a command's flags.\n")
}

// newFlagSet returns a flag set that reports to e.stderr, with the
// --bootstrap-server flag every client subcommand takes.
func newFlagSet(e env, name, synopsis string) (*flag.FlagSet, *clientFlags) {
	fs := flag.NewFlagSet("gregor "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cf := &clientFlags{}
	fs.StringVar(&cf.bootstrap, "bootstrap-server", "", "REQUIRED: the Kafka server(s) to connect to, host:port[,host:port...]")
	fs.DurationVar(&cf.timeout, "connect-timeout", 30*time.Second, "give up on reaching the cluster, and on each admin request, after this long")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: gregor %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs, cf
}

// parse parses args; it returns an exit code and false when the command
// must stop: --help (exit 0) or a wrong flag (exit 2, usage printed).
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return exitUsage, false
	}
	return 0, true
}

// usageError reports a wrong combination of flags, with the usage, as
// exit 2.
func usageError(fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(fs.Output(), "gregor: "+format+"\n\n", a...)
	fs.Usage()
	return exitUsage
}

// fail reports an error from the cluster as exit 1.
func fail(e env, name string, err error) int {
	fmt.Fprintf(e.stderr, "gregor %s: %v\n", name, err)
	return exitError
}

type clientFlags struct {
	bootstrap string
	timeout   time.Duration
}

func (cf *clientFlags) seeds() []string {
	var seeds []string
	for _, s := range strings.Split(cf.bootstrap, ",") {
		if s = strings.TrimSpace(s); s != "" {
			seeds = append(seeds, s)
		}
	}
	return seeds
}

// client connects to the cluster. It first dials the bootstrap servers
// itself, so that an unreachable cluster is a clear error within the
// timeout rather than a client retrying in the background.
func (cf *clientFlags) client(ctx context.Context, opts ...kgo.Opt) (*kgo.Client, error) {
	seeds := cf.seeds()
	if len(seeds) == 0 {
		return nil, errors.New("--bootstrap-server is required")
	}
	if err := reachable(ctx, seeds, cf.timeout); err != nil {
		return nil, err
	}
	opts = append([]kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.DialTimeout(cf.timeout),
		kgo.RetryTimeout(cf.timeout),
		kgo.ClientID("gregor-cli"),
	}, opts...)
	return kgo.NewClient(opts...)
}

// admin is client wrapped for admin requests.
func (cf *clientFlags) admin(ctx context.Context) (*kadm.Client, error) {
	cl, err := cf.client(ctx)
	if err != nil {
		return nil, err
	}
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(int32(cf.timeout.Milliseconds()))
	return adm, nil
}

func reachable(ctx context.Context, seeds []string, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout}
	var errs []string
	for _, s := range seeds {
		conn, err := d.DialContext(ctx, "tcp", s)
		if err == nil {
			conn.Close()
			return nil
		}
		errs = append(errs, err.Error())
	}
	return fmt.Errorf("cannot connect to any bootstrap server (%s): %s", strings.Join(seeds, ","), strings.Join(errs, "; "))
}

// listFlag is a repeatable flag, such as Kafka's --property.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// properties parses name=value pairs, as Kafka's --property and
// --producer-property do.
func properties(list []string) (map[string]string, error) {
	m := make(map[string]string, len(list))
	for _, kv := range list {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("invalid property %q: want name=value", kv)
		}
		m[strings.TrimSpace(name)] = value
	}
	return m, nil
}

func joinInt32(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

// flagSet reports whether the command line gave the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// kafkaMessage is an error in the words of Kafka's own tool, capitals
// and full stop included, so that scripts matching them keep working.
type kafkaMessage string

func (m kafkaMessage) Error() string { return string(m) }

func kafkaErr(format string, a ...any) error { return kafkaMessage(fmt.Sprintf(format, a...)) }
