package broker_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
)

func deletedOnDisk(t *testing.T, partDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(partDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".deleted") {
			out = append(out, e.Name())
		}
	}
	return out
}

// In a data directory, retention renames a deleted segment's files
// .deleted and removes them file.delete.delay.ms later on the cluster
// clock; a broker stopped within the delay removes them when it starts.
func TestRetentionRenamesThenRemovesAfterFileDeleteDelay(t *testing.T) {
	dir := t.TempDir()
	mc := clock.NewManual(retentionStart)
	c := startAPICluster(t, broker.Clock(mc), broker.DataDir(dir),
		broker.Config("log.retention.check.interval.ms", "5000"),
		broker.Topic("r", 1, 1, map[string]string{"segment.ms": "10000", "retention.ms": "60000", "file.delete.delay.ms": "20000"}))
	cl := rawProducer(t, c)
	rollingSegments(t, cl, mc, "r", 3) // segments at 0, 1, 2; now +22 s
	partDir := filepath.Join(dir, "broker-1", "r-0")

	mc.Advance(60 * time.Second) // past retention for segments 0 and 1, at a check
	if got := startOffset(t, apiAdmin(t, c), "r"); got != 2 {
		t.Fatalf("earliest offset %d, want 2", got)
	}
	got := deletedOnDisk(t, partDir)
	// Segment 1 takes with it the producer snapshot written when the
	// log rolled to it, as Kafka's segment deletion does.
	want := []string{"00000000000000000000.index.deleted", "00000000000000000000.log.deleted", "00000000000000000000.timeindex.deleted",
		"00000000000000000001.index.deleted", "00000000000000000001.log.deleted", "00000000000000000001.snapshot.deleted", "00000000000000000001.timeindex.deleted"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf(".deleted files %q, want %q", got, want)
	}
	mc.Advance(20 * time.Second)
	if got := deletedOnDisk(t, partDir); len(got) != 0 {
		t.Fatalf("%q left after file.delete.delay.ms", got)
	}
	// The cluster's segment events tell the same story, in order.
	var story []string
	for _, e := range c.SegmentEvents("r") {
		story = append(story, e.Kind.String()+" "+strconv.FormatInt(e.BaseOffset, 10))
	}
	if got, want := strings.Join(story, ", "), "rolled 0, rolled 1, deleted 0, deleted 1, removed 0, removed 1"; got != want {
		t.Fatalf("segment events %q, want %q", got, want)
	}
	if e := c.SegmentEvents("r")[2]; e.Cause != "log start offset" || e.NextOffset != 1 || e.Size == 0 || e.BrokerID != 1 || e.Partition != 0 {
		t.Fatalf("deletion event %+v", e)
	}
	if n := len(c.SegmentEvents("other")); n != 0 {
		t.Fatalf("%d events for another topic", n)
	}

	// The next deletion, interrupted by a stop: the start removes it.
	produceAt(t, cl, mc, "r")   // rolls segment 2, whose record is long past retention.ms
	mc.Advance(5 * time.Second) // the next check, well within the delay
	if got := deletedOnDisk(t, partDir); len(got) != 4 {
		t.Fatalf(".deleted files %q, want segment 2's three and its snapshot", got)
	}
	if err := c.StopBroker(1); err != nil {
		t.Fatal(err)
	}
	if got := deletedOnDisk(t, partDir); len(got) != 4 {
		t.Fatalf("stopping removed the .deleted files early: %q", got)
	}
	if err := c.StartBroker(1); err != nil {
		t.Fatal(err)
	}
	if got := deletedOnDisk(t, partDir); len(got) != 0 {
		t.Fatalf("%q left after the broker started again", got)
	}
}
