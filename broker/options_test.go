package broker

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// broker.New refuses bad options with an error that names the problem,
// and leaves nothing running behind it.
func TestNewRefusesBadOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []Option
		want string // a piece of the error message
	}{
		{"nil option", []Option{nil}, "nil option"},
		{"no brokers", []Option{Brokers(0)}, "broker count 0"},
		{"too many brokers", []Option{Brokers(65)}, "broker count 65"},
		{"negative port", []Option{Ports(-1)}, "port -1"},
		{"port above 65535", []Option{Ports(70000)}, "port 70000"},
		{"more ports than brokers", []Option{Ports(0, 0)}, "2 ports given for 1 brokers"},
		{"one port for two brokers", []Option{Brokers(2), Ports(41234, 41234)}, "port 41234 is given to two brokers"},
		{"empty host", []Option{Host("")}, "host must not be empty"},
		{"nil clock", []Option{Clock(nil)}, "clock must not be nil"},
		{"empty data dir", []Option{DataDir("")}, "data directory must not be empty"},
		{"data dir is a file", []Option{DataDir(file)}, "not a directory"},
		{"empty cluster id", []Option{ClusterID("")}, "cluster id must not be empty"},
		{"unknown config", []Option{Config("no.such.config", "1")}, `unknown broker config "no.such.config"`},
		{"topic config given as broker config", []Option{Config("retention.ms", "1")}, "retention.ms is a topic config"},
		{"not a number", []Option{Config("num.partitions", "many")}, `invalid value "many" for configuration num.partitions`},
		{"below the minimum", []Option{Config("num.partitions", "0")}, "num.partitions: value must be at least 1"},
		{"not a boolean", []Option{Config("auto.create.topics.enable", "yes")}, "auto.create.topics.enable"},
		{"not a choice", []Option{Config("log.message.timestamp.type", "Sometimes")}, "log.message.timestamp.type"},
		{"node.id is gregor's", []Option{Config("node.id", "5")}, "node.id is assigned by gregor"},
		{"log.dirs is gregor's", []Option{Config("log.dirs", "/tmp/x")}, "DataDir"},
		{"cluster.id is gregor's", []Option{Config("cluster.id", "x")}, "ClusterID"},
		{"topic twice", []Option{Topic("orders", 1, 1, nil), Topic("orders", 2, 1, nil)}, `topic "orders" is given twice`},
		{"bad topic name", []Option{Topic("bad name", 1, 1, nil)}, "illegal"},
		{"zero partitions", []Option{Topic("orders", 0, 1, nil)}, "INVALID_PARTITIONS"},
		{"too many partitions", []Option{Topic("orders", 1<<30, 1, nil)}, "POLICY_VIOLATION"},
		{"replication above brokers", []Option{Topic("orders", 1, 3, nil)}, "INVALID_REPLICATION_FACTOR"},
		{"unknown topic config", []Option{Topic("orders", 1, 1, map[string]string{"no.such": "1"})}, "unknown topic config"},
		{"bad topic config value", []Option{Topic("orders", 1, 1, map[string]string{"retention.ms": "soon"})}, "retention.ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts...)
			if err == nil {
				c.Close()
				t.Fatalf("New accepted the options")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// A failed New releases the ports it had bound: a second try with the
// same ports succeeds.
func TestNewReleasesPortsWhenItFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = New(Brokers(2), Ports(port, 0), Topic("orders", 1, 3, nil))
	if err == nil {
		t.Fatal("New accepted replication factor 3 on 2 brokers")
	}
	c, err := New(Ports(port))
	if err != nil {
		t.Fatalf("port %d still taken after a failed New: %v", port, err)
	}
	defer c.Close()
	if got := c.Addrs()[0]; !strings.HasSuffix(got, ":"+strconv.Itoa(port)) {
		t.Fatalf("listening on %s, want port %d", got, port)
	}
}
