package broker_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
)

// kafka-log-dirs.sh: each broker's log directory and the size of every
// replica in it.
func TestDescribeLogDirs(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(2), broker.Topic("t", 2, 1, nil), broker.Topic("u", 1, 2, nil))
	prod := rawProducer(t, c)
	produceBatches(t, prod, "t", 0, 3, 100)
	produceBatches(t, prod, "t", 1, 1, 10)
	adm := apiAdmin(t, c)
	all, err := adm.DescribeAllLogDirs(apiCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d brokers answered", len(all))
	}
	configs, err := adm.DescribeBrokerConfigs(apiCtx(t), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	logDirs := map[string]string{}
	for _, rc := range configs {
		for _, cfg := range rc.Configs {
			if cfg.Key == "log.dirs" {
				logDirs[rc.Name] = cfg.MaybeValue()
			}
		}
	}
	for _, b := range c.Brokers() {
		dirs := all[b.ID()]
		if len(dirs) != 1 {
			t.Fatalf("broker %d: %d log dirs", b.ID(), len(dirs))
		}
		for name, d := range dirs {
			if d.Err != nil || name != logDirs[itoa32(b.ID())] {
				t.Fatalf("broker %d: dir %q (%v), log.dirs says %q", b.ID(), name, d.Err, logDirs[itoa32(b.ID())])
			}
			// Every hosted replica, with its log's size.
			want := 0
			for _, topic := range []string{"t", "u"} {
				parts, _ := c.Partitions(topic)
				for _, p := range parts {
					r, ok := p.Replica[b.ID()]
					if !ok {
						continue
					}
					want++
					var size int64
					for _, s := range r.Segments {
						size += s.Size
					}
					got, ok := d.Topics.Lookup(topic, p.Partition)
					if !ok || got.Size != size {
						t.Errorf("broker %d %s-%d: described %+v (found %v), log holds %d bytes", b.ID(), topic, p.Partition, got, ok, size)
					}
				}
			}
			n := 0
			d.Topics.Each(func(kadm.DescribedLogDirPartition) { n++ })
			if n != want {
				t.Errorf("broker %d: %d partitions described, hosts %d", b.ID(), n, want)
			}
		}
	}

	// Asking for one partition leaves the others out.
	p, _ := c.Partition("t", 0)
	dirs, err := adm.DescribeBrokerLogDirs(apiCtx(t), p.Leader, kadm.TopicsSet{"t": {0: {}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		n := 0
		d.Topics.Each(func(kadm.DescribedLogDirPartition) { n++ })
		if got, ok := d.Topics.Lookup("t", 0); n != 1 || !ok || got.Size == 0 {
			t.Fatalf("one partition asked: %d described, t-0 %+v", n, got)
		}
	}
}

// With a data directory the log directory is a real path, and the sizes
// are those of the segment files in it.
func TestDescribeLogDirsOnDisk(t *testing.T) {
	c := startAPICluster(t, broker.DataDir(t.TempDir()), broker.Topic("t", 1, 1, nil))
	produceBatches(t, rawProducer(t, c), "t", 0, 2, 100)
	all, err := apiAdmin(t, c).DescribeAllLogDirs(apiCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for dir, d := range all[1] {
		got, ok := d.Topics.Lookup("t", 0)
		fi, err := os.Stat(filepath.Join(dir, "t-0", "00000000000000000000.log"))
		if err != nil || !ok || got.Size != fi.Size() || got.Size == 0 {
			t.Fatalf("dir %s: described %+v (%v); file: %v %v", dir, got, ok, fi, err)
		}
	}
}

func itoa32(n int32) string { return strconv.Itoa(int(n)) }
