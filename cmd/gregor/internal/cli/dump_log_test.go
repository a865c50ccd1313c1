package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
)

// Scenario 9's look inside a partition: produce with the console
// producer to a broker with a data directory, then dump-log the
// partition's directory, as kafka-dump-log.sh on a Kafka broker's
// log.dirs.
func TestDumpLog(t *testing.T) {
	data := t.TempDir()
	bootstrap := startCluster(t, broker.DataDir(data), broker.Topic("orders", 1, 1, map[string]string{"index.interval.bytes": "1"}))
	// Two runs, two batches; the second's value is long enough for lz4 to
	// shrink it (the client sends a batch uncompressed when compression
	// would not make it smaller). With index.interval.bytes=1 every batch
	// after the first gets index entries.
	long := strings.Repeat("order-2 ", 30)
	for _, line := range []string{"alice:order-1", "bob:" + long} {
		mustRun(t, line+"\n", "console-producer", "--bootstrap-server", bootstrap, "--topic", "orders",
			"--property", "parse.key=true", "--property", "key.separator=:", "--compression-codec", "lz4")
	}
	dir := filepath.Join(data, "broker-1", "orders-0")

	out := mustRun(t, "", "dump-log", "--files", dir, "--print-data-log")
	for _, want := range []string{
		"Dumping " + filepath.Join(dir, "00000000000000000000.log") + "\nLog starting offset: 0\n",
		"Dumping " + filepath.Join(dir, "00000000000000000000.index") + "\n",
		"Dumping " + filepath.Join(dir, "00000000000000000000.timeindex") + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^baseOffset: 0 lastOffset: 0 count: 1 .* position: 0 CreateTime: \d+ size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true$`),
		regexp.MustCompile(`(?m)^baseOffset: 1 lastOffset: 1 count: 1 .* position: [1-9]\d* CreateTime: \d+ size: \d+ magic: 2 compresscodec: lz4 crc: \d+ isvalid: true$`),
		regexp.MustCompile(`(?m)^\| offset: 0 CreateTime: \d+ keySize: 5 valueSize: 7 sequence: 0 headerKeys: \[\] key: alice payload: order-1$`),
		regexp.MustCompile(`(?m)^\| offset: 1 CreateTime: \d+ keySize: 3 valueSize: 240 sequence: 0 headerKeys: \[\] key: bob payload: ` + long + `$`),
		regexp.MustCompile(`(?m)^offset: 1 position: [1-9]\d*$`),
		regexp.MustCompile(`(?m)^timestamp: \d+ offset: 1$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks a line matching %s:\n%s", want, out)
		}
	}

	// Checking the indexes prints no entries and finds nothing wrong.
	r := gregorCmd(t, "", "dump-log", "--files", filepath.Join(dir, "00000000000000000000.index")+","+filepath.Join(dir, "00000000000000000000.timeindex"), "--verify-index-only")
	if r.code != 0 || r.stderr != "" || strings.Contains(r.stdout, "offset: ") {
		t.Errorf("--verify-index-only: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestDumpLogErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dump-log"}, exitUsage, "--files is required"},
		{[]string{"dump-log", "--files", "x.log", "--no-such-flag"}, exitUsage, "flag provided but not defined"},
		{[]string{"dump-log", "--files", "x.log", "--max-bytes", "0"}, exitUsage, "must be positive"},
		{[]string{"dump-log", "--files", "x.log", "--offsets-decoder"}, exitUsage, "not implemented yet"},
		{[]string{"dump-log", "--files", filepath.Join(t.TempDir(), "00000000000000000000.log")}, exitError, "no such file"},
	} {
		r := gregorCmd(t, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("gregor %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stderr, c.code, c.want)
		}
	}
	if r := gregorCmd(t, "", "dump-log", "--help"); r.code != exitOK || !strings.Contains(r.stderr, "print-data-log") {
		t.Errorf("--help: exit %d\n%s", r.code, r.stderr)
	}
}
