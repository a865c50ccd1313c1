package kafkaref

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// jvmFlags keep the reference broker small and quick to start: a small
// heap, the serial collector, and only the first JIT tier (a test run is
// too short for the optimizing compiler to pay for itself).
var jvmFlags = []string{
	"-Xms64m", "-Xmx512m",
	"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
	"-Djava.awt.headless=true",
}

// Kafka is a running single-node Kafka: one KRaft process that is both
// broker and controller (node.id=1).
type Kafka struct {
	Addr   string // the PLAINTEXT listener, host:port
	LogDir string // log.dirs: one directory per partition, as Kafka lays it out

	classpath string
	cmd       *exec.Cmd
	exited    chan struct{} // closed when the process has exited
	stderr    *bytes.Buffer
}

// Tools reports whether java and mvn are on the PATH.
func Tools() error {
	for _, tool := range []string{"java", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found on the PATH", tool)
		}
	}
	return nil
}

// Classpath returns Kafka's runtime classpath, resolved by Maven from the
// pom.xml in pomDir. The answer is cached under cacheDir, keyed by the
// pom's contents, so that only the first run asks Maven.
func Classpath(ctx context.Context, pomDir, cacheDir string) (string, error) {
	pom, err := os.ReadFile(filepath.Join(pomDir, "pom.xml"))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pom)
	cached := filepath.Join(cacheDir, "classpath-"+hex.EncodeToString(sum[:8])+".txt")
	if cp, err := os.ReadFile(cached); err == nil && len(cp) > 0 {
		return strings.TrimSpace(string(cp)), nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	tmp := cached + ".tmp"
	cmd := exec.CommandContext(ctx, "mvn", "-B", "-q", "-f", filepath.Join(pomDir, "pom.xml"),
		"dependency:build-classpath", "-Dmdep.outputFile="+tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("mvn dependency:build-classpath: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, cached); err != nil {
		return "", err
	}
	cp, err := os.ReadFile(cached)
	return strings.TrimSpace(string(cp)), err
}

// Start formats a fresh log directory under dir and starts Kafka from the
// jars on classpath. extra configs are appended to server.properties. It
// returns once the broker answers ApiVersions, or when ctx ends.
func Start(ctx context.Context, classpath, dir string, extra map[string]string) (*Kafka, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	k := &Kafka{
		Addr:      fmt.Sprintf("127.0.0.1:%d", ports[0]),
		LogDir:    filepath.Join(dir, "logs"),
		classpath: classpath,
		exited:    make(chan struct{}),
		stderr:    new(bytes.Buffer),
	}
	props := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(props, serverProperties(k.Addr, ports[1], k.LogDir, extra), 0o644); err != nil {
		return nil, err
	}
	if out, err := k.Java(ctx, "kafka.tools.StorageTool", "format",
		"--cluster-id", newClusterID(), "--config", props, "--standalone"); err != nil {
		return nil, fmt.Errorf("kafka-storage format: %v\n%s", err, out)
	}
	k.cmd = k.javaCmd("kafka.Kafka", props)
	k.cmd.Stdout = k.stderr
	k.cmd.Stderr = k.stderr
	if err := k.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { k.cmd.Wait(); close(k.exited) }()
	if err := k.waitReady(ctx); err != nil {
		k.Close()
		return nil, err
	}
	if err := k.warmUp(ctx); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// serverProperties is the configuration of the one KRaft node: broker and
// controller in one process, a standalone controller quorum, and the
// internal topics at replication factor 1 so that groups and transactions
// work on one broker, as in Kafka's quickstart.
func serverProperties(addr string, controllerPort int, logDir string, extra map[string]string) []byte {
	controller := fmt.Sprintf("127.0.0.1:%d", controllerPort)
	lines := []string{
		"process.roles=broker,controller",
		"node.id=1",
		"controller.quorum.bootstrap.servers=" + controller,
		"listeners=PLAINTEXT://" + addr + ",CONTROLLER://" + controller,
		"advertised.listeners=PLAINTEXT://" + addr + ",CONTROLLER://" + controller,
		"controller.listener.names=CONTROLLER",
		"inter.broker.listener.name=PLAINTEXT",
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"log.dirs=" + logDir,
		"offsets.topic.replication.factor=1",
		"transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1",
		"share.coordinator.state.topic.replication.factor=1",
		"share.coordinator.state.topic.min.isr=1",
		"group.initial.rebalance.delay.ms=0",
	}
	for k, v := range extra {
		lines = append(lines, k+"="+v)
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// waitReady polls the broker with ApiVersions until it answers. The
// process is external, so there is nothing to wait on but its port; the
// poll ends early if the process exits.
func (k *Kafka) waitReady(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := ping(ctx, k.Addr); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka did not answer ApiVersions on %s: %w\n%s", k.Addr, ctx.Err(), k.stderr)
		case <-k.exited:
			return fmt.Errorf("kafka exited before it was ready: %v\n%s", k.cmd.ProcessState, k.stderr)
		case <-tick.C:
		}
	}
}

func ping(ctx context.Context, addr string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RequestRetries(0))
	if err != nil {
		return err
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(pctx, cl)
	if err != nil {
		return err
	}
	if resp.ErrorCode != 0 {
		return fmt.Errorf("ApiVersions error code %d", resp.ErrorCode)
	}
	// A broker answers ApiVersions before its metadata has caught up;
	// Metadata naming the broker itself means it is serving.
	md, err := kmsg.NewPtrMetadataRequest().RequestWith(pctx, cl)
	if err != nil {
		return err
	}
	if len(md.Brokers) == 0 {
		return errors.New("no brokers in metadata yet")
	}
	return nil
}

// warmUp waits until Kafka's group and transaction coordinators have
// created and loaded their internal topics (__consumer_offsets,
// __transaction_state), which a fresh Kafka does on the first request
// that needs them, answering COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR
// or COORDINATOR_LOAD_IN_PROGRESS meanwhile. gregor has them at start;
// the comparisons should not see the difference.
func (k *Kafka) warmUp(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	ready := func() error {
		fc := kmsg.NewPtrOffsetFetchRequest()
		fc.Group = "kafkaref-warm-up"
		g := kmsg.NewOffsetFetchRequestGroup()
		g.Group = fc.Group
		fc.Groups = append(fc.Groups, g)
		resp, err := fc.RequestWith(ctx, cl)
		if err != nil {
			return err
		}
		if code := resp.ErrorCode; code != 0 {
			return fmt.Errorf("OffsetFetch error code %d", code)
		}
		for _, g := range resp.Groups {
			if g.ErrorCode != 0 {
				return fmt.Errorf("OffsetFetch error code %d", g.ErrorCode)
			}
		}
		ip, err := kmsg.NewPtrInitProducerIDRequest().RequestWith(ctx, cl)
		if err != nil {
			return err
		}
		if ip.ErrorCode != 0 {
			return fmt.Errorf("InitProducerID error code %d", ip.ErrorCode)
		}
		return nil
	}
	// Real time: Kafka is another process, loading its internal topics on
	// its own clock; all there is to do is ask again.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka's coordinators did not load: %v (%w)", err, ctx.Err())
		case <-tick.C:
		}
	}
}

// Java runs one of Kafka's tools (a main class on the classpath) and
// returns its combined output.
func (k *Kafka) Java(ctx context.Context, mainClass string, args ...string) ([]byte, error) {
	cmd := k.javaCmd(mainClass, args...)
	stop := context.AfterFunc(ctx, func() { killGroup(cmd) })
	defer stop()
	return cmd.CombinedOutput()
}

func (k *Kafka) javaCmd(mainClass string, args ...string) *exec.Cmd {
	argv := append(append([]string{}, jvmFlags...), "-cp", k.classpath, mainClass)
	cmd := exec.Command("java", append(argv, args...)...)
	setProcessGroup(cmd)
	return cmd
}

// Close kills Kafka's process group and waits for it to exit.
func (k *Kafka) Close() {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	killGroup(k.cmd)
	<-k.exited
}

// Output is what the Kafka process has written so far.
func (k *Kafka) Output() string { return k.stderr.String() }

// freePorts asks the kernel for n free loopback ports. They are released
// before Kafka binds them; on a loopback interface nothing else races for
// them in practice.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// newClusterID is a random UUID in Kafka's form: 16 bytes, URL-safe
// base64 without padding (what kafka-storage random-uuid prints).
func newClusterID() string {
	for {
		var b [16]byte
		rand.Read(b[:])
		// Kafka's Uuid.randomUuid draws again for an id that starts with
		// a dash, which a command line would read as an option.
		if id := base64.RawURLEncoding.EncodeToString(b[:]); id[0] != '-' {
			return id
		}
	}
}
